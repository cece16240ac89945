import Foundation

/// A progress bar on standard error for long operations: done and total, rate and time left. On a
/// terminal it redraws in place at most ten times a second; elsewhere it prints a line every 10 %.
struct ProgressBar {
    let label: String
    let total: Int
    private let start = ContinuousClock.now
    private var lastDrawn = ContinuousClock.now - .seconds(1)
    private var lastTenth = -1

    init(_ label: String, total: Int) {
        self.label = label
        self.total = max(total, 1)
    }

    /// Shows `done` of the total.
    mutating func update(_ done: Int) {
        let now = ContinuousClock.now
        let fraction = min(1, Double(done) / Double(total))
        let seconds = max(0.001, Self.seconds(now - start))
        let rate = Double(done) / seconds
        let left = rate > 0 ? Double(total - done) / rate : 0
        let text = "\(label) \(Self.bar(fraction)) \(Int(fraction * 100))% \(done)/\(total) \(Int(rate))/s ETA \(Int(left.rounded(.up)))s"
        if StandardError.isTerminal {
            guard now - lastDrawn >= .milliseconds(100) || done >= total else { return }
            lastDrawn = now
            StandardError.write("\r" + text)
        } else {
            let tenth = Int(fraction * 10)
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            StandardError.line(text)
        }
    }

    /// Ends the bar's line.
    func finish() {
        if StandardError.isTerminal { StandardError.write("\n") }
    }

    private static func bar(_ fraction: Double) -> String {
        let filled = Int(fraction * 30)
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "]"
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
