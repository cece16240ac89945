import Foundation
import Herald
import NIOCore
import PostgresNIO

extension PostgresBroker {
    /// Publishes events to a topic in one transaction: all are stored (or recognised as duplicates) or
    /// none is.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, an oversize event, a full topic, or a database
    ///   failure (then nothing was stored).
    public func publish(_ events: [Event], to topic: String) async throws -> [PublishReceipt] {
        guard !events.isEmpty else { return [] }
        try checkOpen()
        let configuration = try await configuration(of: topic)
        do {
            return try await transaction("publishing \(events.count) events to topic '\(topic)'") { connection in
                try await self.store(events, configuration: configuration, on: connection)
            }
        } catch let error as BrokerError where error.isUnknownTopic {
            forget(topic)
            throw error
        }
    }

    /// Publishes events to a topic inside the caller's transaction, open on `connection` (a connection of
    /// a client of the same database): they are stored, and consumers see them, only if that transaction
    /// commits. The counter rows of the events' partitions stay locked until it ends, so other publishes
    /// to those partitions wait for it: keep the transaction short, or write to a ``PostgresOutbox``
    /// instead, which takes no lock.
    ///
    /// - Throws: as ``publish(_:to:)``; the caller's transaction is then aborted.
    public func publish(_ events: [Event], to topic: String, on connection: PostgresConnection) async throws -> [PublishReceipt] {
        guard !events.isEmpty else { return [] }
        try checkOpen()
        let configuration = try await configuration(of: topic)
        return try await database("publishing \(events.count) events to topic '\(topic)' in the caller's transaction") {
            try await store(events, configuration: configuration, on: connection)
        }
    }

    /// The partition of an event: by its partition key; a keyless event by its `source` and `id`, so that
    /// a re-sent event lands where the first copy did and is recognised as a duplicate.
    static func partition(of event: Event, partitions: Int) -> Int {
        let key = event.partitionKey ?? "\(event.source)\u{0}\(event.id)"
        return PartitionKeyHasher.partition(forKey: key, partitionCount: partitions).index
    }

    /// Stores events in the transaction of `connection`: locks the counter rows of their partitions,
    /// recognises duplicates, makes room as the topic's overflow policy says, inserts the rest at the
    /// next offsets and raises the counters; members are notified when the transaction commits.
    ///
    /// - Throws: ``BrokerError`` for an oversize event, a full topic, or an unknown (deleted) topic.
    func store(_ events: [Event], configuration: TopicConfiguration, on connection: PostgresConnection) async throws -> [PublishReceipt] {
        let topic = configuration.name
        for event in events where event.payloadSize > configuration.maximumEventBytes {
            throw BrokerError.eventTooLarge(topic: topic, eventID: event.id, size: event.payloadSize, limit: configuration.maximumEventBytes)
        }
        let partitions = events.map { Self.partition(of: $0, partitions: configuration.partitions) }
        let involved = Array(Set(partitions)).sorted().map { Int32($0) }
        var counters: [Int: (next: Int64, start: Int64, bytes: Int64)] = [:]
        for try await row in try await connection.query(
            """
            SELECT partition, next_offset, start_offset, bytes FROM \(unescaped: tables.partitions)
            WHERE topic = \(topic) AND partition = ANY(\(involved)) ORDER BY partition FOR UPDATE
            """, logger: logger
        ) {
            let (partition, next, start, bytes) = try row.decode((Int32, Int64, Int64, Int64).self)
            counters[Int(partition)] = (next, start, bytes)
        }
        guard counters.count == involved.count else { throw BrokerError.unknownTopic(topic) }

        // Duplicates: of events stored within the window, and of earlier events of this batch.
        var earlier: [DeduplicationKey: (partition: Int, offset: Int64)] = [:]
        if configuration.deduplicationWindow > .zero {
            let sources = events.map(\.source)
            let ids = events.map(\.id)
            let window = Self.interval(configuration.deduplicationWindow)
            // One index probe per event (LATERAL … LIMIT 1): a join would be planned from the table's
            // statistics, which lag behind a table that grows fast, and once scanned the whole topic.
            for try await row in try await connection.query(
                """
                SELECT w.source, w.id, e.partition, e."offset" FROM unnest(\(sources)::text[], \(ids)::text[]) AS w(source, id)
                CROSS JOIN LATERAL (
                    SELECT partition, "offset" FROM \(unescaped: tables.events)
                    WHERE topic = \(topic) AND source = w.source AND id = w.id AND stored_at > clock_timestamp() - \(window)::interval
                    ORDER BY stored_at DESC LIMIT 1) e
                """, logger: logger
            ) {
                let (source, id, partition, offset) = try row.decode((String, String, Int32, Int64).self)
                if let event = events.first(where: { $0.source == source && $0.id == id }) {
                    earlier[event.deduplicationKey] = (Int(partition), offset)
                }
            }
        }
        var receipts: [PublishReceipt] = []
        var fresh: [(event: Event, partition: Int, offset: Int64)] = []
        var incoming: [Int: (events: Int64, bytes: Int64)] = [:]
        for (event, partition) in zip(events, partitions) {
            if configuration.deduplicationWindow > .zero, let original = earlier[event.deduplicationKey] {
                receipts.append(PublishReceipt(topic: topic, partition: Partition(original.partition), offset: Offset(original.offset), isDuplicate: true))
                continue
            }
            let offset = (counters[partition]?.next ?? 0) + (incoming[partition]?.events ?? 0)
            incoming[partition, default: (0, 0)].events += 1
            incoming[partition, default: (0, 0)].bytes += Int64(event.payloadSize)
            fresh.append((event, partition, offset))
            earlier[event.deduplicationKey] = (partition, offset)
            receipts.append(PublishReceipt(topic: topic, partition: Partition(partition), offset: Offset(offset), isDuplicate: false))
        }
        guard !fresh.isEmpty else { return receipts }
        for (partition, added) in incoming.sorted(by: { $0.key < $1.key }) {
            guard let counter = counters[partition] else { continue }
            try await makeRoom(
                topic: configuration, partition: partition, counter: counter, adding: added, on: connection)
        }
        let changed = incoming.sorted { $0.key < $1.key }
        try await insert(fresh, topic: topic, raising: changed.map { ($0.key, $0.value.events, $0.value.bytes) }, on: connection)
        return receipts
    }

    /// Inserts events at their offsets, each column bound as one array (``EventColumns/bindArrays(_:into:)``),
    /// in statements of bounded size; the last statement also raises the partitions' counters and sends
    /// the notification (with the transaction's commit), so that a publish of one event costs three
    /// statements after the counter lock, not five.
    private func insert(
        _ rows: [(event: Event, partition: Int, offset: Int64)], topic: String, raising counters: [(partition: Int, events: Int64, bytes: Int64)],
        on connection: PostgresConnection
    ) async throws {
        let chunks = EventColumns.statementChunks(rows.map(\.event))
        for (index, chunk) in chunks.enumerated() {
            let slice = rows[chunk]
            var bindings = PostgresBindings(capacity: 17)
            bindings.append(slice.map { Int32($0.partition) })
            bindings.append(slice.map(\.offset))
            EventColumns.bindArrays(slice.map(\.event), into: &bindings)
            bindings.append(topic)
            let unnest = EventColumns.unnest(leading: [("partition", "integer"), ("\"offset\"", "bigint")])
            var sql = """
                INSERT INTO \(tables.events) (topic, partition, "offset", \(EventColumns.names), stored_at)
                SELECT $13, partition, "offset", \(EventColumns.names), clock_timestamp() FROM \(unnest)
                """
            if index == chunks.count - 1 {
                bindings.append(counters.map { Int32($0.partition) })
                bindings.append(counters.map(\.events))
                bindings.append(counters.map(\.bytes))
                bindings.append(wakeups.channel)
                sql = """
                    WITH inserted AS (\(sql)),
                    counted AS (
                        UPDATE \(tables.partitions) p SET next_offset = p.next_offset + u.events, bytes = p.bytes + u.bytes
                        FROM unnest($14::integer[], $15::bigint[], $16::bigint[]) AS u(partition, events, bytes)
                        WHERE p.topic = $13 AND p.partition = u.partition)
                    SELECT pg_notify($17, $13)
                    """
            }
            try await connection.perform(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        }
    }

    /// Makes room in one partition for `adding` events and bytes as the topic's overflow policy says:
    /// first by dropping events every group has acknowledged, then under `dropOldest` the oldest events
    /// whatever their state; under `rejectPublish` a partition still too full refuses the publish.
    ///
    /// - Throws: ``BrokerError/topicFull(_:limit:)``.
    private func makeRoom(
        topic configuration: TopicConfiguration, partition: Int, counter: (next: Int64, start: Int64, bytes: Int64), adding: (events: Int64, bytes: Int64),
        on connection: PostgresConnection
    ) async throws {
        let topic = configuration.name
        // The limits bind per partition, each keeping its share of the topic's (as Kafka's retention does):
        // a publish locks only its own partitions' counter rows, never the whole topic's.
        let maximumEvents = max(1, Int64(configuration.maximumEvents) / Int64(configuration.partitions))
        let maximumBytes = max(Int64(configuration.maximumEventBytes), Int64(configuration.maximumBytes) / Int64(configuration.partitions))
        func fits(_ start: Int64, _ bytes: Int64) -> Bool {
            counter.next - start + adding.events <= maximumEvents && bytes + adding.bytes <= maximumBytes
        }
        guard !fits(counter.start, counter.bytes) else { return }
        // Events every group acknowledged can go: below the smallest committed offset over the groups.
        let floorRows = try await connection.query(
            """
            SELECT min(LEAST(gp.cursor, COALESCE((SELECT min(d."offset") FROM \(unescaped: tables.deliveries) d
                WHERE d.topic = gp.topic AND d."group" = gp."group" AND d.partition = gp.partition), gp.cursor)))
            FROM \(unescaped: tables.groupPartitions) gp WHERE gp.topic = \(topic) AND gp.partition = \(Int32(partition))
            """, logger: logger
        ).collect()
        // No group: nothing was acknowledged by every group, so nothing goes this way.
        let acknowledgedFloor = (try floorRows.first?.decode(Int64?.self)) ?? counter.start
        var target = counter.start
        var bytes = counter.bytes
        func drop(below end: Int64) async throws {
            guard end > target else { return }
            let removed = try await connection.query(
                """
                WITH gone AS (
                    DELETE FROM \(unescaped: tables.events) WHERE topic = \(topic) AND partition = \(Int32(partition)) AND "offset" < \(end)
                    RETURNING size)
                SELECT COALESCE(sum(size), 0)::bigint FROM gone
                """, logger: logger
            ).collect()
            bytes -= (try removed.first?.decode(Int64.self)) ?? 0
            target = end
        }
        // Drop acknowledged events until the publish fits (in one step: to the first offset that makes it fit, or the floor).
        if acknowledgedFloor > target {
            let needed = max(target, counter.next + adding.events - maximumEvents)
            try await drop(below: min(acknowledgedFloor, max(needed, target + 1)))
            if !fits(target, bytes), target < acknowledgedFloor {
                try await drop(below: acknowledgedFloor)
            }
        }
        if !fits(target, bytes) {
            guard configuration.overflowPolicy == .dropOldest else {
                throw BrokerError.topicFull(
                    topic,
                    limit:
                        "partition \(partition) holds \(counter.next - target) events and \(bytes) bytes of its share of \(maximumEvents) events and \(maximumBytes) bytes"
                )
            }
            // The oldest events whatever their state, one step by count, then by bytes.
            let byCount = counter.next + adding.events - maximumEvents
            if byCount > target { try await drop(below: min(byCount, counter.next)) }
            while !fits(target, bytes), target < counter.next {
                let step = max(1, (counter.next - target) / 4)
                try await drop(below: min(counter.next, target + step))
            }
            guard fits(target, bytes) else {
                throw BrokerError.topicFull(topic, limit: "the publish alone exceeds partition \(partition)'s share of \(maximumBytes) bytes")
            }
        }
        guard target > counter.start else { return }
        try await connection.perform(
            """
            UPDATE \(unescaped: tables.partitions) SET start_offset = \(target), bytes = \(bytes)
            WHERE topic = \(topic) AND partition = \(Int32(partition))
            """, logger: logger
        )
        // Groups forget what was dropped: their deliveries of it, and cursors below the new start.
        try await connection.perform(
            """
            DELETE FROM \(unescaped: tables.deliveries) WHERE topic = \(topic) AND partition = \(Int32(partition)) AND "offset" < \(target)
            """, logger: logger
        )
        try await connection.perform(
            """
            UPDATE \(unescaped: tables.groupPartitions) SET cursor = \(target)
            WHERE topic = \(topic) AND partition = \(Int32(partition)) AND cursor < \(target)
            """, logger: logger
        )
    }

    /// A duration as PostgreSQL interval text (`'1.5 seconds'`).
    static func interval(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return "\(microseconds) microseconds"
    }
}
