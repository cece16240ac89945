/// Settles the in-memory deliveries of one group.
struct GroupAcknowledger: DeliveryAcknowledger {
    let broker: InMemoryBroker
    let topic: String
    let group: String

    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        try broker.settle(token, settlement, topic: topic, group: group)
    }

    func extendDeadline(_ token: DeliveryToken) async throws {
        try broker.extendDeadline(token, topic: topic, group: group)
    }
}
