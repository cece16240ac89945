import Herald
import NIOCore

/// Bad input gets a clear, typed error.
enum ValidationCases {
    static let all: [BrokerConformance.Case] = [
        .init("unknown topics, oversize events and bad names are refused", badInput),
        .init("an existing topic cannot be redefined", redefine),
        .init("a group that never subscribed and a partition out of range are named as such", unknownGroupAndPartition),
    ]

    static func badInput(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            try await Conformance.expectBrokerError("publish to an unknown topic", { $0.isUnknownTopic }) {
                _ = try await broker.publish(try Conformance.event(1), to: Conformance.uniqueTopic("missing"))
            }
            try await Conformance.expectBrokerError("subscribe to an unknown topic", { $0.isUnknownTopic }) {
                _ = try await broker.subscribe(to: Conformance.uniqueTopic("missing"), group: "g", options: SubscriptionOptions())
            }
            let topic = try await Conformance.makeTopic(broker, "limits") { $0.maximumEventBytes = 1_024 }
            try await Conformance.expectBrokerError("an event over the size limit", { $0.isEventTooLarge }) {
                _ = try await broker.publish(try Conformance.event(1, size: 2_048), to: topic.name)
            }
            // A batch with one oversize event stores nothing.
            let small = try Conformance.event(2)
            try await Conformance.expectBrokerError("a batch holding an oversize event", { $0.isEventTooLarge }) {
                _ = try await broker.publish([small, try Conformance.event(3, size: 4_096)], to: topic.name)
            }
            let stored = try await broker.read(topic: topic.name, partition: 0, from: 0, limit: 10)
            try checkEqual(stored.count, 0, "events stored from a refused batch")
            try await Conformance.expectBrokerError("an invalid topic name", { _ in true }) {
                try await broker.createTopic(TopicConfiguration(name: "bad topic!"))
            }
            try await Conformance.expectBrokerError("zero partitions", { _ in true }) {
                try await broker.createTopic(TopicConfiguration(name: Conformance.uniqueTopic("zero"), partitions: 0))
            }
            try await Conformance.expectBrokerError("an invalid group name", { _ in true }) {
                _ = try await broker.subscribe(to: topic.name, group: "no spaces", options: SubscriptionOptions())
            }
            try await Conformance.expectBrokerError("a prefetch of zero", { _ in true }) {
                _ = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 0))
            }
        }
    }

    static func unknownGroupAndPartition(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "unknowns", partitions: 2)
            try await Conformance.expectBrokerError("lag of a group that never subscribed", { $0.isUnknownGroup && $0.message.contains("never-subscribed") }) {
                _ = try await broker.lag(group: "never-subscribed", on: topic.name)
            }
            try await Conformance.expectBrokerError("seek of a group that never subscribed", { $0.isUnknownGroup }) {
                try await broker.seek(group: "never-subscribed", on: topic.name, to: .earliest)
            }
            try await Conformance.expectBrokerError("a read of partition 2 of a topic of 2", { $0.isUnknownPartition && $0.message.contains("no partition 2") })
            {
                _ = try await broker.read(topic: topic.name, partition: 2, from: 0, limit: 10)
            }
        }
    }

    static func redefine(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "redefine", partitions: 2)
            try await broker.createTopic(topic)  // the same configuration again: no error
            var different = topic
            different.partitions = 3
            try await Conformance.expectBrokerError("a topic redefined with other partitions", { _ in true }) {
                try await broker.createTopic(different)
            }
            try checkEqual(try await broker.topics().first { $0.name == topic.name }?.partitions, 2, "partitions kept")
        }
    }
}
