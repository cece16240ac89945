import Logging
import Metrics
import Synchronization

import struct Foundation.Date

/// A complete broker in process memory: partitioned topics, consumer groups, ack deadlines,
/// redelivery, dead letters, de-duplication, seeking and lag, with every buffer bounded.
///
/// It keeps nothing across restarts of the process; use it in tests and demos, and the embedded log
/// when events must survive. It passes the same conformance suite as every other backend.
///
/// Bounds: a topic holds at most `maximumEvents` events and `maximumBytes` payload bytes. At the bound it
/// first discards the oldest events that every group has acknowledged; if that is not enough it applies the
/// topic's ``TopicConfiguration/OverflowPolicy``. Each subscriber holds at most `prefetch` unsettled
/// deliveries.
public final class InMemoryBroker: Broker, GroupMemberBroker {
    private struct State {
        var topics: [String: TopicState] = [:]
        var nextDeliveryID: UInt64 = 0
        var nextMemberID: UInt64 = 0
        var isShutDown = false
        var idleWaiters: [UInt64: AsyncSignal] = [:]

        func wakeIdleWaiters() {
            for waiter in idleWaiters.values { waiter.notify() }
        }
    }

    // Mutex: every operation is a short, non-suspending state change; waiting happens outside it on
    // per-subscriber signals. Lock order: a signal's lock may be taken while this one is held (to wake
    // members), never the other way round.
    private let state = Mutex(State())
    private let logger: Logger

    /// Creates an empty broker. - Parameter logger: where retention losses and dead-letter failures are logged.
    public init(logger: Logger = Logger(label: "herald.memory")) {
        self.logger = logger
    }

    // MARK: Topics

    /// Creates a topic, or does nothing if an identical one exists. - Throws: ``BrokerError``.
    public func createTopic(_ configuration: TopicConfiguration) async throws {
        try configuration.validate()
        try state.withLock { state throws(BrokerError) in
            if state.isShutDown { throw .closed() }
            if let existing = state.topics[configuration.name] {
                if existing.configuration != configuration { throw .topicExists(configuration.name) }
                return
            }
            state.topics[configuration.name] = TopicState(configuration: configuration)
        }
    }

    /// Every topic's configuration, sorted by name.
    public func topics() async throws -> [TopicConfiguration] {
        state.withLock { state in state.topics.values.map(\.configuration) }.sorted { $0.name < $1.name }
    }

    // MARK: Publishing

    /// Stores events and returns their receipts. - Throws: ``BrokerError``.
    public func publish(_ events: [Event], to topic: String) async throws -> [PublishReceipt] {
        let now = ContinuousClock.now
        let date = Date()
        var missed: [(group: String, partition: Partition, count: Int64)] = []
        let receipts = try state.withLock { state throws(BrokerError) in
            if state.isShutDown { throw .closed() }
            guard let topicState = state.topics[topic] else { throw .unknownTopic(topic) }
            let receipts = try topicState.append(events, now: now, date: date, missed: &missed)
            topicState.wakeMembers()
            state.wakeIdleWaiters()
            return receipts
        }
        for loss in missed {
            reportMissed(topic: topic, group: loss.group, partition: loss.partition, count: loss.count)
        }
        return receipts
    }

    private func reportMissed(topic: String, group: String, partition: Partition, count: Int64) {
        Counter(label: "herald_group_missed_events_total", dimensions: [("topic", topic), ("group", group)])
            .increment(by: count)
        logger.warning(
            "retention removed events the group had not acknowledged; the group moved to the earliest retained event",
            metadata: [
                LogKey.topic: "\(topic)", LogKey.group: "\(group)", LogKey.partition: "\(partition.index)",
                "herald.missed": "\(count)",
            ]
        )
    }

    // MARK: Subscribing

    /// Joins a consumer group. - Throws: ``BrokerError``.
    public func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Subscription {
        try options.validate(topic: topic, group: group)
        let signal = AsyncSignal()
        let memberID = try state.withLock { state throws(BrokerError) in
            if state.isShutDown { throw .closed() }
            guard let topicState = state.topics[topic] else { throw .unknownTopic(topic) }
            state.nextMemberID += 1
            topicState.addGroup(group, options: options).join(state.nextMemberID, signal: signal, prefetch: options.prefetch)
            return state.nextMemberID
        }
        let source = GroupMemberSource(
            broker: self, member: GroupMember(topic: topic, group: group, id: memberID, signal: signal), options: options
        )
        return Subscription(topic: topic, group: group, source: source)
    }

    /// One attempt to find work for a member (dead letters it causes are stored under the same lock).
    package func take(for member: GroupMember, limit: Int) async -> TakeOutcome {
        let now = ContinuousClock.now
        let date = Date()
        return state.withLock { state -> TakeOutcome in
            guard !state.isShutDown, let topicState = state.topics[member.topic], let groupState = topicState.group(member.group)
            else { return .closed }
            var requests: [DeadLetterRequest] = []
            let outcome = groupState.take(
                subscriber: member.id,
                limit: limit,
                logs: topicState.logs,
                now: Moment(now),
                date: WallTime(date),
                nextDeliveryID: &state.nextDeliveryID,
                deadLetters: &requests
            )
            storeDeadLetters(requests, of: groupState, in: &state, now: now, date: date)
            return outcome
        }
    }

    /// Stops handing deliveries to a member; it can still settle what it holds.
    package func drain(_ member: GroupMember) {
        state.withLock { state in
            state.topics[member.topic]?.group(member.group)?.drain(member.id)
        }
    }

    /// Removes a member and hands its unsettled deliveries to the others.
    package func leave(_ member: GroupMember) {
        state.withLock { state in
            guard let groupState = state.topics[member.topic]?.group(member.group), groupState.hasMember(member.id) else { return }
            groupState.leave(member.id, now: .now)
            groupState.wakeMembers()
        }
    }

    // MARK: Settling

    /// Applies a settlement from a delivery of `group` on `topic`.
    package func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) throws(BrokerError) {
        if case .ack = settlement {
            try acknowledge([token], topic: topic, group: group)
            return
        }
        let now = ContinuousClock.now
        let date = Date()
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics[topic] else { throw .unknownTopic(topic) }
            guard let groupState = topicState.group(group) else { return }
            var requests: [DeadLetterRequest] = []
            let wake = groupState.settle(token, settlement, logs: topicState.logs, now: Moment(now), date: WallTime(date), deadLetters: &requests)
            storeDeadLetters(requests, of: groupState, in: &state, now: now, date: date)
            groupState.wake(wake)
            state.wakeIdleWaiters()
        }
    }

    /// Acknowledges several deliveries of `group` on `topic` under one lock.
    package func acknowledge(_ tokens: [DeliveryToken], topic: String, group: String) throws(BrokerError) {
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics[topic] else { throw .unknownTopic(topic) }
            guard let groupState = topicState.group(group) else { return }
            groupState.acknowledge(tokens)
            state.wakeIdleWaiters()
        }
    }

    /// Gives back deliveries a member took but never handed out.
    package func release(_ tokens: [DeliveryToken], topic: String, group: String) {
        state.withLock { state in
            state.topics[topic]?.group(group)?.release(tokens, now: .now)
        }
    }

    /// Restarts a delivery's ack deadline.
    package func extendDeadline(_ token: DeliveryToken, topic: String, group: String) throws(BrokerError) {
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics[topic] else { throw .unknownTopic(topic) }
            topicState.group(group)?.extendDeadline(token, now: .now)
        }
    }

    /// Publishes dead letters to their topics (creating them as needed), wakes those topics' members and
    /// reports back to the group.
    private func storeDeadLetters(
        _ requests: [DeadLetterRequest],
        of group: ConsumerGroupState,
        in state: inout State,
        now: ContinuousClock.Instant,
        date: Date
    ) {
        guard !requests.isEmpty else { return }
        let name = group.options.deadLetterTopic(for: group.topic, group: group.name)
        for request in requests {
            do throws(BrokerError) {
                let topicState = try deadLetterTopic(name, origin: group.topic, in: &state)
                var missed: [(group: String, partition: Partition, count: Int64)] = []
                _ = try topicState.append([request.deadLetter.encodedEvent], now: now, date: date, missed: &missed)
                group.finishDeadLetter(request, stored: true, now: Moment(now))
                topicState.wakeMembers()
            } catch {
                logger.error(
                    "could not store a dead letter; the event stays in its topic and is retried in a second",
                    metadata: [
                        LogKey.topic: "\(group.topic)", LogKey.group: "\(group.name)",
                        LogKey.offset: "\(request.offset.value)", LogKey.error: "\(error.message)",
                    ]
                )
                group.finishDeadLetter(request, stored: false, now: Moment(now))
            }
        }
    }

    private func deadLetterTopic(_ name: String, origin: String, in state: inout State) throws(BrokerError) -> TopicState {
        if let existing = state.topics[name] { return existing }
        let partitions = state.topics[origin]?.configuration.partitions ?? 1
        let configuration = TopicConfiguration(name: name, partitions: partitions, deduplicationWindow: .zero)
        try configuration.validate()
        let topicState = TopicState(configuration: configuration)
        state.topics[name] = topicState
        return topicState
    }

    // MARK: Admin

    /// Moves a group's position. - Throws: ``BrokerError`` for an unknown topic or group.
    public func seek(group: String, on topic: String, to target: SeekTarget) async throws {
        try state.withLock { state throws(BrokerError) in
            let (topicState, groupState) = try ConsumerGroupAdmin.lookup(state.topics, topic: topic, group: group)
            let targets = ConsumerGroupAdmin.targets(of: target, in: topicState, for: groupState) { index, date in
                topicState.logs[index].firstOffset(storedAtOrAfter: date)
            }
            groupState.seek(to: targets)
            groupState.wakeMembers()
            state.wakeIdleWaiters()
        }
    }

    /// A group's lag per partition. - Throws: ``BrokerError`` for an unknown topic or group.
    public func lag(group: String, on topic: String) async throws -> GroupLag {
        try state.withLock { state throws(BrokerError) in
            let (topicState, groupState) = try ConsumerGroupAdmin.lookup(state.topics, topic: topic, group: group)
            return groupState.lag(logs: topicState.logs)
        }
    }

    /// Reads stored events of one partition. - Throws: ``BrokerError``.
    public func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent] {
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics[topic] else { throw .unknownTopic(topic) }
            return try topicState.read(partition: partition, from: offset, limit: limit)
        }
    }

    /// The names of the consumer groups of a topic. - Throws: ``BrokerError`` for an unknown topic.
    public func groups(of topic: String) throws -> [String] {
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics[topic] else { throw .unknownTopic(topic) }
            return topicState.groupNames
        }
    }

    // MARK: Idle and shutdown

    /// Waits until the named groups exist and have acknowledged every event of their topics (or, with
    /// `groups` `nil`, until every existing group has), or `timeout` passes. Events waiting for a delayed
    /// redelivery count as not yet acknowledged.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when the timeout passes.
    public func waitUntilIdle(groups: [GroupReference]? = nil, timeout: Duration = .seconds(10)) async throws {
        let signal = AsyncSignal()
        let id = state.withLock { state in
            state.nextMemberID += 1
            state.idleWaiters[state.nextMemberID] = signal
            return state.nextMemberID
        }
        defer { state.withLock { _ = $0.idleWaiters.removeValue(forKey: id) } }
        try await ConsumerGroupAdmin.waitUntilIdle(timeout: timeout, signal: signal) {
            state.withLock { ConsumerGroupAdmin.busyGroups(in: $0.topics, among: groups) }
        }
    }

    /// Stops the broker: subscriptions end, later calls fail with ``BrokerError/closed()``.
    public func shutdown() {
        state.withLock { state in
            state.isShutDown = true
            for topic in state.topics.values { topic.wakeMembers() }
            state.wakeIdleWaiters()
        }
    }
}
