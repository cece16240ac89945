import Logging
import Metrics
import ServiceLifecycle
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
public final class InMemoryBroker: BrokerAdmin, GroupCoordinator {
    private struct State {
        var topics: [String: TopicState] = [:]
        var isShutDown = false
    }

    // Mutex: every operation is a short, non-suspending state change; waiting happens outside it on
    // per-subscriber signals. Lock order: a signal's lock may be taken while this one is held (to wake
    // members), never the other way round.
    private let state = Mutex(State())
    private let logger: Logger
    /// Tasks in ``waitUntilIdle(groups:timeout:)``.
    package let idleWaiters = IdleWaiters()

    /// How long graceful shutdown waits for subscribers to settle and leave.
    public let shutdownGracePeriod: Duration
    /// The time ack deadlines, redelivery delays, de-duplication windows and stored times are read from.
    private let time: TimeSource

    /// Creates an empty broker.
    ///
    /// - Parameters:
    ///   - clock: the clock ack deadlines, redelivery delays and de-duplication windows run on, and stored
    ///     times are read from; default `ContinuousClock` (and the system's wall clock). A test passes a
    ///     manual clock (`ManualClock` in HeraldTesting) and advances it instead of sleeping.
    ///   - shutdownGracePeriod: how long ``run()``'s graceful shutdown waits for subscribers to settle what
    ///     they hold and leave; default 30 seconds (longer than a consumer's own grace period).
    ///   - logger: where retention losses and dead-letter failures are logged.
    public init(
        clock: some Clock<Duration> = ContinuousClock(),
        shutdownGracePeriod: Duration = .seconds(30),
        logger: Logger = Logger(label: "herald.memory")
    ) {
        self.time = TimeSource(clock)
        self.shutdownGracePeriod = shutdownGracePeriod
        self.logger = logger
    }

    /// The broker's time, for its consumer groups.
    package var groupTime: TimeSource { time }

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
        let now = time.now.instant
        let date = time.date.date
        var missed: [(group: String, partition: Partition, count: Int64)] = []
        let receipts = try state.withLock { state throws(BrokerError) in
            if state.isShutDown { throw .closed() }
            guard let topicState = state.topics[topic] else { throw .unknownTopic(topic) }
            let receipts = try topicState.append(events, now: now, date: date, missed: &missed)
            topicState.groups.wakeAll()
            idleWaiters.notifyAll()
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

    // MARK: Consumer groups

    /// Runs `body` with the topic under the broker's lock. - Throws: ``BrokerError/unknownTopic(_:)``.
    package func withGroupTopic<Result: Sendable>(_ name: String, _ body: @Sendable (TopicState) throws(BrokerError) -> Result) throws(BrokerError) -> Result {
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics[name] else { throw .unknownTopic(name) }
            return try body(topicState)
        }
    }

    /// The names of the broker's topics.
    package func groupTopicNames() -> [String] {
        state.withLock { state in Array(state.topics.keys) }
    }

    /// Where dead-letter failures are logged.
    package var groupLogger: Logger { logger }

    /// Joins a consumer group. - Throws: ``BrokerError``.
    public func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Subscription {
        try joinGroup(topic: topic, group: group, options: options)
    }

    /// Moves a group's position. - Throws: ``BrokerError`` for an unknown topic or group.
    public func seek(group: String, on topic: String, to target: SeekTarget) async throws {
        try seekGroup(group, on: topic, to: target)
    }

    /// Pauses a group until resumed. - Throws: ``BrokerError`` for an unknown topic or group.
    public func pause(group: String, on topic: String) async throws {
        try setGroupPaused(true, group: group, on: topic)
    }

    /// Resumes a paused group. - Throws: ``BrokerError`` for an unknown topic or group.
    public func resume(group: String, on topic: String) async throws {
        try setGroupPaused(false, group: group, on: topic)
    }

    /// A group's lag per partition. - Throws: ``BrokerError`` for an unknown topic or group.
    public func lag(group: String, on topic: String) async throws -> GroupLag {
        try groupLag(group, on: topic)
    }

    /// Settles a delivery by its token. - Throws: ``BrokerError`` for an unknown topic or group.
    public func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws {
        try await coordinatedSettle(token, settlement, topic: topic, group: group)
    }

    /// Restarts a delivery's ack deadline by its token. - Throws: ``BrokerError`` for an unknown topic or group.
    public func extendDeadline(_ token: DeliveryToken, topic: String, group: String) throws(BrokerError) {
        try coordinatedExtendDeadline(token, topic: topic, group: group)
    }

    /// Reads stored events of one partition. - Throws: ``BrokerError``.
    public func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent] {
        try withGroupTopic(topic) { topicState throws(BrokerError) in try topicState.read(partition: partition, from: offset, limit: limit) }
    }

    // MARK: Admin

    /// A topic's configuration, retention (its limits; nothing is dropped by age) and partitions, whose
    /// bytes are payload bytes. - Throws: ``BrokerError`` for an unknown topic.
    public func describeTopic(_ topic: String) async throws -> TopicDescription {
        try withGroupTopic(topic) { topicState throws(BrokerError) in
            TopicDescription(
                configuration: topicState.configuration,
                retention: TopicRetention(topicState.configuration),
                partitions: topicState.logs.enumerated().map { index, log in
                    PartitionDescription(partition: Partition(index), startOffset: log.startOffset, endOffset: log.endOffset, bytes: Int64(log.bytes))
                }
            )
        }
    }

    /// The topic's consumer groups with their members and lag. - Throws: ``BrokerError`` for an unknown topic.
    public func describeGroups(of topic: String) async throws -> [GroupDescription] {
        try groupDescriptions(of: topic)
    }

    /// Where one event stands in a group. - Throws: ``BrokerError`` for an unknown topic or group.
    public func deliveryState(group: String, on topic: String, partition: Partition, offset: Offset) async throws -> DeliveryState? {
        try groupDeliveryState(group, on: topic, partition: partition, offset: offset)
    }

    /// Deletes a topic, its events and its groups; subscriptions to it end. - Throws: ``BrokerError`` for
    /// an unknown topic.
    public func deleteTopic(_ topic: String) async throws {
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics.removeValue(forKey: topic) else { throw .unknownTopic(topic) }
            topicState.groups.closeAll()
            idleWaiters.notifyAll()
        }
    }

    // MARK: Idle and lifecycle

    /// Waits until the named groups exist and have acknowledged every event of their topics (or, with
    /// `groups` `nil`, until every existing group has), or `timeout` passes. Events waiting for a delayed
    /// redelivery count as not yet acknowledged.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when the timeout passes.
    public func waitUntilIdle(groups: [GroupReference]? = nil, timeout: Duration = .seconds(10)) async throws {
        try await waitUntilGroupsIdle(groups, timeout: timeout)
    }

    /// Runs until graceful shutdown or cancellation, then closes the broker. On graceful shutdown its
    /// subscriptions end first and it waits, up to `shutdownGracePeriod`, for their subscribers to settle what
    /// they hold and leave, so that no acknowledgement is lost whatever the order of a `ServiceGroup`'s
    /// services.
    public func run() async throws {
        if await waitForGracefulShutdown() {
            await drainMembers(timeout: shutdownGracePeriod)
        }
        close()
    }

    /// Stops the broker: subscriptions end, later calls fail with ``BrokerError/closed()``.
    public func close() {
        state.withLock { state in
            state.isShutDown = true
            for topic in state.topics.values { topic.groups.closeAll() }
            idleWaiters.notifyAll()
        }
    }
}
