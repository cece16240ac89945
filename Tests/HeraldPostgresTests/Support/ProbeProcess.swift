import Foundation
import Herald
import Testing

/// Runs the `HeraldPostgresProbe` helper (built next to the test bundle) until it exits or dies.
enum ProbeProcess {
    /// How the probe ended.
    struct Ending {
        /// The exit status, or the signal that killed it.
        var status: Int32
        /// Whether a signal (SIGKILL from itself, as planned) ended it.
        var wasKilled: Bool
        /// What it printed.
        var output: String
    }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("HeraldPostgresProbe")
    }

    /// Runs `executable` (default the probe) with `arguments` and waits for it to end, killing it after
    /// `timeout`.
    static func run(
        executable: URL = ProbeProcess.executable, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> Ending {
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "\(executable.path) is not built; run `swift build` first")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        let exited = AsyncSignal()
        process.terminationHandler = { _ in exited.notify() }
        try process.run()
        let output: Task<Data, Never> = Task {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }.start()
            }
        }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            await exited.wait(until: deadline)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { await exited.wait(until: .now + .seconds(1)) }
            Issue.record("the probe \(arguments.first ?? "") did not end within \(timeout)")
        }
        let text = String(decoding: await output.value, as: UTF8.self)
        return Ending(status: process.terminationStatus, wasKilled: process.terminationReason == .uncaughtSignal, output: text)
    }
}
