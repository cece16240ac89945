import Foundation
import Herald
import Logging
import PostgresNIO

/// Runs a ``PostgresProjection`` from any event store into PostgreSQL: each page of events is applied
/// in one transaction with the checkpoint (`projection_checkpoints`, schema version 5), so the read
/// model and its position commit together.
public struct PostgresProjectionRunner<Model: PostgresProjection>: Sendable {
    /// The projection.
    public let projection: Model
    /// The store read.
    public let store: any EventStore
    private let client: PostgresClient
    private let schema: String
    private let logger: Logger

    /// A runner writing with `client` into the Herald schema `schema` (prepared by a broker, an event
    /// store or ``PostgresOutbox/prepare(on:logger:)`` first).
    public init(
        projection: Model, store: any EventStore, client: PostgresClient, schema: String = "herald", logger: Logger = Logger(label: "herald.projection")
    ) {
        self.projection = projection
        self.store = store
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// The position of the last event applied, `nil` before the first.
    ///
    /// - Throws: a PostgreSQL error.
    public func checkpoint() async throws -> UInt64? {
        let rows = try await client.query(
            "SELECT position FROM \(unescaped: schema).projection_checkpoints WHERE name = \(projection.name)", logger: logger
        ).collect()
        return try rows.first.map { UInt64(clamping: try $0.decode(Int64.self)) }
    }

    /// Where the projection stands against the store's head: its committed checkpoint, the head, and when
    /// the last applied event was recorded.
    ///
    /// - Throws: a PostgreSQL error; ``EventStoreError``.
    public func status() async throws -> ProjectionStatus {
        let position = try await checkpoint()
        let head = try await store.headPosition()
        var lastApplied: Date?
        if let position { lastApplied = try await store.readAll(from: position, limit: 1).first?.recordedAt }
        return ProjectionStatus(name: projection.name, position: position, headPosition: head, lastAppliedRecordedAt: lastApplied, observedAt: Date())
    }

    /// Reports this runner's ``status()`` to `monitor` (the server's `GET /projections`) under the
    /// projection's name.
    public func report(to monitor: ProjectionMonitor) {
        monitor.watch(projection.name) { try await self.status() }
    }

    /// Applies what the store holds after the checkpoint, a page (up to `pageSize` events) per
    /// transaction, until it has caught up; returns how many events it applied.
    ///
    /// - Throws: ``EventStoreError``; what the projection throws (the page it was in is rolled back).
    @discardableResult
    public func catchUp(pageSize: Int = 256) async throws -> Int {
        var applied = 0
        var position = try await checkpoint()
        while true {
            let page = try await store.readAll(from: position.map { $0 + 1 } ?? 0, limit: max(1, pageSize))
            guard let last = page.last else { return applied }
            try await transaction { connection in
                for recorded in page { try await projection.apply(recorded, on: connection) }
                try await connection.perform(
                    """
                    INSERT INTO \(unescaped: schema).projection_checkpoints (name, position, updated_at)
                    VALUES (\(projection.name), \(Int64(clamping: last.position)), clock_timestamp())
                    ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
                    """, logger: logger
                )
            }
            applied += page.count
            position = last.position
        }
    }

    /// Follows the store until the task is cancelled: catches up, then waits for appends and catches up
    /// again.
    ///
    /// - Throws: as ``catchUp(pageSize:)``.
    public func run(pageSize: Int = 256) async throws {
        while !Task.isCancelled {
            try await catchUp(pageSize: pageSize)
            let head = try await store.headPosition()
            guard try await checkpoint() == head else { continue }
            await store.waitForAppends(after: head, until: .now + .seconds(1))
        }
    }

    /// Runs `body` in a transaction; what `body` threw is rethrown as it is (not wrapped in
    /// `PostgresTransactionError`), so a projection's own error reaches the caller.
    private func transaction(_ body: (PostgresConnection) async throws -> Void) async throws {
        do {
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch {
            throw PostgresBroker.cause(of: error)
        }
    }

    /// Empties the read model and its checkpoint in one transaction, then applies everything from zero.
    ///
    /// - Throws: as ``catchUp(pageSize:)``.
    @discardableResult
    public func rebuild(pageSize: Int = 256) async throws -> Int {
        try await transaction { connection in
            try await projection.reset(on: connection)
            try await connection.perform(
                "DELETE FROM \(unescaped: schema).projection_checkpoints WHERE name = \(projection.name)", logger: logger
            )
        }
        return try await catchUp(pageSize: pageSize)
    }
}
