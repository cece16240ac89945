/// The bookkeeping of one consumer group on one topic: its position per partition, its in-flight
/// deliveries with their deadlines, attempts and failures, its members with their prefetch bounds,
/// per-key blocking, delayed redeliveries, dead-letter requests, seeks, retention and checkpoints.
///
/// A value with no locks, no I/O and no clock: every operation takes the time it happens at (`now` for
/// deadlines and delays, `date` for what is recorded) and returns ``GroupActions`` — whom to wake, which
/// dead letters to store — for its owner to run once it has left its lock. The owner provides the
/// partitions' events (``PartitionRecords``); reading them must not block. ``GroupCoordinator`` is the owner
/// for the brokers that keep their own storage.
package struct GroupLedger {
    /// One subscriber of the group.
    package struct Member: Equatable, Sendable {
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
    package internal(set) var partitions: [GroupPartitionState]
    /// The subscribers by id.
    package internal(set) var members: [UInt64: Member] = [:]
    /// Whether the position changed since the last ``takeCheckpoint(force:)``.
    package internal(set) var needsCheckpoint = false
    /// Whether the ledger was closed (its broker shut down): every take finds ``TakeOutcome/closed``.
    package private(set) var isClosed = false
    /// Whether an operator paused the group: it hands out nothing (deliveries out may still be settled, and
    /// their deadlines still expire) until resumed.
    package private(set) var isPaused = false
    var nextPartition = 0
    var lastDeliveryID: UInt64 = 0

    /// How far past a blocked key per-key ordering looks for an event of another key.
    static let perKeyScanLimit = 10_000

    /// A new group positioned by `options.startPosition` on the given partitions.
    package init<Records: PartitionRecords>(name: String, topic: String, options: SubscriptionOptions, logs: [Records]) {
        self.name = name
        self.topic = topic
        self.options = options
        self.partitions = logs.map { log in
            GroupPartitionState(start: options.startPosition == .earliest ? log.startOffset : log.endOffset)
        }
    }

    // MARK: Members

    /// Adds a subscriber with its own prefetch bound.
    package mutating func join(_ id: UInt64, prefetch: Int) {
        members[id] = Member(prefetch: prefetch)
        needsCheckpoint = true
    }

    /// Whether the subscriber is still in the group.
    package func hasMember(_ id: UInt64) -> Bool { members[id] != nil }

    /// Stops handing the subscriber deliveries; it may still settle what it holds.
    package mutating func drain(_ id: UInt64) {
        members[id]?.isDraining = true
    }

    /// Stops handing any member deliveries (the broker shuts down); they may still settle what they hold.
    package mutating func drainAll() -> GroupActions {
        for id in members.keys { members[id]?.isDraining = true }
        return GroupActions(wake: .everyone)
    }

    /// Removes a member and makes its in-flight deliveries due again at `now`.
    package mutating func leave(_ id: UInt64, now: Moment) -> GroupActions {
        guard members.removeValue(forKey: id) != nil else { return .none }
        for index in partitions.indices {
            for (offset, entry) in partitions[index].entries {
                if case .inFlight(_, let member, _) = entry.status, member == id {
                    partitions[index].scheduleRedelivery(offset, due: now)
                }
            }
        }
        return GroupActions(wake: .everyone)
    }

    /// Pauses or resumes handing out deliveries; resuming wakes every member.
    package mutating func setPaused(_ paused: Bool) -> GroupActions {
        guard paused != isPaused else { return .none }
        isPaused = paused
        needsCheckpoint = true
        return paused ? .none : GroupActions(wake: .everyone)
    }

    /// Closes the ledger: members find nothing more to take.
    package mutating func close() -> GroupActions {
        isClosed = true
        return GroupActions(wake: .everyone)
    }

    /// Whether every stored event is acknowledged.
    package func isCaughtUp<Records: PartitionRecords>(logs: [Records]) -> Bool {
        zip(partitions, logs).allSatisfy { $0.acknowledgedFloor >= $1.endOffset }
    }

    /// When the next redelivery or ack deadline of any partition falls due.
    package var nextWakeUp: Moment? {
        partitions.compactMap(\.nextWakeUp).min()
    }

    // MARK: Handing out

    /// Hands member `id` up to `limit` events (never more than its prefetch allows): due redeliveries
    /// first, then new events, round robin over the partitions. Expired deadlines are handled on the way.
    package mutating func take<Records: PartitionRecords>(
        member id: UInt64,
        limit: Int,
        logs: [Records],
        now: Moment,
        date: WallTime
    ) -> GroupTake {
        var taken: [DispatchedRecord] = []
        var actions = GroupActions()
        if isClosed { return GroupTake(outcome: .closed, actions: actions) }
        while taken.count < limit {
            switch takeSome(member: id, room: limit - taken.count, logs: logs, now: now, date: date, actions: &actions, into: &taken) {
            case .dispatched:
                continue
            case .wait(let until):
                return GroupTake(outcome: taken.isEmpty ? .wait(until: until) : .dispatched(taken), actions: actions)
            case .closed:
                return GroupTake(outcome: taken.isEmpty ? .closed : .dispatched(taken), actions: actions)
            }
        }
        return GroupTake(outcome: .dispatched(taken), actions: actions)
    }

    /// What one step of a take found.
    private enum TakeStep {
        case dispatched
        case wait(until: Moment?)
        case closed
    }

    /// Finds the next events for member `id`, at most `room`: a due redelivery first, else new events
    /// from the next partition that has them — a run of consecutive ones from its cursor when they are
    /// ready and ordering is not per key.
    private mutating func takeSome<Records: PartitionRecords>(
        member id: UInt64,
        room: Int,
        logs: [Records],
        now: Moment,
        date: WallTime,
        actions: inout GroupActions,
        into taken: inout [DispatchedRecord]
    ) -> TakeStep {
        guard var member = members[id], !member.isDraining else { return .closed }
        if isPaused {
            // Paused: deadlines of what is out still expire; nothing is handed out until resumed (which wakes).
            for index in partitions.indices { expireDeadlines(index, now: now, date: date, actions: &actions) }
            return .wait(until: partitions.compactMap(\.earliestDeadline).min())
        }
        if member.inFlight >= member.prefetch {
            // Full: only an expiring deadline (or a settlement, which wakes it) can free a slot.
            for index in partitions.indices { expireDeadlines(index, now: now, date: date, actions: &actions) }
            member = members[id] ?? member
            if member.inFlight >= member.prefetch { return .wait(until: partitions.compactMap(\.earliestDeadline).min()) }
        }
        let room = min(room, member.prefetch - member.inFlight)
        var wakeUp: Moment?
        let count = partitions.count
        for step in 0..<count {
            let index = (nextPartition + step) % count
            expireDeadlines(index, now: now, date: date, actions: &actions)
            if let offset = nextOffset(index, log: logs[index], now: now, actions: &actions) {
                if options.ordering != .perKey, offset == partitions[index].cursor, room > 1 {
                    let run = logs[index].readyRecords(from: offset, maximum: room)
                    if !run.isEmpty {
                        let dispatched = partitions[index].dispatchNew(
                            run, to: id, firstDeliveryID: lastDeliveryID &+ 1, deadline: now + options.ackDeadline, date: date,
                            epoch: epoch, partition: index, into: &taken
                        )
                        if dispatched > 0 {
                            lastDeliveryID &+= UInt64(dispatched)
                            members[id]?.inFlight += dispatched
                            nextPartition = (index + 1) % count
                            needsCheckpoint = true
                            return .dispatched
                        }
                    }
                } else if let record = logs[index].readyRecord(at: offset) {
                    nextPartition = (index + 1) % count
                    lastDeliveryID &+= 1
                    taken.append(dispatch(record, partition: index, to: id, deliveryID: lastDeliveryID, now: now, date: date))
                    needsCheckpoint = true
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
        return .wait(until: wakeUp)
    }

    /// The next offset of partition `index` to hand out: a due redelivery, else the first undispatched
    /// offset from the cursor (past blocked keys under per-key order).
    private mutating func nextOffset<Records: PartitionRecords>(
        _ index: Int,
        log: Records,
        now: Moment,
        actions: inout GroupActions
    ) -> Offset? {
        while let offset = partitions[index].popDueRedelivery(now: now) {
            guard let entry = partitions[index].entries[offset] else { continue }
            if entry.attempts >= options.maximumDeliveries {
                // Released without a failure on its last allowed delivery (its member left): give up now.
                requestDeadLetter(index, offset, now: now, actions: &actions)
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

    private mutating func dispatch(
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
        return DispatchedRecord(record: record, attempt: entry.attempts, firstDeliveredAt: entry.firstDeliveredAt, token: token)
    }

    /// Fails every in-flight delivery of partition `index` whose deadline passed.
    private mutating func expireDeadlines(_ index: Int, now: Moment, date: WallTime, actions: inout GroupActions) {
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
            fail(index, offset, failure: failure, retryAfter: .zero, now: now, date: date, actions: &actions)
        }
        partitions[index].earliestDeadline = nextDeadline
    }

    /// Records a failure of the entry at `offset` and schedules its redelivery after `retryAfter`, or asks
    /// for its dead letter when it used its last delivery.
    mutating func fail(
        _ index: Int,
        _ offset: Offset,
        failure: DeliveryFailure,
        retryAfter: Duration,
        now: Moment,
        date: WallTime,
        actions: inout GroupActions
    ) {
        partitions[index].entries[offset]?.recordFailure(failure, at: date)
        guard let entry = partitions[index].entries[offset] else { return }
        if entry.attempts >= options.maximumDeliveries {
            requestDeadLetter(index, offset, now: now, actions: &actions)
        } else {
            partitions[index].scheduleRedelivery(offset, due: now + max(retryAfter, .zero))
        }
    }

    // MARK: Dead letters

    /// How long an entry waiting for its dead letter to be stored is kept from members.
    static let deadLetterParking = Duration.seconds(86_400 * 365)

    /// Asks for the entry's dead letter and parks the entry until the owner reports back.
    mutating func requestDeadLetter(_ index: Int, _ offset: Offset, now: Moment, actions: inout GroupActions) {
        guard let entry = partitions[index].entries[offset] else { return }
        // Parked far in the future: no member receives it while the dead letter is being stored.
        partitions[index].entries[offset]?.status = .awaitingRedelivery(due: now + Self.deadLetterParking)
        let failure = entry.lastFailure ?? DeliveryFailure(errorType: "MaximumDeliveriesExceeded", message: "delivered \(entry.attempts) times")
        actions.deadLetters.append(
            DeadLetterRequest(
                partition: Partition(index),
                offset: offset,
                epoch: epoch,
                failure: failure,
                attempts: entry.attempts,
                firstFailureAt: entry.firstFailureAt ?? entry.firstDeliveredAt,
                lastFailureAt: entry.lastFailureAt ?? entry.firstDeliveredAt
            )
        )
    }

    /// Completes a dead-letter request: the event is acknowledged once stored (or gone from the topic),
    /// otherwise due again in a second. A request from before a seek changes nothing.
    package mutating func finishDeadLetter(_ request: DeadLetterRequest, outcome: DeadLetterOutcome, now: Moment) -> GroupActions {
        let index = request.partition.index
        guard request.epoch == epoch, partitions.indices.contains(index), partitions[index].entries[request.offset] != nil else { return .none }
        needsCheckpoint = true
        switch outcome {
        case .stored, .eventGone:
            return acknowledge(index, request.offset)
        case .failed:
            partitions[index].scheduleRedelivery(request.offset, due: now + .seconds(1))
            // Members waiting until an earlier wake-up learn of the new one.
            return GroupActions(wake: .everyone)
        }
    }

    // MARK: Seeking

    /// Moves every partition's position; in-flight deliveries become stale.
    package mutating func seek(to targets: [Offset]) -> GroupActions {
        epoch &+= 1
        for index in partitions.indices where targets.indices.contains(index) {
            partitions[index] = GroupPartitionState(start: targets[index])
        }
        for id in members.keys {
            members[id]?.inFlight = 0
        }
        needsCheckpoint = true
        return GroupActions(wake: .everyone)
    }
}
