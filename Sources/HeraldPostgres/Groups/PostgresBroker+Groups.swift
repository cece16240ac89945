import Foundation
import Herald
import PostgresNIO
import Synchronization

/// What one take found.
enum PostgresTake: Sendable {
    /// Deliveries leased to the member.
    case taken([TakenRecord])
    /// The subscription ended: the broker closed, or the group or its topic was deleted.
    case ended
    /// Nothing to take now: look again after this many seconds at most (`nil`: after the poll interval),
    /// or when woken.
    case wait(seconds: Double?)
}

/// One leased delivery.
struct TakenRecord: Sendable {
    var stored: StoredEvent
    var attempt: Int
    var firstDeliveredAt: Date
    var token: DeliveryToken
}

/// A delivery row that ran out of attempts, to be moved to the dead letters.
struct ExhaustedRow: Sendable {
    var partition: Int
    var offset: Int64
    var attempts: Int
    var failure: DeliveryFailure
    var firstFailureAt: Date?
    var lastFailureAt: Date?
}

extension PostgresBroker {
    /// Whether the broker began a graceful shutdown or closed: subscriptions hand out nothing more.
    var isDrainingOrClosed: Bool { state.withLock { $0.isDraining || $0.isClosed } }

    /// Joins consumer group `group` on `topic`, creating it (positioned by the options' start) if needed.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, invalid options, or a database failure.
    public func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Subscription {
        try ConsumerGroupName.validate(group)
        try options.validate(topic: topic, group: group)
        try checkOpen()
        // The topic must exist (its configuration is cached for the takes).
        _ = try await configuration(of: topic)
        let document = GroupOptionsDocument(options)
        try await transaction("subscribing group '\(group)' to topic '\(topic)'") { connection in
            let created = try await connection.query(
                """
                INSERT INTO \(unescaped: self.tables.groups) (topic, name, options) VALUES (\(topic), \(group), \(document.text))
                ON CONFLICT (topic, name) DO NOTHING RETURNING name
                """, logger: self.logger
            ).collect()
            guard !created.isEmpty else { return }
            let start = options.startPosition == .latest ? "next_offset" : "start_offset"
            try await connection.perform(
                """
                INSERT INTO \(unescaped: self.tables.groupPartitions) (topic, "group", partition, cursor)
                SELECT topic, \(group), partition, \(unescaped: start) FROM \(unescaped: self.tables.partitions) WHERE topic = \(topic)
                """, logger: self.logger
            )
        }
        let signal = AsyncSignal()
        let member = state.withLock { state -> PostgresMember in
            state.lastMember += 1
            let member = PostgresMember(
                id: state.lastMember, topic: topic, group: group, prefetch: options.prefetch, signal: signal, name: "\(instance)/\(state.lastMember)")
            state.members[member.id] = member
            state.knownGroups.insert(GroupReference(topic: topic, group: group))
            return member
        }
        wakeups.register(member.id, topic: topic, signal: signal)
        return Subscription(topic: topic, group: group, source: PostgresSubscriptionSource(broker: self, member: member, options: options))
    }

    /// Leaves the group: what the member holds in flight is due again at once (its attempts count).
    func leave(_ member: PostgresMember) async {
        let removed = state.withLock { $0.members.removeValue(forKey: member.id) != nil }
        guard removed else { return }
        wakeups.unregister(member.id, topic: member.topic)
        await releaseHeld(by: member)
    }

    /// Makes what `member` holds in flight due at once.
    func releaseHeld(by member: PostgresMember) async {
        // Acknowledged but not yet written would otherwise be released and delivered again.
        await acks.flush()
        do {
            try await transaction("releasing the deliveries of a member of group '\(member.group)'") { connection in
                let released = try await connection.query(
                    """
                    UPDATE \(unescaped: self.tables.deliveries) SET in_flight = false, visible_at = clock_timestamp()
                    WHERE topic = \(member.topic) AND "group" = \(member.group) AND member = \(member.name) AND in_flight
                    RETURNING "offset"
                    """, logger: self.logger
                ).collect()
                if !released.isEmpty { try await self.wakeups.notify(member.topic, on: connection, logger: self.logger) }
            }
        } catch {
            logger.warning(
                "could not release a leaving member's deliveries; they are delivered again after their deadline",
                metadata: ["herald.topic": "\(member.topic)", "herald.group": "\(member.group)", "herald.error": "\(error)"])
        }
    }

    /// Leases up to `limit` deliveries to `member` (within its prefetch): due redeliveries first, then new
    /// events from the partitions in turn, in one transaction.
    func take(for member: PostgresMember, limit: Int) async throws -> PostgresTake {
        if state.withLock({ $0.isClosed || $0.isDraining }) { return .ended }
        let rotation = state.withLock { state -> Int in
            state.rotation &+= 1
            return state.rotation
        }
        do {
            return try await transaction("taking deliveries of group '\(member.group)' on topic '\(member.topic)'") { connection in
                try await self.take(for: member, limit: limit, rotation: rotation, on: connection)
            }
        } catch let error as BrokerError where error.isUnknownTopic || error.isUnknownGroup {
            return .ended
        }
    }

    private func take(for member: PostgresMember, limit: Int, rotation: Int, on connection: PostgresConnection) async throws -> PostgresTake {
        let topic = member.topic
        let group = member.group
        // The group's settings and how many deliveries the member holds, in one round trip.
        let groupRows = try await connection.query(
            """
            SELECT g.epoch, g.paused, g.options, (SELECT count(*) FROM \(unescaped: tables.deliveries) d
                WHERE d.topic = g.topic AND d."group" = g.name AND d.member = \(member.name) AND d.in_flight AND d.visible_at > clock_timestamp())
            FROM \(unescaped: tables.groups) g WHERE g.topic = \(topic) AND g.name = \(group)
            """, logger: logger
        ).collect()
        guard let groupRow = groupRows.first else { return .ended }
        let (epoch, paused, optionsText, held) = try groupRow.decode((Int64, Bool, String, Int64).self)
        if paused { return .wait(seconds: nil) }
        let options = try GroupOptionsDocument.options(text: optionsText, topic: topic, group: group)
        let deadline = Self.interval(options.ackDeadline)
        var room = min(limit, member.prefetch - Int(held))
        if room <= 0 {
            return .wait(seconds: try await secondsUntilVisible(topic: topic, group: group, member: member.name, on: connection))
        }
        var taken: [TakenRecord] = []
        var exhausted: [ExhaustedRow] = []

        // 1. Due rows: redeliveries, expired deadlines, and (under per-key order) events whose key is free.
        let blocking =
            options.ordering == .perKey
            ? """
            AND (d.key IS NULL OR NOT EXISTS (SELECT 1 FROM \(tables.deliveries) e WHERE e.topic = d.topic AND e."group" = d."group"
                AND e.partition = d.partition AND e.key = d.key AND e."offset" < d."offset"))
            """ : ""
        let due = try await connection.query(
            """
            SELECT d.partition, d."offset", d.attempts, d.in_flight, d.failure_type, d.failure_message, d.first_failure_at, d.last_failure_at
            FROM \(unescaped: tables.deliveries) d
            WHERE d.topic = \(topic) AND d."group" = \(group) AND d.visible_at <= clock_timestamp() \(unescaped: blocking)
            ORDER BY d.visible_at, d.partition, d."offset" LIMIT \(Int32(room)) FOR UPDATE SKIP LOCKED
            """, logger: logger
        ).collect()
        var redeliver: [(partition: Int32, offset: Int64)] = []
        let expiredFailure = DeliveryFailure(
            errorType: "AckDeadlineExceeded", message: "delivery was not settled within the ack deadline of \(options.ackDeadline)")
        for row in due {
            let (partition, offset, attempts, inFlight, type, message, first, last) = try row.decode(
                (Int32, Int64, Int32, Bool, String?, String?, Date?, Date?).self)
            if Int(attempts) >= options.maximumDeliveries {
                let failure =
                    inFlight
                    ? expiredFailure
                    : type.map { DeliveryFailure(errorType: $0, message: message ?? "") }
                        ?? DeliveryFailure(errorType: "MaximumDeliveriesExceeded", message: "delivered \(attempts) times")
                exhausted.append(
                    ExhaustedRow(
                        partition: Int(partition), offset: offset, attempts: Int(attempts), failure: failure, firstFailureAt: first ?? Date(),
                        lastFailureAt: inFlight ? Date() : last))
            } else {
                redeliver.append((partition, offset))
            }
        }
        if !redeliver.isEmpty {
            let leased = try await connection.query(
                """
                UPDATE \(unescaped: tables.deliveries) d SET in_flight = true, attempts = d.attempts + 1,
                    visible_at = clock_timestamp() + \(deadline)::interval, delivery_id = nextval(\(tables.deliveryIDs)), member = \(member.name),
                    first_delivered_at = COALESCE(d.first_delivered_at, clock_timestamp()),
                    failure_type = CASE WHEN d.in_flight THEN \(expiredFailure.errorType) ELSE d.failure_type END,
                    failure_message = CASE WHEN d.in_flight THEN \(expiredFailure.message) ELSE d.failure_message END,
                    first_failure_at = CASE WHEN d.in_flight THEN COALESCE(d.first_failure_at, clock_timestamp()) ELSE d.first_failure_at END,
                    last_failure_at = CASE WHEN d.in_flight THEN clock_timestamp() ELSE d.last_failure_at END
                FROM unnest(\(redeliver.map(\.partition))::integer[], \(redeliver.map(\.offset))::bigint[]) AS u(partition, "offset")
                WHERE d.topic = \(topic) AND d."group" = \(group) AND d.partition = u.partition AND d."offset" = u."offset"
                RETURNING d.partition, d."offset", d.delivery_id, d.attempts, d.first_delivered_at
                """, logger: logger
            ).collect()
            var leases: [Int64: [Int64: (id: Int64, attempts: Int32, first: Date)]] = [:]
            for row in leased {
                let (partition, offset, id, attempts, first) = try row.decode((Int32, Int64, Int64, Int32, Date).self)
                leases[Int64(partition), default: [:]][offset] = (id, attempts, first)
            }
            let events = try await events(topic: topic, at: redeliver, on: connection)
            var gone: [(partition: Int32, offset: Int64)] = []
            // In the order the rows were found: first due first.
            for (partition, offset) in redeliver {
                guard let lease = leases[Int64(partition)]?[offset] else { continue }
                guard let stored = events[Int64(partition)]?[offset] else {
                    gone.append((partition, offset))
                    continue
                }
                taken.append(
                    TakenRecord(
                        stored: stored, attempt: Int(lease.attempts), firstDeliveredAt: lease.first,
                        token: DeliveryToken(rawValue: UInt64(lease.id), partition: Partition(Int(partition)), offset: Offset(offset), epoch: UInt64(epoch))
                    ))
            }
            if !gone.isEmpty { try await deleteDeliveries(topic: topic, group: group, gone, on: connection) }
            room -= taken.count
        }

        // 2. New events, from each partition's cursor, the partitions in turn.
        if room > 0 {
            let configuration = try await configuration(of: topic)
            let count = configuration.partitions
            for step in 0..<count where room > 0 {
                let partition = Int32((rotation + step) % count)
                if options.ordering != .perKey {
                    let leased = try await leaseNext(
                        room, topic: topic, group: group, partition: partition, member: member, deadline: deadline, epoch: epoch, on: connection)
                    taken += leased
                    room -= leased.count
                    continue
                }
                let cursorRows = try await connection.query(
                    """
                    SELECT gp.cursor, p.start_offset, p.next_offset FROM \(unescaped: tables.groupPartitions) gp
                    JOIN \(unescaped: tables.partitions) p ON p.topic = gp.topic AND p.partition = gp.partition
                    WHERE gp.topic = \(topic) AND gp."group" = \(group) AND gp.partition = \(partition) FOR UPDATE OF gp SKIP LOCKED
                    """, logger: logger
                ).collect()
                guard let cursorRow = cursorRows.first else { continue }
                let (storedCursor, start, end) = try cursorRow.decode((Int64, Int64, Int64).self)
                let cursor = max(storedCursor, start)
                guard cursor < end else { continue }
                let scan = min(10_000, room * 8 + 64)
                let found = try await connection.query(
                    """
                    SELECT \(unescaped: EventColumns.selected) FROM \(unescaped: tables.events)
                    WHERE topic = \(topic) AND partition = \(partition) AND "offset" >= \(cursor) ORDER BY "offset" LIMIT \(Int32(scan))
                    """, logger: logger
                ).collect().map(EventColumns.decode)
                guard !found.isEmpty else { continue }
                var blocked: Set<String> = []
                let keys = Array(Set(found.compactMap(\.event.partitionKey)))
                for try await row in try await connection.query(
                    """
                    SELECT DISTINCT key FROM \(unescaped: tables.deliveries)
                    WHERE topic = \(topic) AND "group" = \(group) AND partition = \(partition) AND key = ANY(\(keys))
                    """, logger: logger
                ) {
                    blocked.insert(try row.decode(String.self))
                }
                var dispatch: [StoredEvent] = []
                var waiting: [StoredEvent] = []
                var scanned = cursor
                for stored in found {
                    guard dispatch.count < room else { break }
                    scanned = stored.offset.value + 1
                    if let key = stored.event.partitionKey {
                        if blocked.contains(key) {
                            waiting.append(stored)
                            continue
                        }
                        blocked.insert(key)
                    }
                    dispatch.append(stored)
                }
                if !dispatch.isEmpty {
                    let leased = try await connection.query(
                        """
                        INSERT INTO \(unescaped: tables.deliveries)
                            (topic, "group", partition, "offset", in_flight, visible_at, attempts, delivery_id, member, key, first_delivered_at)
                        SELECT \(topic), \(group), \(partition), u."offset", true, clock_timestamp() + \(deadline)::interval, 1,
                            nextval(\(tables.deliveryIDs)), \(member.name), NULLIF(u.key, ''), clock_timestamp()
                        FROM unnest(\(dispatch.map(\.offset.value))::bigint[], \(dispatch.map { $0.event.partitionKey ?? "" })::text[]) AS u("offset", key)
                        RETURNING "offset", delivery_id, first_delivered_at
                        """, logger: logger
                    ).collect()
                    var leases: [Int64: (id: Int64, first: Date)] = [:]
                    for row in leased {
                        let (offset, id, first) = try row.decode((Int64, Int64, Date).self)
                        leases[offset] = (id, first)
                    }
                    for stored in dispatch {
                        guard let lease = leases[stored.offset.value] else { continue }
                        taken.append(
                            TakenRecord(
                                stored: stored, attempt: 1, firstDeliveredAt: lease.first,
                                token: DeliveryToken(rawValue: UInt64(lease.id), partition: stored.partition, offset: stored.offset, epoch: UInt64(epoch))
                            ))
                    }
                    room -= dispatch.count
                }
                if !waiting.isEmpty {
                    try await connection.perform(
                        """
                        INSERT INTO \(unescaped: tables.deliveries) (topic, "group", partition, "offset", in_flight, visible_at, attempts, key)
                        SELECT \(topic), \(group), \(partition), u."offset", false, '-infinity', 0, NULLIF(u.key, '')
                        FROM unnest(\(waiting.map(\.offset.value))::bigint[], \(waiting.map { $0.event.partitionKey ?? "" })::text[]) AS u("offset", key)
                        """, logger: logger
                    )
                }
                try await connection.perform(
                    """
                    UPDATE \(unescaped: tables.groupPartitions) SET cursor = \(scanned)
                    WHERE topic = \(topic) AND "group" = \(group) AND partition = \(partition)
                    """, logger: logger
                )
            }
        }
        if !exhausted.isEmpty {
            try await deadLetter(exhausted, topic: topic, group: group, options: options, on: connection)
        }
        if !taken.isEmpty { return .taken(taken) }
        if !exhausted.isEmpty { return .wait(seconds: 0) }
        return .wait(seconds: try await secondsUntilVisible(topic: topic, group: group, member: nil, on: connection))
    }

    /// Leases up to `room` new events of one partition in order, in one statement: locks the group's cursor
    /// row (skipping it when another member holds it), reads the events from the cursor, writes their
    /// delivery rows and moves the cursor past them. For groups without per-key order.
    private func leaseNext(
        _ room: Int, topic: String, group: String, partition: Int32, member: PostgresMember, deadline: String, epoch: Int64,
        on connection: PostgresConnection
    ) async throws -> [TakenRecord] {
        let rows = try await connection.query(
            """
            WITH c AS (
                SELECT GREATEST(gp.cursor, p.start_offset) AS first, p.next_offset AS next FROM \(unescaped: tables.groupPartitions) gp
                JOIN \(unescaped: tables.partitions) p ON p.topic = gp.topic AND p.partition = gp.partition
                WHERE gp.topic = \(topic) AND gp."group" = \(group) AND gp.partition = \(partition) FOR UPDATE OF gp SKIP LOCKED),
            found AS (
                SELECT \(unescaped: EventColumns.columns(of: "e")), nextval(\(tables.deliveryIDs)) AS delivery_id,
                    clock_timestamp() AS first_delivered_at
                FROM c CROSS JOIN LATERAL (
                    -- LATERAL … LIMIT: an index scan from the cursor that stops after the batch (as a join,
                    -- it read the partition's whole remaining range and sorted it).
                    SELECT * FROM \(unescaped: tables.events)
                    WHERE topic = \(topic) AND partition = \(partition) AND "offset" >= c.first AND "offset" < c.next
                    ORDER BY "offset" LIMIT \(Int32(room))) e),
            leased AS (
                INSERT INTO \(unescaped: tables.deliveries)
                    (topic, "group", partition, "offset", in_flight, visible_at, attempts, delivery_id, member, first_delivered_at)
                SELECT \(topic), \(group), \(partition), "offset", true, first_delivered_at + \(deadline)::interval, 1, delivery_id, \(member.name),
                    first_delivered_at
                FROM found),
            moved AS (
                UPDATE \(unescaped: tables.groupPartitions) SET cursor = (SELECT max("offset") + 1 FROM found)
                WHERE topic = \(topic) AND "group" = \(group) AND partition = \(partition) AND EXISTS (SELECT 1 FROM found))
            -- The rows of found as they are: a join with the INSERT's RETURNING would be planned as a nested
            -- loop over two CTEs estimated at one row each, quadratic in the batch.
            SELECT * FROM found ORDER BY "offset"
            """, logger: logger
        ).collect()
        return try rows.map { row in
            let stored = try EventColumns.decode(row)
            let lease = row.makeRandomAccess()
            let id = try lease[EventColumns.selectedCount].decode(Int64.self)
            let first = try lease[EventColumns.selectedCount + 1].decode(Date.self)
            return TakenRecord(
                stored: stored, attempt: 1, firstDeliveredAt: first,
                token: DeliveryToken(rawValue: UInt64(id), partition: stored.partition, offset: stored.offset, epoch: UInt64(epoch)))
        }
    }

    /// Seconds until the group's next row becomes visible (a deadline or a redelivery); only `member`'s
    /// in-flight rows when given (the member is full and waits for one of its own to expire).
    private func secondsUntilVisible(topic: String, group: String, member: String?, on connection: PostgresConnection) async throws -> Double? {
        let filter = member == nil ? "" : "AND member = $3 AND in_flight"
        var bindings = PostgresBindings()
        bindings.append(topic)
        bindings.append(group)
        if let member { bindings.append(member) }
        let sql = """
            SELECT EXTRACT(EPOCH FROM (min(visible_at) - clock_timestamp()))::float8 FROM \(tables.deliveries)
            WHERE topic = $1 AND "group" = $2 AND visible_at > clock_timestamp() \(filter)
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect()
        return try rows.first?.decode(Double?.self).map { max(0, $0) }
    }

    /// The events at the given positions, by partition and offset.
    func events(
        topic: String, at positions: [(partition: Int32, offset: Int64)], on connection: PostgresConnection
    ) async throws -> [Int64: [Int64: StoredEvent]] {
        var result: [Int64: [Int64: StoredEvent]] = [:]
        guard !positions.isEmpty else { return result }
        for try await row in try await connection.query(
            """
            SELECT \(unescaped: EventColumns.columns(of: "e"))
            FROM unnest(\(positions.map(\.partition))::integer[], \(positions.map(\.offset))::bigint[]) AS u(partition, "offset")
            CROSS JOIN LATERAL (
                -- One primary-key probe per position, whatever the table's statistics say.
                SELECT * FROM \(unescaped: tables.events) WHERE topic = \(topic) AND partition = u.partition AND "offset" = u."offset" LIMIT 1) e
            """, logger: logger
        ) {
            let stored = try EventColumns.decode(row)
            result[Int64(stored.partition.index), default: [:]][stored.offset.value] = stored
        }
        return result
    }

    /// Deletes delivery rows.
    func deleteDeliveries(topic: String, group: String, _ positions: [(partition: Int32, offset: Int64)], on connection: PostgresConnection) async throws {
        try await connection.perform(
            """
            DELETE FROM \(unescaped: tables.deliveries) d
            USING unnest(\(positions.map(\.partition))::integer[], \(positions.map(\.offset))::bigint[]) AS u(partition, "offset")
            WHERE d.topic = \(topic) AND d."group" = \(group) AND d.partition = u.partition AND d."offset" = u."offset"
            """, logger: logger
        )
    }
}
