/// One member of an in-memory consumer group.
struct InMemorySubscriptionSource: SubscriptionSource {
    let broker: InMemoryBroker
    let topic: String
    let group: String
    let memberID: UInt64
    let signal: AsyncSignal
    let acknowledger: GroupAcknowledger

    init(broker: InMemoryBroker, topic: String, group: String, memberID: UInt64, signal: AsyncSignal) {
        self.broker = broker
        self.topic = topic
        self.group = group
        self.memberID = memberID
        self.signal = signal
        self.acknowledger = GroupAcknowledger(broker: broker, topic: topic, group: group)
    }

    func next() async throws -> Delivery? {
        try await broker.nextDelivery(topic: topic, group: group, memberID: memberID, signal: signal, acknowledger: acknowledger)
    }

    func drain() async {
        broker.drain(topic: topic, group: group, memberID: memberID, signal: signal)
    }

    func close() async {
        broker.leave(topic: topic, group: group, memberID: memberID, signal: signal)
    }
}
