import struct Foundation.Date

/// One in-memory topic: its partitions, its de-duplication window, its consumer groups.
/// Not thread-safe: the broker's lock guards it.
package final class TopicState: GroupTopic {
    let configuration: TopicConfiguration
    private(set) var logs: [PartitionLog]
    package let groups: TopicGroups
    private var deduplication: DeduplicationWindow
    private var roundRobin = 0
    private var eventCount = 0
    private var byteCount = 0

    init(configuration: TopicConfiguration) {
        self.configuration = configuration
        self.logs = Array(repeating: PartitionLog(), count: configuration.partitions)
        self.groups = TopicGroups(topic: configuration.name)
        self.deduplication = DeduplicationWindow(
            window: configuration.deduplicationWindow,
            maximumEntries: configuration.maximumDeduplicationEntries
        )
    }

    package var partitionRecords: [PartitionLog] { logs }

    package func firstOffset(partition index: Int, storedAtOrAfter date: Date) -> Offset {
        logs[index].firstOffset(storedAtOrAfter: date)
    }

    // MARK: Publishing

    /// Validates the whole batch, then stores it; either all events are stored (or recognised as
    /// duplicates) or none is. Reports retention losses through `missed`.
    func append(
        _ events: [Event],
        now: ContinuousClock.Instant,
        date: Date,
        missed: inout [(group: String, partition: Partition, count: Int64)]
    ) throws(BrokerError) -> [PublishReceipt] {
        let topic = configuration.name
        // Each event's earlier copy, if any: one inside the window, or an earlier one in this batch (nil).
        var originals: [(partition: Partition, offset: Offset)?] = []
        var isDuplicate: [Bool] = []
        originals.reserveCapacity(events.count)
        isDuplicate.reserveCapacity(events.count)
        var seenInBatch: Set<DeduplicationKey> = []
        var newEvents = 0
        var newBytes = 0
        for event in events {
            let size = event.payloadSize
            if size > configuration.maximumEventBytes {
                throw .eventTooLarge(topic: topic, eventID: event.id, size: size, limit: configuration.maximumEventBytes)
            }
            var original: (partition: Partition, offset: Offset)?
            var duplicate = false
            if deduplication.isEnabled {
                let key = event.deduplicationKey
                original = deduplication.original(of: key, now: now)
                duplicate = original != nil || !seenInBatch.insert(key).inserted
            }
            originals.append(original)
            isDuplicate.append(duplicate)
            if !duplicate {
                newEvents += 1
                newBytes += size
            }
        }
        try makeRoom(events: newEvents, bytes: newBytes, missed: &missed)

        var receipts: [PublishReceipt] = []
        receipts.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            if isDuplicate[index] {
                // An earlier copy in the window, or one stored moments ago in this same batch.
                let original = originals[index] ?? deduplication.original(of: event.deduplicationKey, now: now)
                if let original {
                    receipts.append(PublishReceipt(topic: topic, partition: original.partition, offset: original.offset, isDuplicate: true))
                    continue
                }
            }
            let partition = partition(for: event)
            let offset = logs[partition.index].append(event, partition: partition, storedAt: date)
            eventCount += 1
            byteCount += event.payloadSize
            deduplication.remember(event.deduplicationKey, partition: partition, offset: offset, now: now)
            receipts.append(PublishReceipt(topic: topic, partition: partition, offset: offset, isDuplicate: false))
        }
        return receipts
    }

    private func partition(for event: Event) -> Partition {
        if let key = event.partitionKey {
            return PartitionKeyHasher.partition(forKey: key, partitionCount: logs.count)
        }
        roundRobin = (roundRobin + 1) % logs.count
        return Partition(roundRobin)
    }

    /// Frees space for a publish: first events every group has acknowledged, then, under
    /// `dropOldest`, the oldest events whatever their state.
    private func makeRoom(
        events: Int,
        bytes: Int,
        missed: inout [(group: String, partition: Partition, count: Int64)]
    ) throws(BrokerError) {
        func fits() -> Bool {
            eventCount + events <= configuration.maximumEvents && byteCount + bytes <= configuration.maximumBytes
        }
        if fits() { return }
        if events > configuration.maximumEvents || bytes > configuration.maximumBytes {
            throw .topicFull(configuration.name, limit: limitDescription)
        }
        // Acknowledged by every group (only when there is at least one group to have acknowledged them).
        if !groups.isEmpty {
            while !fits(),
                let index = oldestPartition(where: { index in
                    let floor = groups.acknowledgedByAll(partition: index) ?? logs[index].startOffset
                    return logs[index].startOffset < floor
                })
            {
                removeOldest(in: index, missed: &missed)
            }
        }
        if fits() { return }
        guard configuration.overflowPolicy == .dropOldest else {
            throw .topicFull(configuration.name, limit: limitDescription)
        }
        while !fits(), let index = oldestPartition(where: { !logs[$0].records.isEmpty }) {
            removeOldest(in: index, missed: &missed)
        }
    }

    private var limitDescription: String {
        "\(configuration.maximumEvents) events or \(configuration.maximumBytes) bytes; it holds \(eventCount) events, \(byteCount) bytes"
    }

    /// The partition, among those that qualify, whose oldest event was stored first.
    private func oldestPartition(where qualifies: (Int) -> Bool) -> Int? {
        logs.indices.filter(qualifies).min { lhs, rhs in
            (logs[lhs].records.first?.storedAt ?? .distantFuture) < (logs[rhs].records.first?.storedAt ?? .distantFuture)
        }
    }

    private func removeOldest(in index: Int, missed: inout [(group: String, partition: Partition, count: Int64)]) {
        guard let removed = logs[index].removeOldest() else { return }
        eventCount -= 1
        byteCount -= removed.event.payloadSize
        for loss in groups.retentionRemoved(partition: index, below: logs[index].startOffset) {
            missed.append((loss.group, Partition(index), loss.missed))
        }
    }

    // MARK: Reading and seeking

    func read(partition: Partition, from offset: Offset, limit: Int) throws(BrokerError) -> [StoredEvent] {
        guard logs.indices.contains(partition.index) else {
            throw .unknownPartition(topic: configuration.name, partition: partition, partitions: logs.count)
        }
        let log = logs[partition.index]
        var result: [StoredEvent] = []
        var current = max(offset, log.startOffset)
        while result.count < limit, let record = log.record(at: current) {
            result.append(record)
            current = current.next
        }
        return result
    }
}
