import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `query` and reads its result to the end, for statements whose rows are not needed.
    /// PostgresNIO hands an error raised while a statement executes only to whoever reads its rows: a
    /// statement nobody reads can fail unseen, and its transaction's `COMMIT` then rolls back in silence
    /// while the caller reports success (`FailedStatementTests`).
    ///
    /// - Throws: the statement's error.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }
}

extension PostgresClient {
    /// Runs `query` on a connection of the pool and reads its result to the end (see
    /// ``PostgresNIO/PostgresConnection/perform(_:logger:)``).
    ///
    /// - Throws: the statement's error.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }
}
