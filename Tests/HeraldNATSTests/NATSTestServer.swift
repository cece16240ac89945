import Foundation
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A `nats-server` process of its own for one test, on a free loopback port, with JetStream in a
/// temporary store directory. It can be killed and restarted on the same port.
actor NATSTestServer {
    let binary: String
    let port: Int
    let directory: String
    private let extraArguments: [String]
    private var process: Process?
    private var exited: AsyncStream<Void>?

    /// `nats://127.0.0.1:<port>`.
    nonisolated var url: String { "nats://127.0.0.1:\(port)" }

    private init(binary: String, port: Int, directory: String, arguments: [String]) {
        self.binary = binary
        self.port = port
        self.directory = directory
        self.extraArguments = arguments
    }

    /// Starts a server with `arguments` (e.g. `--auth`, `--user`) and waits until it accepts connections.
    static func start(binary: String, arguments: [String] = []) async throws -> NATSTestServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("herald-nats-\(UUID().uuidString)", isDirectory: true).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let server = NATSTestServer(binary: binary, port: try await freePort(), directory: directory, arguments: arguments)
        try await server.launch()
        return server
    }

    /// Launches the process and waits (bounded) until the port accepts.
    func launch() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            [
                "-a", "127.0.0.1", "-p", "\(port)", "-js", "-sd", "\(directory)/store", "-l", "\(directory)/server.log",
            ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        process.terminationHandler = { _ in
            continuation.yield()
            continuation.finish()
        }
        try process.run()
        self.process = process
        self.exited = stream
        try await Self.waitUntilAccepting(port: port, deadline: .now + .seconds(15))
    }

    /// Kills the server with SIGKILL (no goodbye to clients) and waits for it to exit.
    func kill() async {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
    }

    /// Freezes the server (SIGSTOP): connections stay open but nothing is answered.
    func pause() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGSTOP)
    }

    /// Lets a frozen server run again (SIGCONT).
    func resume() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGCONT)
    }

    /// Stops the server with SIGTERM and waits for it to exit.
    func stop() async {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGCONT)
        process.terminate()
        await waitForExit()
    }

    private func waitForExit() async {
        if let exited {
            for await _ in exited { break }
        }
        process = nil
        exited = nil
    }

    /// Stops the server and removes its directory.
    func shutDown() async {
        await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The contents of the server's log, for failure messages.
    func log() -> String {
        (try? String(contentsOfFile: "\(directory)/server.log", encoding: .utf8)) ?? ""
    }

    /// A loopback port that was free a moment ago.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return try #require(port > 0 ? port : nil, "could not find a free port")
    }

    /// Polls until a TCP connection to the port succeeds, or `deadline` passes.
    static func waitUntilAccepting(port: Int, deadline: ContinuousClock.Instant) async throws {
        while true {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.milliseconds(200))
                    .connect(host: "127.0.0.1", port: port)
                    .get()
                try? await channel.close()
                return
            } catch {
                guard ContinuousClock.now < deadline else {
                    throw TestTimeout(what: "nats-server to accept on port \(port)")
                }
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }
}

/// Runs `body` with a server of its own, shutting it down afterwards.
func withNATSServer<T>(arguments: [String] = [], _ body: (NATSTestServer) async throws -> T) async throws -> T {
    let binary = try TestEnvironment.requireNATSServer()
    let server = try await NATSTestServer.start(binary: binary, arguments: arguments)
    do {
        let result = try await body(server)
        await server.shutDown()
        return result
    } catch {
        Issue.record("nats-server log:\n\(await server.log().suffix(4000))")
        await server.shutDown()
        throw error
    }
}
