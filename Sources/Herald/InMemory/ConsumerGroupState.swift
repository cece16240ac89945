import struct Foundation.Date

/// A request to move an event to the group's dead-letter topic. The topic performs it and reports back
/// through ``ConsumerGroupState/finishDeadLetter(_:stored:now:)``.
package struct DeadLetterRequest {
    /// The partition of the event to dead-letter.
    package var partition: Partition
    /// Its offset.
    package var offset: Offset
    /// The record to store.
    package var deadLetter: DeadLetter
}

/// One event handed to a member: what its ``Delivery`` is made of.
package struct DispatchedRecord: Sendable {
    /// The event and where it is stored.
    package var record: StoredEvent
    /// Which delivery of the event this is: 1 for the first.
    package var attempt: Int
    /// When the event was first delivered to the group.
    package var firstDeliveredAt: Date
    /// Identifies the delivery for settling.
    package var token: DeliveryToken
}

/// What ``ConsumerGroupState/take(subscriber:limit:logs:now:date:nextDeliveryID:deadLetters:)`` found.
package enum TakeOutcome {
    /// Events to hand out, in order (never empty).
    case dispatched([DispatchedRecord])
    /// Nothing now; look again at the given time or when notified.
    case wait(until: ContinuousClock.Instant?)
    /// The subscriber is closed.
    case closed
}

/// One consumer group of an in-memory topic: its position per partition, its in-flight deliveries,
/// its members. Not thread-safe: the broker's lock guards it.
package final class ConsumerGroupState {
    /// One subscriber of the group.
    package struct Member {
        /// Wakes the member when it may have work.
        package let signal: AsyncSignal
        /// This member's own bound on unsettled deliveries.
        package let prefetch: Int
        /// Deliveries it holds unsettled.
        package var inFlight = 0
        /// Draining members receive nothing more but may still settle.
        package var isDraining = false
    }

    /// The group's name.
    package let name: String
    /// The topic it reads.
    package let topic: String
    /// The settings its first subscriber chose.
    package let options: SubscriptionOptions
    /// Rises with every seek; deliveries of an older epoch are stale.
    package private(set) var epoch: UInt64 = 0
    /// The position per partition.
    package private(set) var partitions: [GroupPartitionState]
    /// The subscribers by id.
    package private(set) var members: [UInt64: Member] = [:]
    private var nextPartition = 0

    /// A new group positioned by `options.startPosition` on the given partitions.
    package init<Records: PartitionRecords>(name: String, topic: String, options: SubscriptionOptions, logs: [Records]) {
        self.name = name
        self.topic = topic
        self.options = options
        self.partitions = logs.map { log in
            GroupPartitionState(start: options.startPosition == .earliest ? log.startOffset : log.endOffset)
        }
    }

    /// Wakes every member (they re-check for work). Called under the broker's lock: a signal's own lock is
    /// always taken after the broker's, never before, so this cannot deadlock.
    package func wakeMembers() {
        for member in members.values { member.signal.notify() }
    }

    /// Who needs waking after a settlement.
    package enum Wake {
        case nobody
        case member(UInt64)
        case everyone
    }

    /// Wakes the members a settlement may have given work to.
    package func wake(_ wake: Wake) {
        switch wake {
        case .nobody: break
        case .member(let id): members[id]?.signal.notify()
        case .everyone: wakeMembers()
        }
    }

    /// Adds a subscriber with its own prefetch bound.
    package func join(_ id: UInt64, signal: AsyncSignal, prefetch: Int) {
        members[id] = Member(signal: signal, prefetch: prefetch)
    }

    /// Whether the subscriber is still in the group.
    package func hasMember(_ id: UInt64) -> Bool { members[id] != nil }

    /// Stops handing the subscriber deliveries.
    package func drain(_ id: UInt64) {
        members[id]?.isDraining = true
    }

    /// Whether every stored event is acknowledged.
    package func isCaughtUp<Records: PartitionRecords>(logs: [Records]) -> Bool {
        zip(partitions, logs).allSatisfy { $0.acknowledgedFloor >= $1.endOffset }
    }

    // MARK: Handing out

    /// Hands member `id` up to `limit` events in one call (never more than its prefetch allows): due
    /// redeliveries first, then new events.
    package func take<Records: PartitionRecords>(
        subscriber id: UInt64,
        limit: Int,
        logs: [Records],
        now: Moment,
        date: WallTime,
        nextDeliveryID: inout UInt64,
        deadLetters: inout [DeadLetterRequest]
    ) -> TakeOutcome {
        var taken: [DispatchedRecord] = []
        while taken.count < limit {
            let step = takeSome(
                subscriber: id, room: limit - taken.count, logs: logs, now: now, date: date,
                nextDeliveryID: &nextDeliveryID, deadLetters: &deadLetters, into: &taken
            )
            switch step {
            case .dispatched:
                continue
            case .wait(let until):
                return taken.isEmpty ? .wait(until: until) : .dispatched(taken)
            case .closed:
                return taken.isEmpty ? .closed : .dispatched(taken)
            }
        }
        return .dispatched(taken)
    }

    /// What one step of ``take(subscriber:limit:logs:now:date:nextDeliveryID:deadLetters:)`` found.
    private enum TakeStep {
        case dispatched
        case wait(until: ContinuousClock.Instant?)
        case closed
    }

    /// Finds the next events for member `id`, at most `room`: a due redelivery first, else new events
    /// from the next partition that has them — a run of consecutive ones from its cursor when they are
    /// ready and ordering is not per key.
    private func takeSome<Records: PartitionRecords>(
        subscriber id: UInt64,
        room: Int,
        logs: [Records],
        now: Moment,
        date: WallTime,
        nextDeliveryID: inout UInt64,
        deadLetters: inout [DeadLetterRequest],
        into taken: inout [DispatchedRecord]
    ) -> TakeStep {
        guard let member = members[id], !member.isDraining else { return .closed }
        if member.inFlight >= member.prefetch { return .wait(until: nil) }
        let room = min(room, member.prefetch - member.inFlight)
        var wakeUp: Moment?
        let count = partitions.count
        for step in 0..<count {
            let index = (nextPartition + step) % count
            expireDeadlines(index, logs: logs, now: now, date: date, deadLetters: &deadLetters)
            if let offset = nextOffset(index, log: logs[index], now: now, logs: logs, date: date, deadLetters: &deadLetters) {
                if options.ordering != .perKey, offset == partitions[index].cursor, room > 1 {
                    let run = logs[index].readyRecords(from: offset, maximum: room)
                    if !run.isEmpty {
                        let dispatched = partitions[index].dispatchNew(
                            run, to: id, firstDeliveryID: nextDeliveryID &+ 1, deadline: now + options.ackDeadline, date: date,
                            epoch: epoch, partition: index, into: &taken
                        )
                        if dispatched > 0 {
                            nextDeliveryID &+= UInt64(dispatched)
                            members[id]?.inFlight += dispatched
                            nextPartition = (index + 1) % count
                            return .dispatched
                        }
                    }
                } else if let record = logs[index].readyRecord(at: offset) {
                    nextPartition = (index + 1) % count
                    nextDeliveryID &+= 1
                    taken.append(dispatch(record, partition: index, to: id, deliveryID: nextDeliveryID, now: now, date: date))
                    return .dispatched
                } else if case .awaitingRedelivery(let due)? = partitions[index].entries[offset]?.status {
                    // A due redelivery whose event is being loaded: keep it due, to be taken once it is in.
                    partitions[index].scheduleRedelivery(offset, due: due)
                }
            }
            if let next = partitions[index].nextWakeUp {
                wakeUp = min(wakeUp ?? next, next)
            }
        }
        return .wait(until: wakeUp?.instant)
    }

    private func nextOffset<Records: PartitionRecords>(
        _ index: Int,
        log: Records,
        now: Moment,
        logs: [Records],
        date: WallTime,
        deadLetters: inout [DeadLetterRequest]
    ) -> Offset? {
        while let offset = partitions[index].popDueRedelivery(now: now) {
            guard let entry = partitions[index].entries[offset] else { continue }
            if entry.attempts >= options.maximumDeliveries {
                // Released without a failure on its last allowed delivery (its member left): give up now.
                if let request = deadLetterRequest(index, offset, logs: logs, now: now) {
                    deadLetters.append(request)
                }
                continue
            }
            return offset
        }
        var offset = partitions[index].cursor
        var scanned = 0
        while offset < log.endOffset && scanned < Self.perKeyScanLimit {
            if partitions[index].entries[offset] == nil {
                guard options.ordering == .perKey, let record = log.readyRecord(at: offset),
                    partitions[index].isBlocked(record.event.partitionKey)
                else { return offset }
            }
            offset = offset.next
            scanned += 1
        }
        return nil
    }

    /// How far past a blocked key per-key ordering looks for an event of another key.
    static let perKeyScanLimit = 10_000

    private func dispatch(
        _ record: StoredEvent,
        partition index: Int,
        to member: UInt64,
        deliveryID: UInt64,
        now: Moment,
        date: WallTime
    ) -> DispatchedRecord {
        let deadline = now + options.ackDeadline
        var entry: RecordState
        if let existing = partitions[index].entries[record.offset] {
            entry = existing
        } else {
            let key = options.ordering == .perKey ? record.event.partitionKey : nil
            entry = RecordState(status: .acknowledged, attempts: 0, firstDeliveredAt: date, key: key)
            if let key {
                partitions[index].unsettledKeys[key, default: 0] += 1
            }
        }
        entry.attempts += 1
        entry.status = .inFlight(deliveryID: deliveryID, subscriber: member, deadline: deadline)
        partitions[index].entries[record.offset] = entry
        partitions[index].earliestDeadline = min(partitions[index].earliestDeadline ?? deadline, deadline)
        partitions[index].advanceCursor()
        members[member]?.inFlight += 1
        let token = DeliveryToken(rawValue: deliveryID, partition: Partition(index), offset: record.offset, epoch: epoch)
        return DispatchedRecord(record: record, attempt: entry.attempts, firstDeliveredAt: entry.firstDeliveredAt.date, token: token)
    }

    private func expireDeadlines<Records: PartitionRecords>(
        _ index: Int,
        logs: [Records],
        now: Moment,
        date: WallTime,
        deadLetters: inout [DeadLetterRequest]
    ) {
        guard let earliest = partitions[index].earliestDeadline, earliest <= now else { return }
        var nextDeadline: Moment?
        for (offset, entry) in partitions[index].entries {
            guard case .inFlight(_, let member, let deadline) = entry.status else { continue }
            guard deadline <= now else {
                nextDeadline = min(nextDeadline ?? deadline, deadline)
                continue
            }
            members[member]?.inFlight -= 1
            let failure = DeliveryFailure(
                errorType: "AckDeadlineExceeded",
                message: "delivery was not settled within the ack deadline of \(options.ackDeadline)"
            )
            fail(index, offset, failure: failure, retryAfter: .zero, logs: logs, now: now, date: date, deadLetters: &deadLetters)
        }
        partitions[index].earliestDeadline = nextDeadline
    }

    // MARK: Settling

    /// Applies a settlement and says whom it may give work to; stale tokens (another epoch, an offset already
    /// settled) change nothing.
    package func settle<Records: PartitionRecords>(
        _ token: DeliveryToken,
        _ settlement: Settlement,
        logs: [Records],
        now: Moment,
        date: WallTime,
        deadLetters: inout [DeadLetterRequest]
    ) -> Wake {
        let index = token.partition.index
        guard token.epoch == epoch, partitions.indices.contains(index),
            let entry = partitions[index].entries[token.offset]
        else { return .nobody }
        switch settlement {
        case .ack:
            return acknowledge(index, token.offset)
        case .nack(let retryAfter, let failure):
            guard releaseIfCurrent(entry, token: token, index: index) else { return .nobody }
            let failure = failure ?? DeliveryFailure(errorType: "Nacked", message: "the consumer asked for redelivery")
            fail(index, token.offset, failure: failure, retryAfter: retryAfter, logs: logs, now: now, date: date, deadLetters: &deadLetters)
            return .everyone
        case .reject(let failure):
            guard releaseIfCurrent(entry, token: token, index: index) else { return .nobody }
            partitions[index].entries[token.offset]?.recordFailure(failure, at: date)
            if let request = deadLetterRequest(index, token.offset, logs: logs, now: now) {
                deadLetters.append(request)
            }
            return .everyone
        }
    }

    /// Whether the group's position changed since the last ``checkpoint()``.
    package var needsCheckpoint = false

    /// Acknowledges a delivery (the fast path of ``settle(_:_:logs:now:date:deadLetters:)``); a stale token
    /// changes nothing.
    package func acknowledge(_ token: DeliveryToken) -> Wake {
        let index = token.partition.index
        guard token.epoch == epoch, partitions.indices.contains(index) else { return .nobody }
        return acknowledge(index, token.offset)
    }

    /// Acknowledges several deliveries and wakes whom that may give work. Stale tokens change nothing.
    /// Each partition's entries are settled in one access to its state and its floor moved once; members'
    /// counts are settled once per member.
    package func acknowledge(_ tokens: [DeliveryToken]) {
        guard options.ordering != .perKey, tokens.count > 1 else {
            for token in tokens { wake(acknowledge(token)) }
            return
        }
        var released: [UInt64: Int] = [:]
        var last: (member: UInt64, count: Int)?
        for token in tokens {
            let index = token.partition.index
            guard token.epoch == epoch, partitions.indices.contains(index),
                let member = partitions[index].acknowledge(token.offset)
            else { continue }
            guard let member else { continue }
            if let current = last, current.member == member {
                last = (member, current.count + 1)
            } else {
                if let current = last { released[current.member, default: 0] += current.count }
                last = (member, 1)
            }
        }
        if let current = last { released[current.member, default: 0] += current.count }
        for index in Set(tokens.map(\.partition.index)) where partitions.indices.contains(index) {
            partitions[index].advanceFloor()
        }
        for (id, count) in released where freeSlots(of: id, count: count) {
            members[id]?.signal.notify()
        }
    }

    /// Gives back current in-flight deliveries their member never handed out: due again at `now`, their
    /// attempt taken back, their member's slots freed. Stale tokens change nothing.
    package func release(_ tokens: [DeliveryToken], now: Moment) {
        for token in tokens {
            let index = token.partition.index
            guard token.epoch == epoch, partitions.indices.contains(index),
                let entry = partitions[index].entries[token.offset],
                releaseIfCurrent(entry, token: token, index: index)
            else { continue }
            partitions[index].entries[token.offset]?.attempts -= 1
            partitions[index].scheduleRedelivery(token.offset, due: now)
        }
        if !tokens.isEmpty { wakeMembers() }
    }

    /// Restarts the deadline of a current in-flight delivery.
    package func extendDeadline(_ token: DeliveryToken, now: Moment) {
        let index = token.partition.index
        guard token.epoch == epoch, partitions.indices.contains(index),
            case .inFlight(let id, let member, _) = partitions[index].entries[token.offset]?.status, id == token.rawValue
        else { return }
        let deadline = now + options.ackDeadline
        partitions[index].entries[token.offset]?.status = .inFlight(deliveryID: id, subscriber: member, deadline: deadline)
    }

    /// Frees the member's prefetch slot if `token` is the entry's current delivery.
    private func releaseIfCurrent(_ entry: RecordState, token: DeliveryToken, index: Int) -> Bool {
        guard case .inFlight(let id, let member, _) = entry.status, id == token.rawValue else { return false }
        members[member]?.inFlight -= 1
        return true
    }

    private func fail<Records: PartitionRecords>(
        _ index: Int,
        _ offset: Offset,
        failure: DeliveryFailure,
        retryAfter: Duration,
        logs: [Records],
        now: Moment,
        date: WallTime,
        deadLetters: inout [DeadLetterRequest]
    ) {
        partitions[index].entries[offset]?.recordFailure(failure, at: date)
        guard let entry = partitions[index].entries[offset] else { return }
        if entry.attempts >= options.maximumDeliveries {
            if let request = deadLetterRequest(index, offset, logs: logs, now: now) {
                deadLetters.append(request)
            }
        } else {
            partitions[index].scheduleRedelivery(offset, due: now + max(retryAfter, .zero))
        }
    }

    @discardableResult
    private func acknowledge(_ index: Int, _ offset: Offset) -> Wake {
        let key = partitions[index].entries[offset]?.key
        guard let holder = partitions[index].acknowledge(offset) else { return .nobody }
        var wake = Wake.nobody
        if let id = holder, freeSlots(of: id, count: 1) { wake = .member(id) }
        if options.ordering == .perKey {
            partitions[index].unblock(key)
            wake = .everyone
        }
        partitions[index].advanceFloor()
        return wake
    }

    /// Frees `count` of member `id`'s prefetch slots; `true` if it was at its prefetch bound, the only
    /// case in which it can be waiting for them.
    private func freeSlots(of id: UInt64, count: Int) -> Bool {
        guard let member = members[id] else { return false }
        members[id]?.inFlight -= count
        return member.inFlight >= member.prefetch
    }

    // MARK: Dead letters

    /// Builds the dead letter for an entry and parks the entry until the topic reports back.
    private func deadLetterRequest<Records: PartitionRecords>(
        _ index: Int, _ offset: Offset, logs: [Records], now: Moment
    )
        -> DeadLetterRequest?
    {
        guard let entry = partitions[index].entries[offset] else { return nil }
        guard let record = logs[index].record(at: offset) else {
            // The event is gone from the topic (retention); nothing is left to dead-letter.
            acknowledge(index, offset)
            return nil
        }
        // Parked far in the future: no member receives it while the dead letter is being stored.
        partitions[index].entries[offset]?.status = .awaitingRedelivery(due: now + .seconds(86_400 * 365))
        let failure = entry.lastFailure ?? DeliveryFailure(errorType: "MaximumDeliveriesExceeded", message: "delivered \(entry.attempts) times")
        let deadLetter = DeadLetter(
            event: record.event,
            failure: failure,
            attempts: entry.attempts,
            firstFailureAt: (entry.firstFailureAt ?? entry.firstDeliveredAt).date,
            lastFailureAt: (entry.lastFailureAt ?? entry.firstDeliveredAt).date,
            originTopic: topic,
            originPartition: Partition(index),
            originOffset: offset,
            group: name
        )
        return DeadLetterRequest(partition: Partition(index), offset: offset, deadLetter: deadLetter)
    }

    /// Completes a dead-letter request: acknowledged once stored, otherwise retried in a second.
    package func finishDeadLetter(_ request: DeadLetterRequest, stored: Bool, now: Moment) {
        let index = request.partition.index
        guard partitions.indices.contains(index), partitions[index].entries[request.offset] != nil else { return }
        if stored {
            acknowledge(index, request.offset)
        } else {
            partitions[index].scheduleRedelivery(request.offset, due: now + .seconds(1))
        }
    }

    // MARK: Members, seeking, retention

    /// Removes a member and releases its in-flight deliveries for redelivery now.
    package func leave(_ id: UInt64, now: Moment) {
        members[id] = nil
        for index in partitions.indices {
            for (offset, entry) in partitions[index].entries {
                if case .inFlight(_, let member, _) = entry.status, member == id {
                    partitions[index].scheduleRedelivery(offset, due: now)
                }
            }
        }
    }

    /// Moves every partition's position; in-flight deliveries become stale.
    package func seek(to targets: [Offset]) {
        epoch &+= 1
        for index in partitions.indices {
            partitions[index] = GroupPartitionState(start: targets[index])
        }
        for id in members.keys {
            members[id]?.inFlight = 0
        }
    }

    /// Called after retention removed a partition's events below `start`; returns how many the group had
    /// not acknowledged (events it missed).
    package func retentionRemoved(partition index: Int, below start: Offset) -> Int64 {
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
        return missed
    }

    // MARK: Checkpoints

    /// What a backend persists of one partition's position: the floor, the acknowledged offsets above it
    /// and the delivery counts of unacknowledged events.
    package struct PartitionCheckpoint: Sendable, Equatable {
        /// Everything below is acknowledged.
        package var floor: Offset
        /// Acknowledged offsets above the floor.
        package var acknowledged: [Offset]
        /// Delivery counts of unacknowledged events.
        package var attempts: [Offset: Int]

        /// Creates a checkpoint.
        package init(floor: Offset, acknowledged: [Offset], attempts: [Offset: Int]) {
            self.floor = floor
            self.acknowledged = acknowledged
            self.attempts = attempts
        }
    }

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

    /// Restores a persisted position: acknowledged offsets are never handed out again; events that were
    /// delivered but not acknowledged are handed out first, their delivery counts kept.
    package func restore<Records: PartitionRecords>(
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
}
