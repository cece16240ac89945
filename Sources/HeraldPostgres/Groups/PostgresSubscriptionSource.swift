import Herald
import Synchronization

/// A subscription to a group on PostgreSQL: each take is one transaction that leases deliveries; between
/// takes it waits for a notification, the next due redelivery or deadline, or the poll interval. `next()`
/// takes a batch ahead (``ReadAhead``) so that a consumer handling one delivery at a time does not pay one
/// transaction each; deliveries that wait there too long go back without counting as an attempt.
struct PostgresSubscriptionSource: SubscriptionSource {
    let broker: PostgresBroker
    let member: PostgresMember
    let acknowledger: PostgresAcknowledger
    private let draining = DrainFlag()
    private let readAhead: ReadAhead

    init(broker: PostgresBroker, member: PostgresMember, options: SubscriptionOptions) {
        self.broker = broker
        self.member = member
        self.acknowledger = PostgresAcknowledger(broker: broker, topic: member.topic, group: member.group)
        // A take is a transaction of several statements: up to 512 deliveries each (at most half the
        // prefetch) cost an eighth of the round trips of the default 64.
        self.readAhead = ReadAhead(for: options, largestBatch: 512, prefetchShare: 0.5)
    }

    /// Whether the subscription was drained or closed. Atomic: `drain()` may run on another task than `next()`.
    private final class DrainFlag: Sendable {
        private let value = Atomic<Bool>(false)
        func load() -> Bool { value.load(ordering: .relaxed) }
        func set() { value.store(true, ordering: .relaxed) }
    }

    func next() async throws -> Delivery? {
        try await readAhead.next(
            giveBack: { await broker.giveBack($0.map(\.token), topic: member.topic, group: member.group) },
            take: { try await take(upTo: $0) }
        )
    }

    func next(upTo maximum: Int) async throws -> [Delivery] {
        try await readAhead.next(upTo: maximum) { try await take(upTo: $0) }
    }

    private func take(upTo maximum: Int) async throws -> [Delivery] {
        guard maximum > 0 else { return [] }
        while true {
            try Task.checkCancellation()
            if draining.load() || broker.isDrainingOrClosed { return [] }
            switch try await broker.take(for: member, limit: maximum) {
            case .taken(let records):
                return records.map { record in
                    Delivery(
                        event: record.stored.event, topic: member.topic, group: member.group, partition: record.stored.partition,
                        offset: record.stored.offset, attempt: record.attempt, firstDeliveredAt: record.firstDeliveredAt,
                        storedAt: record.stored.storedAt, token: record.token, acknowledger: acknowledger
                    )
                }
            case .ended:
                return []
            case .wait(let seconds):
                let limit = min(broker.options.pollInterval, seconds.map { .milliseconds(max(1, Int64(($0 * 1_000).rounded(.up)))) } ?? .seconds(3_600))
                await member.signal.wait(until: ContinuousClock.now + limit)
            }
        }
    }

    func drain() async {
        draining.set()
        await giveBackReadAhead()
        member.signal.notify()
    }

    func close() async {
        draining.set()
        await giveBackReadAhead()
        await broker.leave(member)
        member.signal.notify()
    }

    /// What the consumer never saw goes back to the group without counting as an attempt.
    private func giveBackReadAhead() async {
        let unseen = readAhead.removeAll()
        if !unseen.isEmpty { await broker.giveBack(unseen.map(\.token), topic: member.topic, group: member.group) }
    }

    var endedByBrokerShutdown: Bool {
        get async { broker.state.withLock { $0.isDraining } }
    }
}

/// Settles deliveries of one group through the broker, by token.
final class PostgresAcknowledger: DeliveryAcknowledger {
    let broker: PostgresBroker
    let topic: String
    let group: String

    init(broker: PostgresBroker, topic: String, group: String) {
        self.broker = broker
        self.topic = topic
        self.group = group
    }

    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        if case .ack = settlement {
            try await broker.acknowledgeFromSubscription([token], topic: topic, group: group)
        } else {
            try await broker.settle(token, settlement, topic: topic, group: group)
        }
    }

    func settle(_ tokens: [DeliveryToken], _ settlement: Settlement) async throws {
        guard case .ack = settlement else {
            for token in tokens { try await broker.settle(token, settlement, topic: topic, group: group) }
            return
        }
        try await broker.acknowledgeFromSubscription(tokens, topic: topic, group: group)
    }

    func extendDeadline(_ token: DeliveryToken) async throws {
        try await broker.extendDeadline(token, topic: topic, group: group)
    }

    var batchIdentity: ObjectIdentifier? { ObjectIdentifier(self) }
}
