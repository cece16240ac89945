import AsyncHTTPClient
import Foundation
import Herald

#if canImport(Glibc)
import Glibc
#endif

/// A real `herald serve` process on a free loopback port, for tests that talk to it over HTTP only and
/// may kill it.
final class ServeProcess: Sendable {
    /// The running process.
    let process: Process
    /// The address it listens on.
    let base: String
    private let exited: AsyncSignal

    /// The `herald` executable: beside the test bundle, where the package's products are built.
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["HERALD_EXECUTABLE"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("herald")
    }

    private init(process: Process, base: String, exited: AsyncSignal) {
        self.process = process
        self.base = base
        self.exited = exited
    }

    /// Starts `herald serve --data-dir directory --port 0` (with `--allow-anonymous` unless told not to) and waits (up to 60 s) until it
    /// prints the address it listens on.
    static func start(dataDirectory directory: String, extraArguments: [String] = [], allowAnonymous: Bool = true) async throws -> ServeProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--data-dir", directory, "--port", "0"] + (allowAnonymous ? ["--allow-anonymous"] : []) + extraArguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let exited = AsyncSignal()
        process.terminationHandler = { _ in exited.notify() }
        try process.run()
        // The first line names the address; the rest of the output is drained so the process never blocks.
        let base: String? = await withCheckedContinuation { continuation in
            Thread {
                let handle = pipe.fileHandleForReading
                var buffer = Data()
                var answered = false
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    guard !answered else { continue }
                    buffer += chunk
                    if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: buffer[..<newline], as: UTF8.self)
                        answered = true
                        continuation.resume(returning: line.components(separatedBy: "listening on ").last)
                    }
                }
                if !answered { continuation.resume(returning: nil) }
            }.start()
        }
        guard let base, base.hasPrefix("http://") || base.hasPrefix("https://") else {
            process.terminate()
            throw ServerTestError.notListening
        }
        return ServeProcess(process: process, base: base, exited: exited)
    }

    /// Sends SIGKILL and waits for the process to end.
    func kill() async {
        Glibc.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
    }

    /// Sends SIGTERM and waits for the process to end (a graceful stop).
    func stop() async {
        Glibc.kill(process.processIdentifier, SIGTERM)
        await waitForExit()
    }

    private func waitForExit() async {
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline {
            await exited.wait(until: min(deadline, .now + .milliseconds(200)))
        }
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs `body` with a client of a real `herald serve` on `directory`, then stops the server gracefully.
func withServeProcess<T: Sendable>(
    dataDirectory directory: String, _ body: @Sendable (ServerClient, ServeProcess) async throws -> T
) async throws -> T {
    let server = try await ServeProcess.start(dataDirectory: directory)
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    let result: Result<T, any Error>
    do {
        result = .success(try await body(ServerClient(base: server.base, client: client), server))
    } catch {
        result = .failure(error)
    }
    try await client.shutdown()
    await server.stop()
    return try result.get()
}

/// Runs `body` with a new temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-server-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}
