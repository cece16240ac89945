import Foundation
import Synchronization

/// Prints lines from concurrent tasks without interleaving them.
final class Console: Sendable {
    // Mutex: handlers print concurrently.
    private let lock = Mutex(())
    private let startedAt = ContinuousClock.now
    private let isQuiet: Bool

    /// A console that prints, or (`quiet`) one that discards every line.
    init(quiet: Bool = false) {
        self.isQuiet = quiet
    }

    /// Prints `line` prefixed with the time since start.
    func say(_ line: String) {
        guard !isQuiet else { return }
        let elapsed = ContinuousClock.now - startedAt
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        lock.withLock { _ in
            print("[\(String(format: "%6.3f", Double(milliseconds) / 1000))s] \(line)")
        }
    }
}
