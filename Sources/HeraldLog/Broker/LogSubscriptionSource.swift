/// One member of a log consumer group.
import Herald

struct LogSubscriptionSource: SubscriptionSource {
    let broker: LogBroker
    let topic: String
    let group: String
    let memberID: UInt64
    let signal: AsyncSignal
    let acknowledger: LogGroupAcknowledger

    init(broker: LogBroker, topic: String, group: String, memberID: UInt64, signal: AsyncSignal) {
        self.broker = broker
        self.topic = topic
        self.group = group
        self.memberID = memberID
        self.signal = signal
        self.acknowledger = LogGroupAcknowledger(broker: broker, topic: topic, group: group)
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

/// Settles the log deliveries of one group; made once per subscription.
final class LogGroupAcknowledger: DeliveryAcknowledger {
    let broker: LogBroker
    let topic: String
    let group: String

    init(broker: LogBroker, topic: String, group: String) {
        self.broker = broker
        self.topic = topic
        self.group = group
    }

    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        try await broker.settle(token, settlement, topic: topic, group: group)
    }

    func extendDeadline(_ token: DeliveryToken) async throws {
        try broker.extendDeadline(token, topic: topic, group: group)
    }
}
