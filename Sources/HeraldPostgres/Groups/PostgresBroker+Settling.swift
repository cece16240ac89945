import Foundation
import Herald
import Logging
import PostgresNIO

extension PostgresBroker {
    /// Settles a delivery by its token: ack deletes its row, nack makes it due after the delay (or dead-
    /// letters it on its last allowed delivery), reject dead-letters it now. A stale token (settled,
    /// expired and delivered again, or made stale by a seek) changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or a database failure.
    public func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws {
        try checkOpen()
        switch settlement {
        case .ack:
            try await acknowledge([token], topic: topic, group: group)
        case .nack(let retryAfter, let failure):
            try await fail(
                token, topic: topic, group: group, failure: failure ?? DeliveryFailure(errorType: "Nacked", message: "the consumer asked for redelivery"),
                retryAfter: retryAfter)
        case .reject(let failure):
            try await fail(token, topic: topic, group: group, failure: failure, retryAfter: nil)
        }
    }

    /// Acknowledges deliveries by their tokens and returns once the rows are deleted.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or a database failure.
    func acknowledge(_ tokens: [DeliveryToken], topic: String, group: String) async throws {
        guard !tokens.isEmpty else { return }
        let acknowledged = try await database("acknowledging \(tokens.count) deliveries of group '\(group)'") {
            try await Self.writeAcknowledgements(
                tokens, topic: topic, group: group, client: primary, tables: tables, wakeups: wakeups, vacuum: vacuum, logger: logger)
        }
        if acknowledged < tokens.count { try await requireGroup(topic: topic, group: group) }
    }

    /// Acknowledges deliveries of a subscription: at once with ``PostgresBrokerOptions/confirmAcknowledgements``,
    /// else through the batching writer (see ``PostgresAckWriter``).
    ///
    /// - Throws: ``BrokerError`` when a confirmed acknowledgement cannot be written.
    func acknowledgeFromSubscription(_ tokens: [DeliveryToken], topic: String, group: String) async throws {
        if options.confirmAcknowledgements {
            try await acknowledge(tokens, topic: topic, group: group)
        } else {
            await acks.enqueue(tokens, topic: topic, group: group)
        }
    }

    /// Deletes the rows of acknowledged deliveries in one statement (which also notifies other processes
    /// when it freed a key that per-key order held back), wakes this process's members and counts the
    /// deleted rows towards the next vacuum; returns how many rows it deleted (fewer than the tokens:
    /// stale tokens).
    static func writeAcknowledgements(
        _ tokens: [DeliveryToken], topic: String, group: String, client: PostgresClient, tables: PostgresTables, wakeups: PostgresWakeups,
        vacuum: DeliveriesVacuum, logger: Logger
    ) async throws -> Int {
        let rows = try await client.query(
            """
            WITH gone AS (
                DELETE FROM \(unescaped: tables.deliveries) d
                USING unnest(\(tokens.map { Int32($0.partition.index) })::integer[], \(tokens.map(\.offset.value))::bigint[],
                             \(tokens.map { Int64(bitPattern: $0.rawValue) })::bigint[]) AS u(partition, "offset", id)
                WHERE d.topic = \(topic) AND d."group" = \(group) AND d.partition = u.partition AND d."offset" = u."offset"
                    AND d.delivery_id = u.id AND d.in_flight
                RETURNING d.key)
            SELECT count(*), CASE WHEN bool_or(key IS NOT NULL) THEN pg_notify(\(wakeups.channel), \(topic)) IS NULL ELSE false END FROM gone
            """, logger: logger
        ).collect()
        let (acknowledged, _) = try rows.first?.decode((Int64, Bool?).self) ?? (Int64(0), nil)
        if acknowledged > 0 { wakeups.wake(topic: topic) }
        vacuum.recordDeleted(Int(acknowledged))
        return Int(acknowledged)
    }

    /// Gives deliveries a consumer never saw back to their group: due at once, their attempt not counted.
    func giveBack(_ tokens: [DeliveryToken], topic: String, group: String) async {
        guard !tokens.isEmpty else { return }
        do {
            _ = try await database("giving back \(tokens.count) deliveries of group '\(group)'") {
                try await primary.query(
                    """
                    WITH back AS (
                        UPDATE \(unescaped: tables.deliveries) d
                        SET in_flight = false, visible_at = clock_timestamp(), attempts = GREATEST(0, d.attempts - 1), member = NULL
                        FROM unnest(\(tokens.map { Int32($0.partition.index) })::integer[], \(tokens.map(\.offset.value))::bigint[],
                                    \(tokens.map { Int64(bitPattern: $0.rawValue) })::bigint[]) AS u(partition, "offset", id)
                        WHERE d.topic = \(topic) AND d."group" = \(group) AND d.partition = u.partition AND d."offset" = u."offset"
                            AND d.delivery_id = u.id AND d.in_flight
                        RETURNING d."offset")
                    SELECT count(*), pg_notify(\(wakeups.channel), \(topic)) IS NULL FROM back
                    """, logger: logger
                ).collect()
            }
        } catch {
            logger.warning(
                "could not give back deliveries a consumer never saw; they are delivered again after their deadline",
                metadata: ["herald.topic": "\(topic)", "herald.group": "\(group)", "herald.error": "\(error)"])
        }
    }

    /// Records a failure of the delivery `token` names: due again after `retryAfter` unless it was its
    /// last allowed delivery (or `retryAfter` is `nil`, a rejection): then dead-lettered.
    private func fail(_ token: DeliveryToken, topic: String, group: String, failure: DeliveryFailure, retryAfter: Duration?) async throws {
        let found = try await transaction("settling a delivery of group '\(group)'") { connection -> Bool in
            let groupRows = try await connection.query(
                "SELECT options FROM \(unescaped: self.tables.groups) WHERE topic = \(topic) AND name = \(group)", logger: self.logger
            ).collect()
            guard let optionsText = try groupRows.first?.decode(String.self) else { return false }
            let options = try GroupOptionsDocument.options(text: optionsText, topic: topic, group: group)
            let rows = try await connection.query(
                """
                SELECT attempts, first_failure_at FROM \(unescaped: self.tables.deliveries)
                WHERE topic = \(topic) AND "group" = \(group) AND partition = \(Int32(token.partition.index)) AND "offset" = \(token.offset.value)
                    AND delivery_id = \(Int64(bitPattern: token.rawValue)) AND in_flight
                FOR UPDATE
                """, logger: self.logger
            ).collect()
            guard let row = rows.first else { return true }
            let (attempts, firstFailure) = try row.decode((Int32, Date?).self)
            if let retryAfter, Int(attempts) < options.maximumDeliveries {
                try await connection.perform(
                    """
                    UPDATE \(unescaped: self.tables.deliveries) SET in_flight = false,
                        visible_at = clock_timestamp() + \(Self.interval(max(retryAfter, .zero)))::interval,
                        failure_type = \(failure.errorType), failure_message = \(failure.message),
                        first_failure_at = COALESCE(first_failure_at, clock_timestamp()), last_failure_at = clock_timestamp()
                    WHERE topic = \(topic) AND "group" = \(group) AND partition = \(Int32(token.partition.index)) AND "offset" = \(token.offset.value)
                    """, logger: self.logger
                )
            } else {
                let exhausted = ExhaustedRow(
                    partition: token.partition.index, offset: token.offset.value, attempts: Int(attempts), failure: failure,
                    firstFailureAt: firstFailure ?? Date(), lastFailureAt: Date())
                try await self.deadLetter([exhausted], topic: topic, group: group, options: options, on: connection)
            }
            try await self.wakeups.notify(topic, on: connection, logger: self.logger)
            return true
        }
        if !found { try await requireGroup(topic: topic, group: group) }
    }

    /// Restarts the ack deadline of a delivery by its token; a stale token changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or a database failure.
    public func extendDeadline(_ token: DeliveryToken, topic: String, group: String) async throws {
        try checkOpen()
        let updated = try await database("extending a deadline of group '\(group)'") {
            try await primary.query(
                """
                UPDATE \(unescaped: tables.deliveries) d
                SET visible_at = clock_timestamp() + ((g.options::json ->> 'ackDeadlineMilliseconds') || ' milliseconds')::interval
                FROM \(unescaped: tables.groups) g
                WHERE g.topic = d.topic AND g.name = d."group" AND d.topic = \(topic) AND d."group" = \(group)
                    AND d.partition = \(Int32(token.partition.index)) AND d."offset" = \(token.offset.value)
                    AND d.delivery_id = \(Int64(bitPattern: token.rawValue)) AND d.in_flight
                RETURNING d."offset"
                """, logger: logger
            ).collect()
        }
        if updated.isEmpty { try await requireGroup(topic: topic, group: group) }
    }

    /// Moves exhausted rows to the group's dead-letter topic (created with the origin's partition count
    /// if missing), in the transaction of `connection`: the dead letter is stored and the row deleted
    /// together, or neither.
    func deadLetter(_ rows: [ExhaustedRow], topic: String, group: String, options: SubscriptionOptions, on connection: PostgresConnection) async throws {
        let events = try await events(topic: topic, at: rows.map { (Int32($0.partition), $0.offset) }, on: connection)
        let name = options.deadLetterTopic(for: topic, group: group)
        let origin = try await configuration(of: topic)
        var target: TopicConfiguration
        do {
            target = try await storedConfiguration(name, on: connection)
        } catch let error as BrokerError where error.isUnknownTopic {
            target = TopicConfiguration(name: name, partitions: origin.partitions, deduplicationWindow: .zero)
            try await createTopic(target, on: connection)
        }
        var letters: [Event] = []
        for row in rows {
            guard let stored = events[Int64(row.partition)]?[row.offset] else { continue }
            let letter = DeadLetter(
                event: stored.event, failure: row.failure, attempts: row.attempts, firstFailureAt: row.firstFailureAt ?? Date(),
                lastFailureAt: row.lastFailureAt ?? Date(), originTopic: topic, originPartition: stored.partition, originOffset: stored.offset, group: group)
            letters.append(letter.encodedEvent)
            logger.warning(
                "an event was moved to its group's dead letters",
                metadata: [
                    "herald.topic": "\(topic)", "herald.group": "\(group)", "herald.partition": "\(row.partition)", "herald.offset": "\(row.offset)",
                    "herald.attempts": "\(row.attempts)", "herald.failure": "\(row.failure.errorType): \(row.failure.message)",
                ])
        }
        if !letters.isEmpty { _ = try await store(letters, configuration: target, on: connection) }
        try await deleteDeliveries(topic: topic, group: group, rows.map { (Int32($0.partition), $0.offset) }, on: connection)
    }

    /// Fails unless the topic and the group exist.
    ///
    /// - Throws: ``BrokerError/unknownTopic(_:)`` or ``BrokerError/unknownGroup(topic:group:)``.
    func requireGroup(topic: String, group: String) async throws {
        let rows = try await database("reading group '\(group)'") {
            try await primary.query(
                """
                SELECT t.name, g.name FROM \(unescaped: tables.topics) t
                LEFT JOIN \(unescaped: tables.groups) g ON g.topic = t.name AND g.name = \(group) WHERE t.name = \(topic)
                """, logger: logger
            ).collect()
        }
        guard let row = rows.first else { throw BrokerError.unknownTopic(topic) }
        let (_, found) = try row.decode((String, String?).self)
        if found == nil { throw BrokerError.unknownGroup(topic: topic, group: group) }
    }
}
