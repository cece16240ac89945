import Herald
import NIOCore
import ServiceLifecycle

/// A broker that plays a ``FaultPlan`` on top of any other (the in-memory broker in a verification):
/// deliveries handed out twice or in storms, acknowledgements lost after the handler's side effects,
/// settlements of a crashed consumer instance lost; and every event a handler publishes recorded as its
/// side effect (a crash may follow it). Everything else passes through to `base`.
public struct FaultInjectingBroker: BrokerAdmin {
    /// The broker underneath.
    public let base: any BrokerAdmin
    /// The faults played.
    public let plan: FaultPlan
    private let journal: RunJournal?

    /// A broker playing `plan` over `base`.
    public init(base: any BrokerAdmin, plan: FaultPlan) {
        self.init(base: base, plan: plan, journal: nil)
    }

    /// A broker playing the plan of `journal` over `base`, recording into it the side effects of
    /// publishing handlers.
    init(base: any BrokerAdmin, journal: RunJournal) {
        self.init(base: base, plan: journal.plan, journal: journal)
    }

    private init(base: any BrokerAdmin, plan: FaultPlan, journal: RunJournal?) {
        self.base = base
        self.plan = plan
        self.journal = journal
    }

    /// Runs `base`.
    public func run() async throws { try await base.run() }

    /// Creates a topic on `base`.
    public func createTopic(_ configuration: TopicConfiguration) async throws { try await base.createTopic(configuration) }

    /// `base`'s topics.
    public func topics() async throws -> [TopicConfiguration] { try await base.topics() }

    /// Publishes to `base`; inside a handler, records each event published for the first time (by source
    /// and id) as a side effect, and may crash the consumer right after.
    public func publish(_ events: [Event], to topic: String) async throws -> [PublishReceipt] {
        let receipts = try await base.publish(events, to: topic)
        guard let journal, HandlingAttribution.current != nil else { return receipts }
        // The same event again (same source and id: recognised by the broker within its window, by
        // consumers after it) is no second effect.
        for (event, receipt) in zip(events, receipts) where !receipt.isDuplicate && journal.isFirstPublish(of: event, to: topic) {
            let data = event.data.map { String(buffer: $0) } ?? ""
            journal.record(target: "publish \(topic)", effect: "\(event.type) \(data)", key: event.partitionKey)
        }
        if let last = events.last, let receipt = receipts.last {
            let stored = storedPosition(topic: receipt.topic, partition: receipt.partition, offset: receipt.offset)
            try journal.crashIfPlanned(after: "publish \(topic): \(last.type) at \(stored)", attempt: HandlingAttribution.current?.attempt ?? 1)
        }
        return receipts
    }

    /// Subscribes on `base` and plays the plan's delivery faults on what it hands out.
    public func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Subscription {
        let inner = try await base.subscribe(to: topic, group: group, options: options)
        let source = FaultInjectingSubscription(inner: inner, plan: plan, instance: ConsumerInstance.current)
        return Subscription(topic: topic, group: group, source: source)
    }

    /// Seeks on `base`.
    public func seek(group: String, on topic: String, to target: SeekTarget) async throws { try await base.seek(group: group, on: topic, to: target) }

    /// `base`'s lag.
    public func lag(group: String, on topic: String) async throws -> GroupLag { try await base.lag(group: group, on: topic) }

    /// Reads from `base`.
    public func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent] {
        try await base.read(topic: topic, partition: partition, from: offset, limit: limit)
    }

    /// Settles on `base`.
    public func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws {
        try await base.settle(token, settlement, topic: topic, group: group)
    }

    /// Extends a deadline on `base`.
    public func extendDeadline(_ token: DeliveryToken, topic: String, group: String) async throws {
        try await base.extendDeadline(token, topic: topic, group: group)
    }

    /// Waits on `base`.
    public func waitUntilIdle(groups: [GroupReference]?, timeout: Duration) async throws { try await base.waitUntilIdle(groups: groups, timeout: timeout) }

    /// Closes `base`.
    public func close() async throws { try await base.close() }

    /// Describes a topic of `base`.
    public func describeTopic(_ topic: String) async throws -> TopicDescription { try await base.describeTopic(topic) }

    /// Describes groups of `base`.
    public func describeGroups(of topic: String) async throws -> [GroupDescription] { try await base.describeGroups(of: topic) }
    /// The wrapped broker's answer.
    public func deliveryState(group: String, on topic: String, partition: Partition, offset: Offset) async throws -> DeliveryState? {
        try await base.deliveryState(group: group, on: topic, partition: partition, offset: offset)
    }

    /// Deletes a topic of `base`.
    public func deleteTopic(_ topic: String) async throws { try await base.deleteTopic(topic) }

    /// Pauses a group on `base`.
    public func pause(group: String, on topic: String) async throws { try await base.pause(group: group, on: topic) }

    /// Resumes a group on `base`.
    public func resume(group: String, on topic: String) async throws { try await base.resume(group: group, on: topic) }
}
