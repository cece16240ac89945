/// One member of an in-memory consumer group.
struct InMemorySubscriptionSource: SubscriptionSource {
    let broker: InMemoryBroker
    let topic: String
    let group: String
    let memberID: UInt64
    let signal: AsyncSignal

    func next() async throws -> Delivery? {
        try await broker.nextDelivery(topic: topic, group: group, memberID: memberID, signal: signal)
    }

    func drain() async {
        broker.drain(topic: topic, group: group, memberID: memberID, signal: signal)
    }

    func close() async {
        broker.leave(topic: topic, group: group, memberID: memberID, signal: signal)
    }
}
