/// What a broker built on ``ConsumerGroupState`` does for one member of a consumer group. The in-memory
/// broker and the embedded log conform; ``GroupMemberSource`` and ``GroupMemberAcknowledger`` turn it into a
/// ``Subscription`` and deliveries' verbs.
package protocol GroupMemberBroker: AnyObject, Sendable {
    /// One attempt to find work for the member: a record to hand out, how long to wait, or that it is closed.
    func take(for member: GroupMember) async -> TakeOutcome
    /// Stops handing the member deliveries; it can still settle what it holds.
    func drain(_ member: GroupMember)
    /// Removes the member and hands its unsettled deliveries to the others.
    func leave(_ member: GroupMember)
    /// Applies a settlement of one of the group's deliveries.
    func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws
    /// Restarts a delivery's ack deadline.
    func extendDeadline(_ token: DeliveryToken, topic: String, group: String) throws
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

    /// Creates a member.
    package init(topic: String, group: String, id: UInt64, signal: AsyncSignal) {
        self.topic = topic
        self.group = group
        self.id = id
        self.signal = signal
    }
}

/// The subscription engine of one group member.
package struct GroupMemberSource: SubscriptionSource {
    let broker: any GroupMemberBroker
    let member: GroupMember
    let acknowledger: GroupMemberAcknowledger

    /// The engine of `member` of `broker`.
    package init(broker: any GroupMemberBroker, member: GroupMember) {
        self.broker = broker
        self.member = member
        self.acknowledger = GroupMemberAcknowledger(broker: broker, topic: member.topic, group: member.group)
    }

    /// The member's next delivery.
    package func next() async throws -> Delivery? {
        while true {
            try Task.checkCancellation()
            let outcome = await broker.take(for: member)
            switch outcome {
            case .dispatched:
                return outcome.delivery(topic: member.topic, group: member.group, acknowledger: acknowledger)
            case .closed:
                return nil
            case .wait(let deadline):
                await member.signal.wait(until: deadline)
            }
        }
    }

    /// Stops new deliveries; held ones can still be settled.
    package func drain() async {
        broker.drain(member)
        member.signal.notify()
    }

    /// Leaves the group, releasing unsettled deliveries.
    package func close() async {
        broker.leave(member)
        member.signal.notify()
    }
}

/// Settles the deliveries of one group; made once per subscription, so each ``Delivery`` holds a reference
/// rather than a boxed copy.
package final class GroupMemberAcknowledger: DeliveryAcknowledger {
    let broker: any GroupMemberBroker
    let topic: String
    let group: String

    init(broker: any GroupMemberBroker, topic: String, group: String) {
        self.broker = broker
        self.topic = topic
        self.group = group
    }

    /// Settles a delivery through the broker.
    package func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        try await broker.settle(token, settlement, topic: topic, group: group)
    }

    /// Restarts a delivery's deadline through the broker.
    package func extendDeadline(_ token: DeliveryToken) async throws {
        try broker.extendDeadline(token, topic: topic, group: group)
    }
}

extension TakeOutcome {
    /// The delivery a dispatched outcome stands for, settled through `acknowledger`; `nil` otherwise.
    package func delivery(topic: String, group: String, acknowledger: GroupMemberAcknowledger) -> Delivery? {
        guard case .dispatched(let record, let attempt, let firstDeliveredAt, let token) = self else { return nil }
        return Delivery(
            event: record.event,
            topic: topic,
            group: group,
            partition: record.partition,
            offset: record.offset,
            attempt: attempt,
            firstDeliveredAt: firstDeliveredAt,
            storedAt: record.storedAt,
            token: token,
            acknowledger: acknowledger
        )
    }
}
