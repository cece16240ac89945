/// Settles the in-memory deliveries of one group. A class, made once per subscription, so that each
/// ``Delivery`` holds a reference rather than a boxed copy.
final class GroupAcknowledger: DeliveryAcknowledger {
    let broker: InMemoryBroker
    let topic: String
    let group: String

    init(broker: InMemoryBroker, topic: String, group: String) {
        self.broker = broker
        self.topic = topic
        self.group = group
    }

    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        try broker.settle(token, settlement, topic: topic, group: group)
    }

    func extendDeadline(_ token: DeliveryToken) async throws {
        try broker.extendDeadline(token, topic: topic, group: group)
    }
}
