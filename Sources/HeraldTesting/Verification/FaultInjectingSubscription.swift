import Herald
import Synchronization

/// A subscription that plays a plan's delivery faults: copies of a delivery handed out right after it
/// (their settlements go nowhere: the broker's copy is the one that counts), and acknowledgements lost.
final class FaultInjectingSubscription: SubscriptionSource {
    private let inner: Subscription
    private let plan: FaultPlan
    private let instance: ConsumerInstance?
    // Mutex: copies waiting to be handed out; `next()` may be called from the consumer's tasks.
    private let copies = Mutex<[Delivery]>([])

    /// How many copies a redelivery storm hands out.
    static let stormCopies = 3

    init(inner: Subscription, plan: FaultPlan, instance: ConsumerInstance?) {
        self.inner = inner
        self.plan = plan
        self.instance = instance
    }

    func next() async throws -> Delivery? {
        if let copy = copies.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return copy }
        guard let delivery = try await inner.next() else { return nil }
        // Where the event is stored names it in fault sites: ids of events handlers publish may be random,
        // positions follow from the seeded schedule.
        let id = Self.position(of: delivery)
        var extra: [Delivery] = []
        if plan.strikes(FaultSite(action: "duplicate", subject: id, attempt: delivery.attempt), for: .duplicateDelivery) {
            extra.append(copy(of: delivery, number: 1))
        }
        if plan.strikes(FaultSite(action: "storm", subject: id, attempt: delivery.attempt), for: .redeliveryStorm) {
            extra += (1...Self.stormCopies).map { copy(of: delivery, number: $0) }
        }
        if !extra.isEmpty { copies.withLock { $0 += extra } }
        return Delivery(
            event: delivery.event, topic: delivery.topic, group: delivery.group, partition: delivery.partition, offset: delivery.offset,
            attempt: delivery.attempt, firstDeliveredAt: delivery.firstDeliveredAt, storedAt: delivery.storedAt, token: delivery.token,
            acknowledger: FaultInjectingAcknowledger(delivery: delivery, plan: plan, instance: instance))
    }

    func next(upTo maximum: Int) async throws -> [Delivery] {
        guard let delivery = try await next() else { return [] }
        return [delivery]
    }

    func drain() async { await inner.drain() }

    func close() async { await inner.close() }

    var endedByBrokerShutdown: Bool {
        get async { await inner.endedByBrokerShutdown }
    }

    /// `topic/partition@offset`.
    static func position(of delivery: Delivery) -> String {
        storedPosition(topic: delivery.topic, partition: delivery.partition, offset: delivery.offset)
    }

    private func copy(of delivery: Delivery, number: Int) -> Delivery {
        Delivery(
            event: delivery.event, topic: delivery.topic, group: delivery.group, partition: delivery.partition, offset: delivery.offset,
            attempt: delivery.attempt + number, firstDeliveredAt: delivery.firstDeliveredAt, storedAt: delivery.storedAt, token: delivery.token,
            acknowledger: DiscardingAcknowledger())
    }
}

/// Settles a delivery through the broker unless the plan loses the acknowledgement or the consumer
/// instance holding it crashed.
private struct FaultInjectingAcknowledger: DeliveryAcknowledger {
    let delivery: Delivery
    let plan: FaultPlan
    let instance: ConsumerInstance?

    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        if instance?.isCrashed == true { return }
        switch settlement {
        case .ack:
            let site = FaultSite(action: "lose ack of", subject: FaultInjectingSubscription.position(of: delivery), attempt: delivery.attempt)
            if plan.strikes(site, for: .lostAcknowledgement) { return }
            try await delivery.ack()
        case .nack(let retryAfter, let failure):
            try await delivery.nack(retryAfter: retryAfter, failure: failure)
        case .reject(let failure):
            try await delivery.reject(failure: failure)
        }
    }

    func extendDeadline(_ token: DeliveryToken) async throws {
        if instance?.isCrashed == true { return }
        try await delivery.inProgress()
    }
}

/// The settlements of a copy: nowhere.
private struct DiscardingAcknowledger: DeliveryAcknowledger {
    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {}
    func extendDeadline(_ token: DeliveryToken) async throws {}
}
