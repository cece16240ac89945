import Foundation
import Herald

/// Runs helper processes for the crash tests.
enum ChildProcess {
    /// The `herald-crash-writer` executable: `HERALD_CRASH_WRITER`, or the one built beside the test bundle.
    static var crashWriter: URL {
        if let path = ProcessInfo.processInfo.environment["HERALD_CRASH_WRITER"] {
            return URL(fileURLWithPath: path)
        }
        // The test bundle and the package's executables are built into the same directory.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("herald-crash-writer")
    }

    /// Runs `executable`, kills it with SIGKILL after `delay`, and returns the whole lines it wrote to
    /// standard output (a line cut by the kill does not count).
    static func runAndKill(_ executable: URL, arguments: [String], after delay: Duration) async throws -> [Substring] {
        let (text, _) = try await run(executable, arguments: arguments, killAfter: delay)
        guard let lastNewline = text.lastIndex(of: "\n") else { return [] }
        return text[..<lastNewline].split(separator: "\n")
    }

    /// Runs `executable` to its end and returns its standard output and exit status.
    static func runToEnd(_ executable: URL, arguments: [String]) async throws -> (output: String, status: Int32) {
        try await run(executable, arguments: arguments, killAfter: nil)
    }

    private static func run(_ executable: URL, arguments: [String], killAfter delay: Duration?) async throws -> (output: String, status: Int32) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        let exited = AsyncSignal()
        process.terminationHandler = { _ in exited.notify() }
        try process.run()
        // Drain the pipe while the child runs so it never blocks on a full pipe.
        let output: Task<Data, Never> = Task {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }.start()
            }
        }
        if let delay {
            try await Task.sleep(for: delay)
            kill(process.processIdentifier, SIGKILL)
        }
        await exited.wait()
        return (String(decoding: await output.value, as: UTF8.self), process.terminationStatus)
    }
}
