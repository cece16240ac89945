import Logging

import struct Foundation.Date

/// A topic whose consumer groups a ``GroupCoordinator`` runs: its partitions' events and its groups.
package protocol GroupTopic: AnyObject {
    associatedtype Records: PartitionRecords
    /// The topic's partitions, in order.
    var partitionRecords: [Records] { get }
    /// The topic's consumer groups.
    var groups: TopicGroups { get }
    /// The first offset of partition `index` stored at or after `date` (its end if none).
    func firstOffset(partition index: Int, storedAtOrAfter date: Date) -> Offset
}

/// The consumer-group side of a broker that keeps its own storage (the in-memory broker, the embedded
/// log): subscribe, take, settle, drain, leave, seek, lag and the idle wait, written once over
/// ``GroupLedger``s. A backend provides locked access to its topics and a few hooks; everything else is
/// here.
///
/// Each operation runs the ledger under the backend's lock and the resulting actions after it: members
/// are woken under the lock (a signal's lock comes after it), dead letters are stored after it through
/// the backend's own ``Broker`` verbs.
package protocol GroupCoordinator: GroupMemberBroker, Broker {
    associatedtype Topic: GroupTopic
    /// Runs `body` with topic `name` under the lock that guards its events and groups.
    ///
    /// - Throws: the backend's error for a topic it does not have.
    func withGroupTopic<Result: Sendable>(_ name: String, _ body: @Sendable (Topic) throws(BrokerError) -> Result) throws(BrokerError) -> Result
    /// The names of the backend's topics (each is then visited with ``withGroupTopic(_:_:)``, under its own
    /// lock).
    func groupTopicNames() -> [String]
    /// Tasks waiting for the groups to become idle; notify them under the lock (see ``IdleWaiters``).
    var idleWaiters: IdleWaiters { get }
    /// Where failures to store dead letters are logged.
    var groupLogger: Logger { get }
    /// The time deadlines, delays and recorded failure times are read from.
    var groupTime: TimeSource { get }
    /// Checks, under the lock, that `group` may join `topic` (the log refuses quarantined groups).
    ///
    /// - Throws: the backend's error saying why not.
    func admit(group: String, to topic: Topic) throws(BrokerError)
    /// Work found under the lock during a take, to start once it is left (the log's loads of events that
    /// are not cached); `nil` for none.
    func workAfterTake(in topic: Topic, name: String) -> (@Sendable () -> Void)?
    /// The object a member keeps for its topic (see ``GroupMember/topicHandle``), or `nil` to have every
    /// member operation look the topic up by name.
    func memberHandle(for topic: Topic) -> (any AnyObject & Sendable)?
    /// Runs `body` with the member's topic under the lock that guards it: through the member's handle when
    /// it has one, else by name.
    ///
    /// - Throws: the backend's error for a topic it does not have.
    func withMemberTopic<Result: Sendable>(_ member: GroupMember, _ body: @Sendable (Topic) throws(BrokerError) -> Result) throws(BrokerError) -> Result
}

extension GroupCoordinator {
    /// Nothing to check by default.
    package func admit(group: String, to topic: Topic) throws(BrokerError) {}

    /// No work by default.
    package func workAfterTake(in topic: Topic, name: String) -> (@Sendable () -> Void)? { nil }

    /// No handle by default: members look their topic up by name.
    package func memberHandle(for topic: Topic) -> (any AnyObject & Sendable)? { nil }

    /// By name, by default.
    package func withMemberTopic<Result: Sendable>(
        _ member: GroupMember,
        _ body: @Sendable (Topic) throws(BrokerError) -> Result
    ) throws(BrokerError) -> Result {
        try withGroupTopic(member.topic, body)
    }

    // MARK: Members

    /// Joins consumer group `group` on `topic`, creating the group positioned by `options`.
    ///
    /// - Throws: ``BrokerError`` for invalid options, an unknown topic, a group the backend refuses, or a
    ///   broker that is shut down.
    package func joinGroup(topic: String, group: String, options: SubscriptionOptions) throws -> Subscription {
        try options.validate(topic: topic, group: group)
        let signal = AsyncSignal()
        let (memberID, handle) = try withGroupTopic(topic) { topicState throws(BrokerError) -> (UInt64, (any AnyObject & Sendable)?) in
            try admit(group: group, to: topicState)
            let id = try topicState.groups.join(group, options: options, logs: topicState.partitionRecords, signal: signal)
            return (id, memberHandle(for: topicState))
        }
        let source = GroupMemberSource(
            broker: self, member: GroupMember(topic: topic, group: group, id: memberID, signal: signal, topicHandle: handle), options: options
        )
        return Subscription(topic: topic, group: group, source: source)
    }

    /// One attempt to find work for a member; dead letters it causes are stored before it returns.
    package func take(for member: GroupMember, limit: Int) async -> TakeOutcome {
        let now = groupTime.now
        let date = groupTime.date
        let found = try? withMemberTopic(member) { topicState throws(BrokerError) -> TakeFound? in
            let logs = topicState.partitionRecords
            guard
                let take = topicState.groups.withLedger(
                    member.group,
                    { ledger in
                        ledger.take(member: member.id, limit: limit, logs: logs, now: now, date: date)
                    })
            else { return nil }
            topicState.groups.wake(take.actions.wake, in: member.group)
            return TakeFound(take: take, work: workAfterTake(in: topicState, name: member.topic))
        }
        guard let found = found ?? nil else { return .closed }
        let take = found.take
        found.work?()
        if !take.actions.deadLetters.isEmpty {
            await storeDeadLetters(take.actions.deadLetters, topic: member.topic, group: member.group)
        }
        return take.outcome
    }

    /// Whether the broker drains the topic's members for a graceful shutdown (a deleted topic counts as not).
    package func isDrainingForShutdown(topic: String) -> Bool {
        (try? withGroupTopic(topic) { topicState throws(BrokerError) in topicState.groups.isDrainingForShutdown }) ?? false
    }

    /// Stops handing deliveries to a member; it can still settle what it holds.
    package func drain(_ member: GroupMember) {
        try? withMemberTopic(member) { topicState throws(BrokerError) in
            _ = topicState.groups.withLedger(member.group) { $0.drain(member.id) }
        }
    }

    /// Removes a member and hands its unsettled deliveries to the others.
    package func leave(_ member: GroupMember) {
        try? withMemberTopic(member) { topicState throws(BrokerError) in
            topicState.groups.leave(member.id, group: member.group, now: groupTime.now)
            idleWaiters.notifyAll()
        }
    }

    // MARK: Settling

    /// Applies a settlement by token; dead letters it causes are stored before it returns. An ack reads no
    /// clock. A stale token changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed.
    package func coordinatedSettle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws {
        if case .ack = settlement {
            try withGroupTopic(topic) { topicState throws(BrokerError) in
                guard topicState.groups.update(group, { $0.acknowledge(token) }) != nil else { throw .unknownGroup(topic: topic, group: group) }
                idleWaiters.notifyAll()
            }
            return
        }
        let now = groupTime.now
        let date = groupTime.date
        let deadLetters = try withGroupTopic(topic) { topicState throws(BrokerError) in
            defer { idleWaiters.notifyAll() }
            guard let deadLetters = topicState.groups.update(group, { $0.settle(token, settlement, now: now, date: date) }) else {
                throw .unknownGroup(topic: topic, group: group)
            }
            return deadLetters
        }
        if !deadLetters.isEmpty {
            await storeDeadLetters(deadLetters, topic: topic, group: group)
        }
    }

    /// Acknowledges several of a member's deliveries in one step.
    package func acknowledge(_ tokens: [DeliveryToken], member: GroupMember) throws(BrokerError) {
        try withMemberTopic(member) { topicState throws(BrokerError) in
            _ = topicState.groups.update(member.group) { $0.acknowledge(tokens) }
            idleWaiters.notifyAll()
        }
    }

    /// Gives back deliveries a member took but never handed out.
    package func release(_ tokens: [DeliveryToken], topic: String, group: String) {
        let now = groupTime.now
        try? withGroupTopic(topic) { topicState throws(BrokerError) in
            _ = topicState.groups.update(group) { $0.release(tokens, now: now) }
        }
    }

    /// Restarts a delivery's ack deadline; a stale token changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed.
    package func coordinatedExtendDeadline(_ token: DeliveryToken, topic: String, group: String) throws(BrokerError) {
        let now = groupTime.now
        try withGroupTopic(topic) { topicState throws(BrokerError) in
            guard topicState.groups.withLedger(group, { $0.extendDeadline(token, now: now) }) != nil else {
                throw .unknownGroup(topic: topic, group: group)
            }
        }
    }

    // MARK: Dead letters

    /// Stores each dead letter in the group's dead-letter topic (created on demand with the origin's
    /// partition count) through the broker's own verbs, and reports back to the group.
    package func storeDeadLetters(_ requests: [DeadLetterRequest], topic: String, group: String) async {
        guard
            let (options, partitions) = try? withGroupTopic(
                topic,
                { topicState throws(BrokerError) in
                    topicState.groups.ledger(group).map { ($0.options, topicState.partitionRecords.count) }
                }) ?? nil
        else { return }
        let deadLetterTopic = options.deadLetterTopic(for: topic, group: group)
        for request in requests {
            let outcome: DeadLetterOutcome
            do {
                let found = try await read(topic: topic, partition: request.partition, from: request.offset, limit: 1)
                if let record = found.first, record.offset == request.offset {
                    try await createDeadLetterTopic(deadLetterTopic, partitions: partitions)
                    _ = try await publish([request.deadLetter(of: record, topic: topic, group: group).encodedEvent], to: deadLetterTopic)
                    outcome = .stored
                } else {
                    outcome = .eventGone
                }
            } catch {
                groupLogger.error(
                    "could not store a dead letter; the event stays in its topic and is retried in a second",
                    metadata: [
                        LogKey.topic: "\(topic)", LogKey.group: "\(group)", LogKey.partition: "\(request.partition.index)",
                        LogKey.offset: "\(request.offset.value)", LogKey.error: "\(error)",
                    ]
                )
                outcome = .failed
            }
            let now = groupTime.now
            try? withGroupTopic(topic) { topicState throws(BrokerError) in
                _ = topicState.groups.update(group) { $0.finishDeadLetter(request, outcome: outcome, now: now) }
                idleWaiters.notifyAll()
            }
        }
    }

    /// Creates the dead-letter topic unless it exists (with any configuration: one the user made is used
    /// as it is).
    private func createDeadLetterTopic(_ name: String, partitions: Int) async throws {
        do {
            try await createTopic(TopicConfiguration(name: name, partitions: partitions, deduplicationWindow: .zero))
        } catch let error as BrokerError where error.isTopicExists {
            return
        }
    }

    // MARK: Admin

    /// Moves a group's position.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed.
    package func seekGroup(_ group: String, on topic: String, to target: SeekTarget) throws(BrokerError) {
        try withGroupTopic(topic) { topicState throws(BrokerError) in
            guard let ledger = topicState.groups.ledger(group) else { throw .unknownGroup(topic: topic, group: group) }
            let targets = Self.targets(of: target, in: topicState, for: ledger)
            _ = topicState.groups.update(group) { $0.seek(to: targets) }
            idleWaiters.notifyAll()
        }
    }

    /// Pauses or resumes a group (see ``BrokerAdmin/pause(group:on:)``).
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed.
    package func setGroupPaused(_ paused: Bool, group: String, on topic: String) throws(BrokerError) {
        try withGroupTopic(topic) { topicState throws(BrokerError) in
            guard topicState.groups.ledger(group) != nil else { throw .unknownGroup(topic: topic, group: group) }
            _ = topicState.groups.update(group) { $0.setPaused(paused) }
            idleWaiters.notifyAll()
        }
    }

    /// A group's lag per partition.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed.
    package func groupLag(_ group: String, on topic: String) throws(BrokerError) -> GroupLag {
        try withGroupTopic(topic) { topicState throws(BrokerError) in
            guard let ledger = topicState.groups.ledger(group) else { throw .unknownGroup(topic: topic, group: group) }
            return ledger.lag(logs: topicState.partitionRecords)
        }
    }

    /// Where one event stands in `group`; `nil` for a partition the topic lacks.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group.
    package func groupDeliveryState(_ group: String, on topic: String, partition: Partition, offset: Offset) throws(BrokerError) -> DeliveryState? {
        let time = groupTime
        return try withGroupTopic(topic) { topicState throws(BrokerError) in
            guard let ledger = topicState.groups.ledger(group) else { throw .unknownGroup(topic: topic, group: group) }
            return ledger.deliveryState(partition: partition, offset: offset, now: time.now, date: time.date)
        }
    }

    /// The consumer groups of a topic, sorted by name, with their members and lag.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic.
    package func groupDescriptions(of topic: String) throws(BrokerError) -> [GroupDescription] {
        try withGroupTopic(topic) { topicState throws(BrokerError) in
            topicState.groups.ledgers.sorted { $0.name < $1.name }.map { ledger in
                GroupDescription(
                    topic: topic,
                    group: ledger.name,
                    options: ledger.options,
                    members: ledger.members.sorted { $0.key < $1.key }.map { id, member in
                        GroupMemberDescription(id: id, prefetch: member.prefetch, inFlight: member.inFlight, isDraining: member.isDraining)
                    },
                    lag: ledger.lag(logs: topicState.partitionRecords),
                    isPaused: ledger.isPaused
                )
            }
        }
    }

    /// Waits until the named groups exist and have acknowledged every event of their topics (every existing
    /// group with `nil`), or `timeout` passes. Events waiting for a delayed redelivery count as not yet
    /// acknowledged.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when the timeout passes.
    package func waitUntilGroupsIdle(_ groups: [GroupReference]?, timeout: Duration) async throws {
        try await idleWaiters.wait(timeout: timeout, time: groupTime) {
            busyGroups(among: groups)
        }
    }

    /// The first half of a graceful shutdown: drains every member (their subscriptions end; what they hold
    /// they still settle) and waits until every one has left, or `timeout` passes. However the program's
    /// services are ordered, consumers finish settling before the broker closes. Logs the groups still
    /// subscribed when the time is up (their unsettled deliveries come again after a restart).
    package func drainMembers(timeout: Duration) async {
        for name in groupTopicNames() {
            try? withGroupTopic(name) { topicState throws(BrokerError) in
                topicState.groups.drainAll()
                idleWaiters.notifyAll()
            }
        }
        do {
            try await idleWaiters.wait(timeout: timeout, time: groupTime) {
                let subscribed = groupTopicNames().flatMap { name in
                    (try? withGroupTopic(name) { topicState throws(BrokerError) in
                        topicState.groups.subscribedGroups.map { "\(name)/\($0.group) (\($0.members) members)" }
                    }) ?? []
                }
                return (subscribed.sorted(), nil)
            }
        } catch {
            groupLogger.error(
                """
                graceful shutdown: subscribers did not leave in time; the broker closes, and what they had not settled is delivered again \
                after a restart. Run the broker before its consumers in the ServiceGroup's services so that they stop first
                """,
                metadata: [LogKey.error: "\(error)"]
            )
        }
    }

    /// The groups among `wanted` (every group with `nil`) that have not acknowledged every event, named
    /// `topic/group`, and when the next redelivery or deadline among them falls due. Each topic is looked at
    /// under its own lock.
    private func busyGroups(among wanted: [GroupReference]?) -> (pending: [String], wakeUp: Moment?) {
        let references =
            wanted
            ?? groupTopicNames().flatMap { name in
                (try? withGroupTopic(name) { topicState throws(BrokerError) in
                    topicState.groups.names.map { GroupReference(topic: name, group: $0) }
                }) ?? []
            }
        var pending: [String] = []
        var wakeUp: Moment?
        for reference in references {
            let status = try? withGroupTopic(reference.topic) { topicState throws(BrokerError) -> (caughtUp: Bool, wakeUp: Moment?)? in
                guard let ledger = topicState.groups.ledger(reference.group) else { return nil }
                return (ledger.isCaughtUp(logs: topicState.partitionRecords), ledger.nextWakeUp)
            }
            guard let status = status ?? nil else {
                pending.append("\(reference) (not subscribed yet)")
                continue
            }
            if !status.caughtUp {
                pending.append(reference.description)
                if let next = status.wakeUp { wakeUp = min(wakeUp ?? next, next) }
            }
        }
        return (pending.sorted(), wakeUp)
    }

    /// The per-partition offsets a seek target resolves to, clamped to what each partition holds.
    private static func targets(of target: SeekTarget, in topic: Topic, for ledger: GroupLedger) -> [Offset] {
        topic.partitionRecords.enumerated().map { index, partition in
            let wanted: Offset
            switch target {
            case .earliest: wanted = partition.startOffset
            case .latest: wanted = partition.endOffset
            case .offset(let offset): wanted = offset
            case .offsets(let offsets): wanted = offsets[Partition(index)] ?? ledger.partitions[index].acknowledgedFloor
            case .time(let date): wanted = topic.firstOffset(partition: index, storedAtOrAfter: date)
            }
            return min(max(wanted, partition.startOffset), partition.endOffset)
        }
    }
}

/// What a take found under the lock: the ledger's answer and work to start after the lock.
private struct TakeFound: Sendable {
    var take: GroupTake
    var work: (@Sendable () -> Void)?
}
