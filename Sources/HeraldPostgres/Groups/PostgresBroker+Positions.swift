import Foundation
import Herald
import PostgresNIO
import Synchronization

extension PostgresBroker {
    /// How far a group is behind, per partition, read from the replica when there is one (so the figures
    /// may lag the primary by its replication delay); from the primary when the replica does not know the
    /// group yet (it was just created).
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or a database failure.
    public func lag(group: String, on topic: String) async throws -> GroupLag {
        try checkOpen()
        if let replica {
            let lag = try await lag(group: group, on: topic, client: replica)
            if !lag.partitions.isEmpty { return lag }
        }
        return try await lag(group: group, on: topic, client: primary)
    }

    /// The group's lag as `client` sees it.
    func lag(group: String, on topic: String, client: PostgresClient) async throws -> GroupLag {
        await acks.flush()
        let rows = try await database("reading the lag of group '\(group)'") {
            try await client.query(
                """
                SELECT gp.partition, gp.cursor, p.start_offset, p.next_offset,
                    (SELECT min(d."offset") FROM \(unescaped: tables.deliveries) d
                        WHERE d.topic = gp.topic AND d."group" = gp."group" AND d.partition = gp.partition),
                    (SELECT count(*) FROM \(unescaped: tables.deliveries) d
                        WHERE d.topic = gp.topic AND d."group" = gp."group" AND d.partition = gp.partition),
                    (SELECT count(*) FROM \(unescaped: tables.deliveries) d
                        WHERE d.topic = gp.topic AND d."group" = gp."group" AND d.partition = gp.partition
                            AND d.in_flight AND d.visible_at > clock_timestamp()),
                    (SELECT count(*) FROM \(unescaped: tables.deliveries) d
                        WHERE d.topic = gp.topic AND d."group" = gp."group" AND d.partition = gp.partition
                            AND d.attempts > 0 AND NOT (d.in_flight AND d.visible_at > clock_timestamp()))
                FROM \(unescaped: tables.groupPartitions) gp
                JOIN \(unescaped: tables.partitions) p ON p.topic = gp.topic AND p.partition = gp.partition
                WHERE gp.topic = \(topic) AND gp."group" = \(group) ORDER BY gp.partition
                """, logger: logger
            ).collect()
        }
        if rows.isEmpty {
            try await requireGroup(topic: topic, group: group)
            return GroupLag(topic: topic, group: group, partitions: [])
        }
        let partitions = try rows.map { row in
            let (partition, storedCursor, start, end, lowest, rowCount, inFlight, awaiting) = try row.decode(
                (Int32, Int64, Int64, Int64, Int64?, Int64, Int64, Int64).self)
            let cursor = max(storedCursor, start)
            let committed = max(start, min(cursor, lowest ?? cursor))
            return PartitionLag(
                partition: Partition(Int(partition)), committedOffset: Offset(committed), endOffset: Offset(end),
                pending: max(0, end - cursor) + rowCount, inFlight: Int(inFlight), awaitingRedelivery: Int(awaiting))
        }
        return GroupLag(topic: topic, group: group, partitions: partitions)
    }

    /// The topic's consumer groups, sorted by name, with their lag and the members this broker instance has.
    ///
    /// - Throws: ``BrokerError/unknownTopic(_:)``, or on a database failure.
    public func describeGroups(of topic: String) async throws -> [GroupDescription] {
        try checkOpen()
        _ = try await configuration(of: topic)
        let rows = try await database("listing the groups of topic '\(topic)'") {
            try await primary.query(
                "SELECT name, options, paused FROM \(unescaped: tables.groups) WHERE topic = \(topic) ORDER BY name", logger: logger
            ).collect()
        }
        var descriptions: [GroupDescription] = []
        for row in rows {
            let (group, text, paused) = try row.decode((String, String, Bool).self)
            let options = try GroupOptionsDocument.options(text: text, topic: topic, group: group)
            let lag = try await lag(group: group, on: topic, client: primary)
            let held = try await database("reading the members of group '\(group)'") {
                try await primary.query(
                    """
                    SELECT member, count(*) FROM \(unescaped: tables.deliveries)
                    WHERE topic = \(topic) AND "group" = \(group) AND in_flight AND visible_at > clock_timestamp() AND member IS NOT NULL
                    GROUP BY member
                    """, logger: logger
                ).collect()
            }
            var inFlight: [String: Int] = [:]
            for row in held {
                let (member, count) = try row.decode((String, Int64).self)
                inFlight[member] = Int(count)
            }
            let members = state.withLock { state in
                state.members.values.filter { $0.topic == topic && $0.group == group }.sorted { $0.id < $1.id }.map { member in
                    GroupMemberDescription(id: member.id, prefetch: member.prefetch, inFlight: inFlight[member.name] ?? 0, isDraining: state.isDraining)
                }
            }
            descriptions.append(GroupDescription(topic: topic, group: group, options: options, members: members, lag: lag, isPaused: paused))
        }
        return descriptions
    }

    /// Moves a group's position; its deliveries in flight become stale (their tokens settle nothing).
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or a database failure.
    public func seek(group: String, on topic: String, to target: SeekTarget) async throws {
        try checkOpen()
        await acks.flush()
        let found = try await transaction("seeking group '\(group)' on topic '\(topic)'") { connection -> Bool in
            let locked = try await connection.query(
                "SELECT epoch FROM \(unescaped: self.tables.groups) WHERE topic = \(topic) AND name = \(group) FOR UPDATE", logger: self.logger
            ).collect()
            guard !locked.isEmpty else { return false }
            let partitions = try await connection.query(
                """
                SELECT p.partition, p.start_offset, p.next_offset, gp.cursor,
                    (SELECT min(d."offset") FROM \(unescaped: self.tables.deliveries) d
                        WHERE d.topic = gp.topic AND d."group" = gp."group" AND d.partition = gp.partition)
                FROM \(unescaped: self.tables.partitions) p
                JOIN \(unescaped: self.tables.groupPartitions) gp ON gp.topic = p.topic AND gp.partition = p.partition AND gp."group" = \(group)
                WHERE p.topic = \(topic) ORDER BY p.partition
                """, logger: self.logger
            ).collect()
            var targets: [(partition: Int32, offset: Int64)] = []
            for row in partitions {
                let (partition, start, end, cursor, lowest) = try row.decode((Int32, Int64, Int64, Int64, Int64?).self)
                let wanted: Int64
                switch target {
                case .earliest: wanted = start
                case .latest: wanted = end
                case .offset(let offset): wanted = offset.value
                case .offsets(let offsets): wanted = offsets[Partition(Int(partition))]?.value ?? max(start, min(cursor, lowest ?? cursor))
                case .time(let date):
                    wanted = try await self.firstOffset(storedFrom: date, topic: topic, partition: partition, in: start..<end, on: connection)
                }
                targets.append((partition, min(max(wanted, start), end)))
            }
            try await connection.perform(
                "DELETE FROM \(unescaped: self.tables.deliveries) WHERE topic = \(topic) AND \"group\" = \(group)", logger: self.logger
            )
            try await connection.perform(
                """
                UPDATE \(unescaped: self.tables.groupPartitions) gp SET cursor = u.cursor
                FROM unnest(\(targets.map(\.partition))::integer[], \(targets.map(\.offset))::bigint[]) AS u(partition, cursor)
                WHERE gp.topic = \(topic) AND gp."group" = \(group) AND gp.partition = u.partition
                """, logger: self.logger
            )
            try await connection.perform(
                "UPDATE \(unescaped: self.tables.groups) SET epoch = epoch + 1 WHERE topic = \(topic) AND name = \(group)", logger: self.logger
            )
            try await self.wakeups.notify(topic, on: connection, logger: self.logger)
            return true
        }
        if !found { try await requireGroup(topic: topic, group: group) }
    }

    /// The first offset in `range` of a partition whose event was stored at `date` or later (the range's
    /// end if none), by binary search over the primary key: a partition's events are stored in offset
    /// order under its counter row's lock, so `stored_at` does not decrease along the offsets (unless the
    /// server's clock is set back, when the search lands near the time asked for rather than on it). A
    /// seek costs about 20 probes of a million events, and no index on time slows each publish.
    func firstOffset(
        storedFrom date: Date, topic: String, partition: Int32, in range: Range<Int64>, on connection: PostgresConnection
    ) async throws
        -> Int64
    {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let middle = low + (high - low) / 2
            let rows = try await connection.query(
                """
                SELECT "offset", stored_at FROM \(unescaped: tables.events)
                WHERE topic = \(topic) AND partition = \(partition) AND "offset" >= \(middle) AND "offset" < \(high) ORDER BY "offset" LIMIT 1
                """, logger: logger
            ).collect()
            guard let row = rows.first else {
                high = middle
                continue
            }
            let (offset, storedAt) = try row.decode((Int64, Date).self)
            if storedAt >= date { high = middle } else { low = offset + 1 }
        }
        return low
    }

    /// Pauses a group: no process hands out its deliveries until ``resume(group:on:)``; the pause is a
    /// column of the group's row, so it holds for every process and across restarts.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or a database failure.
    public func pause(group: String, on topic: String) async throws {
        try await setPaused(true, group: group, topic: topic)
    }

    /// Resumes a paused group; every process's members look again at once.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or a database failure.
    public func resume(group: String, on topic: String) async throws {
        try await setPaused(false, group: group, topic: topic)
    }

    private func setPaused(_ paused: Bool, group: String, topic: String) async throws {
        try checkOpen()
        let found = try await transaction("pausing or resuming group '\(group)'") { connection -> Bool in
            let rows = try await connection.query(
                "UPDATE \(unescaped: self.tables.groups) SET paused = \(paused) WHERE topic = \(topic) AND name = \(group) RETURNING name",
                logger: self.logger
            ).collect()
            if !rows.isEmpty, !paused { try await self.wakeups.notify(topic, on: connection, logger: self.logger) }
            return !rows.isEmpty
        }
        if !found { try await requireGroup(topic: topic, group: group) }
    }

    /// Waits until the named groups (with `nil`, those this broker instance subscribed) have acknowledged
    /// every event of their topics, asking the primary every 20 ms.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when `timeout` passes.
    public func waitUntilIdle(groups: [GroupReference]? = nil, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            try checkOpen()
            let references = groups ?? state.withLock { Array($0.knownGroups) }
            var pending: [String] = []
            for reference in references {
                do {
                    let lag = try await lag(group: reference.group, on: reference.topic, client: primary)
                    if lag.partitions.isEmpty || lag.partitions.contains(where: { $0.pending > 0 }) { pending.append(reference.description) }
                } catch let error as BrokerError where error.isUnknownGroup || error.isUnknownTopic {
                    pending.append("\(reference) (not subscribed yet)")
                }
            }
            if pending.isEmpty { return }
            if ContinuousClock.now >= deadline {
                throw BrokerError.unavailable("still not idle after \(timeout); groups with unacknowledged events: \(pending.sorted())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Reads up to `limit` stored events of one partition from `offset` on, without a group. With a
    /// replica, the events are read there first and only what the replica does not have yet from the
    /// primary, so the answer is as complete as a read of the primary.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or partition, or a database failure.
    public func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent] {
        try checkOpen()
        let configuration = try await configuration(of: topic)
        guard (0..<configuration.partitions).contains(partition.index) else {
            throw BrokerError.unknownPartition(topic: topic, partition: partition, partitions: configuration.partitions)
        }
        guard limit > 0 else { return [] }
        var result: [StoredEvent] = []
        if let replica {
            result = try await read(topic: topic, partition: partition, from: offset, limit: limit, client: replica)
        }
        if result.count < limit {
            let next = result.last.map { $0.offset.next } ?? offset
            result += try await read(topic: topic, partition: partition, from: next, limit: limit - result.count, client: primary)
        }
        return result
    }

    private func read(topic: String, partition: Partition, from offset: Offset, limit: Int, client: PostgresClient) async throws -> [StoredEvent] {
        try await database("reading partition \(partition.index) of topic '\(topic)'") {
            try await client.query(
                """
                SELECT \(unescaped: EventColumns.columns(of: "e")) FROM \(unescaped: tables.events) e
                JOIN \(unescaped: tables.partitions) p ON p.topic = e.topic AND p.partition = e.partition
                WHERE e.topic = \(topic) AND e.partition = \(Int32(partition.index)) AND e."offset" >= \(offset.value)
                    AND e."offset" >= p.start_offset
                ORDER BY e."offset" LIMIT \(Int32(clamping: limit))
                """, logger: logger
            ).collect().map(EventColumns.decode)
        }
    }
}
