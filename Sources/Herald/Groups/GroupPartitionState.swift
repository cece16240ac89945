import HeapModule

/// One consumer group's position in one partition.
///
/// Invariants: every offset in `acknowledgedFloor..<cursor` has an entry; entries below the floor are
/// removed; in per-key mode entries may also exist above the cursor (events dispatched past a blocked key).
package struct GroupPartitionState {
    /// Every offset below this is acknowledged: the committed position.
    package var acknowledgedFloor: Offset
    /// The lowest offset never dispatched.
    var cursor: Offset
    var entries = OffsetTable<RecordState>()
    var redeliveries: Heap<RedeliveryItem> = []
    /// Per-key ordering: unacknowledged dispatched events per partition key.
    var unsettledKeys: [String: Int] = [:]
    /// No in-flight deadline is earlier than this (a lower bound; `nil` when nothing is in flight).
    var earliestDeadline: Moment?

    init(start: Offset) {
        self.acknowledgedFloor = start
        self.cursor = start
    }

    /// Moves the floor over acknowledged entries, forgetting them.
    mutating func advanceFloor() {
        while let entry = entries[acknowledgedFloor], entry.isAcknowledged {
            entries[acknowledgedFloor] = nil
            acknowledgedFloor = acknowledgedFloor.next
        }
    }

    /// Moves the cursor over dispatched entries.
    mutating func advanceCursor() {
        while entries[cursor] != nil {
            cursor = cursor.next
        }
    }

    /// Hands `records` (consecutive, from the cursor) to `member` as their first deliveries, stopping at
    /// the first that already has an entry; appends them to `taken` and returns how many. One access to
    /// this state for the whole run.
    mutating func dispatchNew(
        _ records: [StoredEvent],
        to member: UInt64,
        firstDeliveryID: UInt64,
        deadline: Moment,
        date: WallTime,
        epoch: UInt64,
        partition index: Int,
        into taken: inout [DispatchedRecord]
    ) -> Int {
        var deliveryID = firstDeliveryID
        var dispatched = 0
        for record in records {
            guard entries[record.offset] == nil else { break }
            entries[record.offset] = RecordState(
                status: .inFlight(deliveryID: deliveryID, subscriber: member, deadline: deadline), attempts: 1, firstDeliveredAt: date, key: nil
            )
            let token = DeliveryToken(rawValue: deliveryID, partition: Partition(index), offset: record.offset, epoch: epoch)
            taken.append(DispatchedRecord(record: record, attempt: 1, firstDeliveredAt: date, token: token))
            deliveryID &+= 1
            dispatched += 1
        }
        if dispatched > 0 {
            earliestDeadline = min(earliestDeadline ?? deadline, deadline)
            advanceCursor()
        }
        return dispatched
    }

    /// Marks the entry at `offset` acknowledged without moving the floor (the caller does, once per
    /// batch). Returns `nil` when there was nothing to acknowledge, else the member that held it in flight
    /// (`.some(nil)` when none did).
    mutating func acknowledge(_ offset: Offset) -> UInt64?? {
        guard let status = entries[offset]?.status, status != .acknowledged else { return nil }
        entries[offset]?.status = .acknowledged
        if case .inFlight(_, let member, _) = status { return .some(member) }
        return .some(nil)
    }

    /// Takes the earliest redelivery that is due and still valid.
    mutating func popDueRedelivery(now: Moment) -> Offset? {
        while let top = redeliveries.min, top.due <= now {
            redeliveries.removeMin()
            if entries[top.offset]?.status == .awaitingRedelivery(due: top.due) {
                return top.offset
            }
        }
        return nil
    }

    /// When the next redelivery or deadline falls due.
    package var nextWakeUp: Moment? {
        switch (redeliveries.min?.due, earliestDeadline) {
        case (let due?, let deadline?): return min(due, deadline)
        case (let due?, nil): return due
        case (nil, let deadline): return deadline
        }
    }

    mutating func scheduleRedelivery(_ offset: Offset, due: Moment) {
        entries[offset]?.status = .awaitingRedelivery(due: due)
        redeliveries.insert(RedeliveryItem(due: due, offset: offset))
    }

    mutating func unblock(_ key: String?) {
        guard let key, let count = unsettledKeys[key] else { return }
        unsettledKeys[key] = count > 1 ? count - 1 : nil
    }

    func isBlocked(_ key: String?) -> Bool {
        guard let key else { return false }
        return unsettledKeys[key] != nil
    }

    /// Counts for lag reporting.
    func counts() -> (acknowledgedAboveFloor: Int, inFlight: Int, awaitingRedelivery: Int) {
        var acknowledged = 0
        var inFlight = 0
        var awaiting = 0
        for entry in entries.values {
            switch entry.status {
            case .acknowledged: acknowledged += 1
            case .inFlight: inFlight += 1
            case .awaitingRedelivery: awaiting += 1
            }
        }
        return (acknowledged, inFlight, awaiting)
    }
}
