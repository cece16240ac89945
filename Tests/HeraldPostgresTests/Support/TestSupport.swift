import Foundation
import Herald
import HeraldPostgres
import Logging
import PostgresNIO
import Testing

/// Integration settings from the environment (set by `scripts/test.sh`).
enum PostgresTestEnvironment {
    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether a missing server must fail the tests instead of skipping them (CI).
    static var requireServices: Bool { environment["HERALD_REQUIRE_SERVICES"] == "1" }

    /// The primary's URL.
    static var primaryURL: String? { environment["HERALD_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The streaming replica's URL.
    static var replicaURL: String? { environment["HERALD_POSTGRES_REPLICA_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    /// Whether the tests needing the primary run: when it is set, or when services are required (then
    /// they fail on its absence).
    static var runs: Bool { primaryURL != nil || requireServices }

    /// Whether the replica tests run.
    static var runsReplica: Bool { replicaURL != nil || requireServices }

    /// The primary's URL; records a failure explaining what is missing when it is unset.
    static func requirePrimary() throws -> String {
        try #require(primaryURL, "HERALD_REQUIRE_SERVICES=1 but HERALD_POSTGRES_URL is not set; run scripts/test.sh")
    }

    /// The replica's URL; records a failure explaining what is missing when it is unset.
    static func requireReplica() throws -> String {
        try #require(replicaURL, "HERALD_REQUIRE_SERVICES=1 but HERALD_POSTGRES_REPLICA_URL is not set; run scripts/test.sh")
    }

    /// A client of the server at `url` (not yet running: run it in a task).
    static func client(url: String, maximumConnections: Int) throws -> PostgresClient {
        let address = try PostgresURL(url)
        var configuration = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.username, password: address.password, database: address.database, tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        return PostgresClient(configuration: configuration, backgroundLogger: testLogger)
    }

    /// A schema name of its own for one test.
    static func uniqueSchema() -> String {
        "t" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
    }
}

/// A logger that prints warnings and worse.
let testLogger: Logger = {
    var logger = Logger(label: "herald.postgres.tests")
    logger.logLevel = .error
    return logger
}()

/// Drops a test's schema with everything in it (best effort).
func dropSchema(_ schema: String, url: String) async {
    guard let client = try? PostgresTestEnvironment.client(url: url, maximumConnections: 1) else { return }
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
        group.cancelAll()
    }
}

/// Waits until `condition` holds, looking every 20 ms, for at most `timeout`; records a failure naming
/// `what` when it never does. For state only the database shows (rows deleted by another process).
func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out after \(timeout) waiting for \(what)")
}

/// A client of the test server running for the length of `body`, then stopped.
func withClient<T>(url: String, maximumConnections: Int = 8, _ body: (PostgresClient) async throws -> T) async throws -> T {
    let client = try PostgresTestEnvironment.client(url: url, maximumConnections: maximumConnections)
    let task = Task { await client.run() }
    defer { task.cancel() }
    return try await body(client)
}

/// Every event of every partition of `topic`, partition by partition in offset order.
func allEvents(of topic: String, in broker: any Broker) async throws -> [StoredEvent] {
    let configuration = try #require(try await broker.topics().first { $0.name == topic })
    var events: [StoredEvent] = []
    for partition in 0..<configuration.partitions {
        var next = Offset(0)
        while true {
            let batch = try await broker.read(topic: topic, partition: Partition(partition), from: next, limit: 1_000)
            guard let last = batch.last else { break }
            events += batch
            next = last.offset.next
        }
    }
    return events
}

/// Runs `body` with the primary's URL and a schema name of its own, and drops the schema afterwards, even
/// when `body` throws.
func withUniqueSchema(_ body: (_ url: String, _ schema: String) async throws -> Void) async throws {
    let url = try PostgresTestEnvironment.requirePrimary()
    let schema = PostgresTestEnvironment.uniqueSchema()
    do {
        try await body(url, schema)
    } catch {
        await dropSchema(schema, url: url)
        throw error
    }
    await dropSchema(schema, url: url)
}
