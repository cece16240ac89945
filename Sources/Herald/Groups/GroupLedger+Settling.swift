extension GroupLedger {
    /// Applies a settlement of a delivery; a stale token (another epoch, a delivery no longer current, an
    /// offset already settled) changes nothing.
    package mutating func settle(_ token: DeliveryToken, _ settlement: Settlement, now: Moment, date: WallTime) -> GroupActions {
        let index = token.partition.index
        guard token.epoch == epoch, partitions.indices.contains(index),
            let entry = partitions[index].entries[token.offset]
        else { return .none }
        switch settlement {
        case .ack:
            return acknowledge(index, token.offset)
        case .nack(let retryAfter, let failure):
            guard releaseIfCurrent(entry, token: token) else { return .none }
            let failure = failure ?? DeliveryFailure(errorType: "Nacked", message: "the consumer asked for redelivery")
            var actions = GroupActions(wake: .everyone)
            fail(index, token.offset, failure: failure, retryAfter: retryAfter, now: now, date: date, actions: &actions)
            needsCheckpoint = true
            return actions
        case .reject(let failure):
            guard releaseIfCurrent(entry, token: token) else { return .none }
            partitions[index].entries[token.offset]?.recordFailure(failure, at: date)
            var actions = GroupActions(wake: .everyone)
            requestDeadLetter(index, token.offset, now: now, actions: &actions)
            needsCheckpoint = true
            return actions
        }
    }

    /// Acknowledges a delivery (the fast path of ``settle(_:_:now:date:)``: it needs no time); a stale
    /// token changes nothing.
    package mutating func acknowledge(_ token: DeliveryToken) -> GroupActions {
        let index = token.partition.index
        guard token.epoch == epoch, partitions.indices.contains(index) else { return .none }
        return acknowledge(index, token.offset)
    }

    /// Acknowledges several deliveries. Each partition's floor moves once, and each member's count once.
    /// Stale tokens change nothing.
    package mutating func acknowledge(_ tokens: [DeliveryToken]) -> GroupActions {
        guard options.ordering != .perKey, tokens.count > 1 else {
            var wake = GroupWake.nobody
            for token in tokens { wake = wake.merged(with: acknowledge(token).wake) }
            return GroupActions(wake: wake)
        }
        var released: [UInt64: Int] = [:]
        var last: (member: UInt64, count: Int)?
        var acknowledgedAny = false
        for token in tokens {
            let index = token.partition.index
            guard token.epoch == epoch, partitions.indices.contains(index),
                let member = partitions[index].acknowledge(token.offset)
            else { continue }
            acknowledgedAny = true
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
        if acknowledgedAny { needsCheckpoint = true }
        let woken = released.compactMap { id, count in freeSlots(of: id, count: count) ? id : nil }
        switch woken.count {
        case 0: return .none
        case 1: return GroupActions(wake: .member(woken[0]))
        default: return GroupActions(wake: .members(woken))
        }
    }

    /// Gives back current in-flight deliveries their member never handed out: due again at `now`, their
    /// attempt taken back, their member's slots freed. Stale tokens change nothing.
    package mutating func release(_ tokens: [DeliveryToken], now: Moment) -> GroupActions {
        var releasedAny = false
        for token in tokens {
            let index = token.partition.index
            guard token.epoch == epoch, partitions.indices.contains(index),
                let entry = partitions[index].entries[token.offset],
                releaseIfCurrent(entry, token: token)
            else { continue }
            partitions[index].entries[token.offset]?.attempts -= 1
            partitions[index].scheduleRedelivery(token.offset, due: now)
            releasedAny = true
        }
        return releasedAny ? GroupActions(wake: .everyone) : .none
    }

    /// Restarts the deadline of a current in-flight delivery at `now`; returns whether it was current.
    @discardableResult
    package mutating func extendDeadline(_ token: DeliveryToken, now: Moment) -> Bool {
        let index = token.partition.index
        guard token.epoch == epoch, partitions.indices.contains(index),
            case .inFlight(let id, let member, _) = partitions[index].entries[token.offset]?.status, id == token.rawValue
        else { return false }
        let deadline = now + options.ackDeadline
        partitions[index].entries[token.offset]?.status = .inFlight(deliveryID: id, subscriber: member, deadline: deadline)
        return true
    }

    /// Frees the member's prefetch slot if `token` is the entry's current delivery.
    private mutating func releaseIfCurrent(_ entry: RecordState, token: DeliveryToken) -> Bool {
        guard case .inFlight(let id, let member, _) = entry.status, id == token.rawValue else { return false }
        members[member]?.inFlight -= 1
        return true
    }

    /// Acknowledges the entry at `offset` of partition `index` and moves the floor.
    mutating func acknowledge(_ index: Int, _ offset: Offset) -> GroupActions {
        let key = partitions[index].entries[offset]?.key
        guard let holder = partitions[index].acknowledge(offset) else { return .none }
        needsCheckpoint = true
        var wake = GroupWake.nobody
        if let id = holder, freeSlots(of: id, count: 1) { wake = .member(id) }
        if options.ordering == .perKey {
            partitions[index].unblock(key)
            wake = .everyone
        }
        partitions[index].advanceFloor()
        return GroupActions(wake: wake)
    }

    /// Frees `count` of member `id`'s prefetch slots; `true` if it was at its prefetch bound, the only
    /// case in which it can be waiting for them.
    private mutating func freeSlots(of id: UInt64, count: Int) -> Bool {
        guard let member = members[id] else { return false }
        members[id]?.inFlight -= count
        return member.inFlight >= member.prefetch
    }
}
