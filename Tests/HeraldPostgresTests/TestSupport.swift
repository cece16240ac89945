import Foundation
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
    guard let address = try? PostgresURL(url) else { return }
    var configuration = PostgresClient.Configuration(
        host: address.host, port: address.port, username: address.username, password: address.password, database: address.database, tls: .disable)
    configuration.options.maximumConnections = 1
    let client = PostgresClient(configuration: configuration)
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
        group.cancelAll()
    }
}
