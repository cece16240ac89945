import Foundation
import HeraldNATS
import HeraldTesting
import Logging
import NIOCore
import NIOPosix
import Testing

/// Integration settings from the environment (set by `scripts/test.sh`).
enum TestEnvironment {
    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether a missing server must fail the tests instead of skipping them (CI).
    static var requireServices: Bool { environment["HERALD_REQUIRE_SERVICES"] == "1" }

    /// The URL of a running NATS server shared by the tests.
    static var natsURL: String? {
        environment["HERALD_NATS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The `nats-server` binary, for tests that start their own: `HERALD_NATS_SERVER`, else `PATH`
    /// (plus `/usr/sbin`, where Debian installs it).
    static var natsServerBinary: String? {
        if let path = environment["HERALD_NATS_SERVER"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let directories = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/bin"]
        return directories.map { "\($0)/nats-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether tests needing `HERALD_NATS_URL` run: when it is set, or when services are required (then
    /// they fail on its absence).
    static var runsSharedServerTests: Bool { natsURL != nil || requireServices }

    /// Whether tests starting their own server run.
    static var runsOwnServerTests: Bool { natsServerBinary != nil || requireServices }

    /// The shared server's URL; records a failure explaining what is missing when it is unset.
    static func requireNATSURL() throws -> String {
        try #require(natsURL, "HERALD_REQUIRE_SERVICES=1 but HERALD_NATS_URL is not set; run scripts/test.sh")
    }

    /// The server binary; records a failure explaining what is missing when it cannot be found.
    static func requireNATSServer() throws -> String {
        try #require(
            natsServerBinary,
            "HERALD_REQUIRE_SERVICES=1 but nats-server is neither in HERALD_NATS_SERVER nor on PATH; apt-get install nats-server"
        )
    }
}

/// Test failures of the helpers.
struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with ``TestTimeout`` if it does not finish within `timeout`.
func withTimeout<T: Sendable>(
    _ timeout: Duration = .seconds(30),
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestTimeout(what: what)
        }
        return value
    }
}

extension NATSSubscription {
    /// The next `count` messages, within `timeout`.
    func take(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [NATSMessage] {
        try await withTimeout(timeout, "\(count) messages on \(subject)") {
            var messages: [NATSMessage] = []
            var iterator = self.makeAsyncIterator()
            while messages.count < count, let message = try await iterator.next() {
                messages.append(message)
            }
            return messages
        }
    }
}

extension AsyncStream<NATSClientEvent> {
    /// Waits for the first event that `matches`, within `timeout`.
    func first(
        within timeout: Duration = .seconds(15), _ what: String, where matches: @escaping @Sendable (NATSClientEvent) -> Bool
    )
        async throws -> NATSClientEvent
    {
        try await withTimeout(timeout, what) {
            for await event in self where matches(event) { return event }
            throw TestTimeout(what: "\(what) (the event stream ended)")
        }
    }
}

/// A unique subject prefix, so tests sharing a server do not see each other's messages.
func uniqueSubject(_ name: String) -> String {
    "herald.test.\(name).\(UUID().uuidString.prefix(8))"
}

/// Connects a client to `url` with short timeouts suited to tests.
func connectClient(
    _ url: String,
    configure: (inout NATSClientOptions) -> Void = { _ in }
) async throws -> NATSClient {
    var options = NATSClientOptions(servers: [url])
    options.connectTimeout = .seconds(2)
    options.reconnect.baseDelay = .milliseconds(20)
    options.reconnect.maximumDelay = .milliseconds(250)
    configure(&options)
    return try await NATSClient.connect(options, logger: testLogger)
}

/// Discards client logs unless `HERALD_TEST_LOG` is set (the tests provoke disconnects on purpose).
let testLogger: Logger = {
    if ProcessInfo.processInfo.environment["HERALD_TEST_LOG"] != nil { return Logger(label: "herald.nats.test") }
    return Logger(label: "herald.nats.test", factory: { _ in SwiftLogNoOpLogHandler() })
}()

/// Runs `body` with a client connected to `url`, closing it afterwards.
func withClient<T>(
    _ url: String,
    configure: (inout NATSClientOptions) -> Void = { _ in },
    _ body: (NATSClient) async throws -> T
) async throws -> T {
    let client = try await connectClient(url, configure: configure)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}
