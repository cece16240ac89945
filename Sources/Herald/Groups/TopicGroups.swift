/// The consumer groups of one topic: a ``GroupLedger`` per group and the wake-up signals of its members.
/// It runs the wake-ups a ledger's operations return and hands the rest (dead letters) to its caller.
///
/// Not thread-safe: its topic's owner guards it with the lock that guards the topic's events. A signal's
/// own lock is taken after that lock, never before, so waking members under it cannot deadlock.
package final class TopicGroups {
    private struct Slot {
        var ledger: GroupLedger
        var signals: [UInt64: AsyncSignal] = [:]
    }

    /// The topic.
    package let topic: String
    private var slots: [String: Slot] = [:]
    private var lastMemberID: UInt64 = 0
    /// Whether ``closeAll()`` or ``drainAll()`` was called: no member may join from then on.
    package private(set) var isClosed = false
    /// Whether ``drainAll()`` was called: the broker shuts down gracefully.
    package private(set) var isDrainingForShutdown = false

    /// No groups yet.
    package init(topic: String) {
        self.topic = topic
    }

    /// The names of the groups, sorted.
    package var names: [String] { slots.keys.sorted() }

    /// Whether the topic has no group.
    package var isEmpty: Bool { slots.isEmpty }

    /// The ledger of group `name` (a copy, to read), if it has subscribed.
    package func ledger(_ name: String) -> GroupLedger? { slots[name]?.ledger }

    /// Every group's ledger (copies, to read).
    package var ledgers: [GroupLedger] { slots.values.map(\.ledger) }

    /// Runs `body` on group `name`'s ledger in place and the wake-ups it returns; its dead letters are
    /// the caller's to store. `nil` when the group has never subscribed.
    package func update(_ name: String, _ body: (inout GroupLedger) -> GroupActions) -> [DeadLetterRequest]? {
        guard let index = slots.index(forKey: name) else { return nil }
        // In place: the ledger's tables are not copied.
        let actions = body(&slots.values[index].ledger)
        wake(actions.wake, in: name)
        return actions.deadLetters
    }

    /// Runs `body` on group `name`'s ledger in place and returns what it returns, running no actions;
    /// `nil` when the group has never subscribed.
    package func withLedger<Result>(_ name: String, _ body: (inout GroupLedger) -> Result) -> Result? {
        guard let index = slots.index(forKey: name) else { return nil }
        return body(&slots.values[index].ledger)
    }

    /// Creates group `name` if it has never subscribed, positioned by `options` on `logs`.
    package func add<Records: PartitionRecords>(_ name: String, options: SubscriptionOptions, logs: [Records]) {
        if slots[name] == nil {
            slots[name] = Slot(ledger: GroupLedger(name: name, topic: topic, options: options, logs: logs))
        }
    }

    /// Restores group `name`'s persisted position, creating the group.
    package func restore<Records: PartitionRecords>(
        _ name: String,
        options: SubscriptionOptions,
        checkpoint: [PartitionCheckpoint],
        isPaused: Bool = false,
        logs: [Records],
        now: Moment,
        date: WallTime
    ) {
        add(name, options: options, logs: logs)
        slots[name]?.ledger.restore(checkpoint, logs: logs, now: now, date: date)
        _ = slots[name]?.ledger.setPaused(isPaused)
    }

    /// Adds a member to group `name` (creating the group with `options` if needed) and returns its id.
    ///
    /// - Throws: ``BrokerError/closed()`` once ``closeAll()`` was called.
    package func join<Records: PartitionRecords>(
        _ name: String,
        options: SubscriptionOptions,
        logs: [Records],
        signal: AsyncSignal
    ) throws(BrokerError) -> UInt64 {
        if isClosed { throw .closed() }
        add(name, options: options, logs: logs)
        lastMemberID &+= 1
        slots[name]?.ledger.join(lastMemberID, prefetch: options.prefetch)
        slots[name]?.signals[lastMemberID] = signal
        return lastMemberID
    }

    /// Removes member `id` from group `name`; its unsettled deliveries are due again at `now`.
    package func leave(_ id: UInt64, group name: String, now: Moment) {
        guard let actions = slots[name]?.ledger.leave(id, now: now) else { return }
        wake(actions.wake, in: name)
        slots[name]?.signals[id] = nil
    }

    /// Wakes the members `wake` names in group `name`.
    package func wake(_ wake: GroupWake, in name: String) {
        guard let slot = slots[name] else { return }
        switch wake {
        case .nobody: break
        case .member(let id): slot.signals[id]?.notify()
        case .members(let ids): for id in ids { slot.signals[id]?.notify() }
        case .everyone: for signal in slot.signals.values { signal.notify() }
        }
    }

    /// Wakes every member of every group (after new events arrived).
    package func wakeAll() {
        for slot in slots.values {
            for signal in slot.signals.values { signal.notify() }
        }
    }

    /// Drains every member of every group (the broker begins to shut down): they receive nothing more but
    /// still settle, and none may join.
    package func drainAll() {
        isClosed = true
        isDrainingForShutdown = true
        for name in slots.keys {
            if let actions = slots[name]?.ledger.drainAll() { wake(actions.wake, in: name) }
        }
    }

    /// The groups that still have members, with how many.
    package var subscribedGroups: [(group: String, members: Int)] {
        slots.compactMap { name, slot in slot.ledger.members.isEmpty ? nil : (name, slot.ledger.members.count) }
    }

    /// Closes every ledger (the broker shuts down): members find nothing more, none may join.
    package func closeAll() {
        isClosed = true
        for name in slots.keys {
            _ = slots[name]?.ledger.close()
        }
        wakeAll()
    }

    // MARK: Retention and checkpoints

    /// The offset of partition `index` below which every group has acknowledged everything; `nil` without
    /// groups.
    package func acknowledgedByAll(partition index: Int) -> Offset? {
        slots.values.compactMap { slot in
            slot.ledger.partitions.indices.contains(index) ? slot.ledger.partitions[index].acknowledgedFloor : nil
        }.min()
    }

    /// Tells every group that retention removed partition `index`'s events below `start`; returns the
    /// groups that had not acknowledged some of them, with how many.
    package func retentionRemoved(partition index: Int, below start: Offset) -> [(group: String, missed: Int64)] {
        var losses: [(group: String, missed: Int64)] = []
        for name in slots.keys {
            let missed = slots[name]?.ledger.retentionRemoved(partition: index, below: start) ?? 0
            if missed > 0 { losses.append((name, missed)) }
        }
        return losses
    }

    /// The positions to persist: every group's with `force`, else those that changed since the last call.
    package func takeCheckpoints(force: Bool) -> [GroupCheckpoint] {
        var result: [GroupCheckpoint] = []
        for name in slots.keys {
            if let checkpoint = slots[name]?.ledger.takeCheckpoint(force: force), let ledger = slots[name]?.ledger {
                result.append(GroupCheckpoint(group: name, options: ledger.options, isPaused: ledger.isPaused, partitions: checkpoint))
            }
        }
        return result
    }

    /// Marks group `name`'s position as not persisted, to be written again.
    package func checkpointFailed(_ name: String) {
        slots[name]?.ledger.checkpointFailed()
    }
}
