import Herald
import Logging
import PostgresNIO
import Synchronization

/// Wakes this process's waiting members when something changed for their topic: by LISTEN/NOTIFY on one
/// channel per schema (the payload is the topic), from this broker and from every other process using
/// the schema. A member waits at most the poll interval in any case, so a notification lost while the
/// listening connection was down only delays it.
final class PostgresWakeups: Sendable {
    /// The notification channel.
    let channel: String
    // Mutex: members register from their subscriptions' tasks and the listener wakes them from its own.
    private let signals = Mutex<[String: [UInt64: AsyncSignal]]>([:])
    private let listener = Mutex<Task<Void, Never>?>(nil)

    /// Wake-ups on the channel of `schema`.
    init(schema: String) {
        self.channel = Self.channel(forSchema: schema)
    }

    /// The notification channel of a schema's broker, outbox and relays.
    static func channel(forSchema schema: String) -> String {
        "herald_\(schema)"
    }

    /// Starts listening on a connection of `client`, reconnecting after a failure, until ``stop()``.
    func start(on client: PostgresClient, pollInterval: Duration, logger: Logger) {
        let task = Task {
            await self.listen(on: client, pollInterval: pollInterval, logger: logger)
        }
        listener.withLock { $0 = task }
    }

    /// Listens on a connection of `client`, reconnecting after a failure, until the calling task is
    /// cancelled.
    func listen(on client: PostgresClient, pollInterval: Duration, logger: Logger) async {
        let channel = channel
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        // Everyone looks again once the listener (re)starts: what was sent while it was down.
                        self.wakeAll()
                        for try await notification in notifications {
                            self.wake(topic: notification.payload)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "the PostgreSQL notification listener failed; consumers poll until it is back",
                    metadata: ["herald.error": "\(PostgresBroker.describe(error))"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// Stops listening.
    func stop() async {
        let task = listener.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// Sends the notification for `topic` with the transaction of `connection` (delivered when it commits).
    func notify(_ topic: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await Self.notify(topic, channel: channel, on: connection, logger: logger)
    }

    /// Sends the notification for `topic` on `channel` with the transaction of `connection`.
    static func notify(_ topic: String, channel: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform("SELECT pg_notify(\(channel), \(topic))", logger: logger)
    }

    /// Registers a member's signal for `topic`.
    func register(_ member: UInt64, topic: String, signal: AsyncSignal) {
        signals.withLock { $0[topic, default: [:]][member] = signal }
    }

    /// Forgets a member.
    func unregister(_ member: UInt64, topic: String) {
        signals.withLock { signals in
            signals[topic]?.removeValue(forKey: member)
            if signals[topic]?.isEmpty == true { signals.removeValue(forKey: topic) }
        }
    }

    /// Wakes every member of `topic`.
    func wake(topic: String) {
        for signal in signals.withLock({ Array(($0[topic] ?? [:]).values) }) { signal.notify() }
    }

    /// Wakes every member.
    func wakeAll() {
        for signal in signals.withLock({ $0.values.flatMap(\.values) }) { signal.notify() }
    }
}
