import Foundation
import Herald
import Synchronization

/// A helper program run for a test: its standard output read line by line as it comes, its standard
/// input held open until ``stop()`` closes it.
final class LineProcess: Sendable {
    let process: Process
    private let input: Pipe
    // Mutex: the reading thread appends, the test takes.
    private let state = Mutex<(lines: [String], taken: Int, ended: Bool)>(([], 0, false))
    private let arrived = AsyncSignal()

    init(_ executable: String, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread { [self] in
            var buffer = Data()
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer += chunk
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer = Data(buffer[buffer.index(after: newline)...])
                    self.state.withLock { $0.lines.append(line) }
                    self.arrived.notify()
                }
            }
            self.state.withLock { $0.ended = true }
            self.arrived.notify()
        }.start()
    }

    /// The next line the program prints, or `nil` when it ended or `timeout` passed first.
    func nextLine(timeout: Duration = .seconds(20)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (line, ended) = state.withLock { state -> (String?, Bool) in
                guard state.taken < state.lines.count else { return (nil, state.ended) }
                state.taken += 1
                return (state.lines[state.taken - 1], false)
            }
            if let line { return line }
            if ended || ContinuousClock.now >= deadline { return nil }
            await arrived.wait(until: deadline)
        }
    }

    /// Closes the program's input (it ends) and waits for it.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
