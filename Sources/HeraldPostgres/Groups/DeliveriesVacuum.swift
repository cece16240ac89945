import Logging
import PostgresNIO
import Synchronization

/// Vacuums the `deliveries` table once enough of its rows were deleted (see
/// ``PostgresBrokerOptions/vacuumDeliveriesAfter``): one `VACUUM (SKIP_LOCKED)` at a time, in a task of its
/// own, never in the way of the acknowledgements that counted the rows.
final class DeliveriesVacuum: Sendable {
    private struct State {
        var deleted = 0
        var running: Task<Void, Never>?
        var isStopped = false
    }

    private let threshold: Int?
    private let table: String
    private let client: PostgresClient
    private let logger: Logger
    // Mutex: acknowledgement writers count from their tasks; the vacuum task clears `running`.
    private let state = Mutex(State())

    init(threshold: Int?, table: String, client: PostgresClient, logger: Logger) {
        self.threshold = threshold
        self.table = table
        self.client = client
        self.logger = logger
    }

    /// Counts deleted rows; starts a vacuum when they reach the threshold and none runs.
    func recordDeleted(_ count: Int) {
        guard let threshold, count > 0 else { return }
        state.withLock { state in
            state.deleted += count
            guard state.deleted >= threshold, state.running == nil, !state.isStopped else { return }
            state.deleted = 0
            state.running = Task { await self.vacuum() }
        }
    }

    /// Waits for a running vacuum and starts no more.
    func stop() async {
        let running = state.withLock { state -> Task<Void, Never>? in
            state.isStopped = true
            return state.running
        }
        await running?.value
    }

    private func vacuum() async {
        do {
            try await client.perform(PostgresQuery(unsafeSQL: "VACUUM (SKIP_LOCKED) \(table)"), logger: logger)
        } catch {
            // Autovacuum still runs; this only makes it come sooner.
            logger.debug("could not vacuum the deliveries table; autovacuum will", metadata: ["herald.error": "\(String(reflecting: error))"])
        }
        state.withLock { $0.running = nil }
    }
}
