import struct Foundation.Date

extension GroupLedger {
    // MARK: Retention

    /// Called after retention removed partition `index`'s events below `start`; returns how many the group
    /// had not acknowledged (events it missed). Their deliveries become stale.
    package mutating func retentionRemoved(partition index: Int, below start: Offset) -> Int64 {
        guard partitions.indices.contains(index) else { return 0 }
        var state = partitions[index]
        guard state.acknowledgedFloor < start else { return 0 }
        var missed: Int64 = 0
        var offset = state.acknowledgedFloor
        while offset < start {
            if let entry = state.entries.removeValue(forKey: offset) {
                if !entry.isAcknowledged {
                    missed += 1
                    if case .inFlight(_, let member, _) = entry.status { members[member]?.inFlight -= 1 }
                    state.unblock(options.ordering == .perKey ? entry.key : nil)
                }
            } else {
                missed += 1
            }
            offset = offset.next
        }
        state.acknowledgedFloor = start
        state.cursor = max(state.cursor, start)
        state.advanceCursor()
        state.advanceFloor()
        partitions[index] = state
        needsCheckpoint = true
        return missed
    }

    // MARK: Checkpoints

    /// The group's position, per partition, for persisting.
    package func checkpoint() -> [PartitionCheckpoint] {
        partitions.map { state in
            var acknowledged: [Offset] = []
            var attempts: [Offset: Int] = [:]
            for (offset, entry) in state.entries {
                if entry.isAcknowledged {
                    acknowledged.append(offset)
                } else {
                    attempts[offset] = entry.attempts
                }
            }
            return PartitionCheckpoint(floor: state.acknowledgedFloor, acknowledged: acknowledged.sorted(), attempts: attempts)
        }
    }

    /// The position to persist if it changed since the last one taken (always with `force`); `nil` when
    /// there is nothing new.
    package mutating func takeCheckpoint(force: Bool) -> [PartitionCheckpoint]? {
        guard force || needsCheckpoint else { return nil }
        needsCheckpoint = false
        return checkpoint()
    }

    /// Marks the position as not persisted (a checkpoint write failed, to be tried again).
    package mutating func checkpointFailed() {
        needsCheckpoint = true
    }

    /// Restores a persisted position: acknowledged offsets are never handed out again; events that were
    /// delivered but not acknowledged are due at `now`, their delivery counts kept.
    package mutating func restore<Records: PartitionRecords>(
        _ checkpoints: [PartitionCheckpoint],
        logs: [Records],
        now: Moment,
        date: WallTime
    ) {
        for (index, checkpoint) in checkpoints.enumerated() where partitions.indices.contains(index) {
            // A checkpoint is taken at its word only inside the partition: acknowledgements at or past its
            // end (a power loss took events the checkpoint had seen acknowledged, or the file is wrong) are
            // dropped, so events stored at those offsets later are delivered rather than skipped.
            let end = logs[index].endOffset
            let floor = min(max(checkpoint.floor, logs[index].startOffset), end)
            var state = GroupPartitionState(start: floor)
            for offset in checkpoint.acknowledged where offset >= floor && offset < end {
                state.entries[offset] = RecordState(status: .acknowledged, attempts: 1, firstDeliveredAt: date, key: nil)
            }
            for (offset, attempts) in checkpoint.attempts where offset >= floor && offset < end {
                let key = options.ordering == .perKey ? logs[index].record(at: offset)?.event.partitionKey : nil
                state.entries[offset] = RecordState(status: .acknowledged, attempts: max(0, attempts), firstDeliveredAt: date, key: key)
                state.scheduleRedelivery(offset, due: now)
                if options.ordering == .perKey, let key {
                    state.unsettledKeys[key, default: 0] += 1
                }
            }
            state.advanceFloor()
            state.advanceCursor()
            partitions[index] = state
        }
    }

    // MARK: Lag

    /// Lag per partition.
    package func lag<Records: PartitionRecords>(logs: [Records]) -> GroupLag {
        let figures = partitions.indices.map { index in
            let state = partitions[index]
            let counts = state.counts()
            let end = logs[index].endOffset
            let pending = max(0, end.value - state.acknowledgedFloor.value) - Int64(counts.acknowledgedAboveFloor)
            return PartitionLag(
                partition: Partition(index),
                committedOffset: state.acknowledgedFloor,
                endOffset: end,
                pending: pending,
                inFlight: counts.inFlight,
                awaitingRedelivery: counts.awaitingRedelivery
            )
        }
        return GroupLag(topic: topic, group: name, partitions: figures)
    }

    // MARK: One delivery

    /// Where the event at `offset` of `partition` stands, its moments turned into dates by `now` and
    /// `date` (the same instant on both clocks); `nil` for a partition the group does not have.
    package func deliveryState(partition: Partition, offset: Offset, now: Moment, date: WallTime) -> DeliveryState? {
        guard partitions.indices.contains(partition.index) else { return nil }
        let state = partitions[partition.index]
        func wall(_ moment: Moment) -> Date {
            date.date.addingTimeInterval((moment.sinceOrigin - now.sinceOrigin).timeInterval)
        }
        guard let entry = state.entries[offset] else {
            return DeliveryState(status: offset < state.acknowledgedFloor ? .acknowledged : .notDelivered, attempts: 0)
        }
        let status: DeliveryState.Status
        switch entry.status {
        case .inFlight(_, let member, let deadline): status = .inFlight(member: member, deadline: wall(deadline))
        case .awaitingRedelivery(let due): status = .awaitingRedelivery(due: wall(due))
        case .acknowledged: status = .acknowledged
        }
        return DeliveryState(status: status, attempts: entry.attempts, lastFailure: entry.lastFailure, lastFailureAt: entry.lastFailureAt?.date)
    }
}
