import Synchronization

/// What a broker built on ``GroupLedger`` (through ``GroupCoordinator``) does for one member of a consumer group. The in-memory
/// broker and the embedded log conform; ``GroupMemberSource`` and ``GroupMemberAcknowledger`` turn it into a
/// ``Subscription`` and deliveries' verbs.
package protocol GroupMemberBroker: AnyObject, Sendable {
    /// One attempt to find work for the member: up to `limit` records to hand out, how long to wait, or
    /// that it is closed.
    func take(for member: GroupMember, limit: Int) async -> TakeOutcome
    /// Stops handing the member deliveries; it can still settle what it holds.
    func drain(_ member: GroupMember)
    /// Removes the member and hands its unsettled deliveries to the others.
    func leave(_ member: GroupMember)
    /// Applies a settlement of one of the group's deliveries.
    func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws
    /// Acknowledges several of a member's deliveries in one step.
    func acknowledge(_ tokens: [DeliveryToken], member: GroupMember) throws
    /// Restarts a delivery's ack deadline.
    func extendDeadline(_ token: DeliveryToken, topic: String, group: String) throws
    /// Gives back deliveries the member took but never handed to its consumer: they are due again at
    /// once, and the attempt they counted is taken back.
    func release(_ tokens: [DeliveryToken], topic: String, group: String)
    /// Whether the broker drains the topic's members for a graceful shutdown.
    func isDrainingForShutdown(topic: String) -> Bool
    /// The time deadlines and delays are measured in: members wait on it.
    var groupTime: TimeSource { get }
}

/// One member of a consumer group, as its broker knows it.
package struct GroupMember: Sendable {
    /// The topic.
    package let topic: String
    /// The consumer group.
    package let group: String
    /// The member's id within its broker.
    package let id: UInt64
    /// Wakes the member when a change may have given it work.
    package let signal: AsyncSignal
    /// The backend's object for the topic, when it can be kept: the member's operations then go to it
    /// without looking the topic up by name each time (see ``GroupCoordinator/withMemberTopic(_:_:)``).
    package let topicHandle: (any AnyObject & Sendable)?

    /// Creates a member.
    package init(topic: String, group: String, id: UInt64, signal: AsyncSignal, topicHandle: (any AnyObject & Sendable)? = nil) {
        self.topic = topic
        self.group = group
        self.id = id
        self.signal = signal
        self.topicHandle = topicHandle
    }
}

/// The subscription engine of one group member.
package struct GroupMemberSource: SubscriptionSource {
    let broker: any GroupMemberBroker
    let member: GroupMember
    let acknowledger: GroupMemberAcknowledger
    private let fairness = Fairness()
    /// Deliveries taken ahead for ``next()``.
    private let readAhead: ReadAhead

    /// Says when a member that keeps finding work should yield: once ``Fairness/interval`` has passed
    /// since it last did, on the broker's clock. (Yielding after a fixed number of deliveries cost a thread
    /// wake-up per batch.) On a simulated clock, which stands still while tasks run, it never says so, and
    /// a seeded simulation stays the same from run to run.
    private final class Fairness: Sendable {
        static let interval = Duration.milliseconds(2)
        // Atomic: whichever task iterates the subscription reads and moves the time of the last yield.
        private let lastYield = Atomic<Int64>(0)

        func shouldYield(at moment: Moment) -> Bool {
            let now = Self.nanoseconds(moment.sinceOrigin)
            let last = lastYield.load(ordering: .relaxed)
            guard now - last >= Self.nanoseconds(Self.interval) else { return false }
            lastYield.store(now, ordering: .relaxed)
            return true
        }

        private static func nanoseconds(_ duration: Duration) -> Int64 {
            let (seconds, attoseconds) = duration.components
            return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        }
    }

    /// The engine of `member` of `broker`, subscribed with `options`; ``next()`` takes deliveries ahead
    /// within bounds set by them (see ``ReadAhead``).
    package init(broker: any GroupMemberBroker, member: GroupMember, options: SubscriptionOptions) {
        self.broker = broker
        self.member = member
        self.acknowledger = GroupMemberAcknowledger(broker: broker, member: member)
        self.readAhead = ReadAhead(for: options, time: broker.groupTime)
    }

    /// The member's next delivery: from those taken ahead if any, else from the broker (with a few more
    /// taken ahead when the consumer has been keeping up).
    package func next() async throws -> Delivery? {
        try await readAhead.next(
            giveBack: { broker.release($0.map(\.token), topic: member.topic, group: member.group) },
            take: { try await take(upTo: $0) }
        )
    }

    /// Up to `maximum` deliveries, waiting for the first: deliveries taken ahead by ``next()`` first.
    package func next(upTo maximum: Int) async throws -> [Delivery] {
        try await readAhead.next(upTo: maximum) { try await take(upTo: $0) }
    }

    /// Up to `maximum` deliveries from the broker, waiting for the first.
    private func take(upTo maximum: Int) async throws -> [Delivery] {
        while true {
            try Task.checkCancellation()
            switch await broker.take(for: member, limit: maximum) {
            case .dispatched(let records):
                // A consumer reading a backlog never suspends while events are ready; it steps aside now and
                // then so that it cannot hold a Swift concurrency thread (of which there are only as many
                // as cores) away from every other task of the process.
                if fairness.shouldYield(at: broker.groupTime.now) { await Task.yield() }
                return records.map { delivery($0) }
            case .closed:
                return []
            case .wait(let deadline):
                await member.signal.wait(until: deadline, on: broker.groupTime)
            }
        }
    }

    private func delivery(_ dispatched: DispatchedRecord) -> Delivery {
        Delivery(
            event: dispatched.record.event,
            topic: member.topic,
            group: member.group,
            partition: dispatched.record.partition,
            offset: dispatched.record.offset,
            attempt: dispatched.attempt,
            firstDeliveredAt: dispatched.firstDeliveredAt.date,
            storedAt: dispatched.record.storedAt,
            token: dispatched.token,
            acknowledger: acknowledger
        )
    }

    /// Whether the subscription ended because the broker drains its members for a graceful shutdown.
    package var endedByBrokerShutdown: Bool {
        get async { broker.isDrainingForShutdown(topic: member.topic) }
    }

    /// Stops new deliveries; held ones can still be settled. Deliveries taken ahead but not handed out
    /// are given back.
    package func drain() async {
        broker.drain(member)
        releaseReadAhead()
        member.signal.notify()
    }

    /// Leaves the group, releasing unsettled deliveries (those taken ahead but not handed out without
    /// counting an attempt).
    package func close() async {
        releaseReadAhead()
        broker.leave(member)
        member.signal.notify()
    }

    private func releaseReadAhead() {
        let unseen = readAhead.removeAll()
        if !unseen.isEmpty {
            broker.release(unseen.map(\.token), topic: member.topic, group: member.group)
        }
    }
}

/// Settles the deliveries of one group; made once per subscription, so each ``Delivery`` holds a reference
/// rather than a boxed copy.
package final class GroupMemberAcknowledger: DeliveryAcknowledger {
    let broker: any GroupMemberBroker
    let member: GroupMember
    var topic: String { member.topic }
    var group: String { member.group }

    init(broker: any GroupMemberBroker, member: GroupMember) {
        self.broker = broker
        self.member = member
    }

    /// Settles a delivery through the broker.
    package func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        try await broker.settle(token, settlement, topic: topic, group: group)
    }

    /// Settles several deliveries; acknowledgements go to the broker in one step.
    package func settle(_ tokens: [DeliveryToken], _ settlement: Settlement) async throws {
        guard case .ack = settlement else {
            for token in tokens { try await broker.settle(token, settlement, topic: topic, group: group) }
            return
        }
        try broker.acknowledge(tokens, member: member)
    }

    /// Restarts a delivery's deadline through the broker.
    package func extendDeadline(_ token: DeliveryToken) async throws {
        try broker.extendDeadline(token, topic: topic, group: group)
    }

    /// This object: every delivery of the subscription shares it, so a batch of them is acknowledged in
    /// one step.
    package var batchIdentity: ObjectIdentifier? { ObjectIdentifier(self) }
}
