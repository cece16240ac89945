import Foundation
import Herald

/// The admin protocol, settlement by token and the idle wait.
enum AdminCases {
    static let all: [BrokerConformance.Case] = [
        .init("a topic is described with its partitions, offsets, sizes and retention", describeTopic),
        .init("a topic's groups are described with their settings, members and lag", describeGroups),
        .init("a deleted topic is gone with its events and groups; one created again under its name starts empty", deleteTopic),
        .init("a group's dead letters are listed and read back with their failures", deadLetters),
        .init("deliveries are settled by their token alone, through the broker", settleByToken),
        .init("the idle wait returns once every event is acknowledged and names what is pending when it times out", idleWait),
        .init("a paused group hands out nothing until resumed, and what it holds still settles", pauseAndResume),
        .init("an event's delivery state follows it: not delivered, in flight to its member, awaiting redelivery, acknowledged", deliveryState),
    ]

    static func deliveryState(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "state", partitions: 1)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 1))
            _ = try await broker.publish(try Conformance.events(2), to: topic.name)
            let first = try await Conformance.next(subscription, environment, "the first delivery")
            guard let held = try await broker.deliveryState(group: "g", on: topic.name, partition: first.partition, offset: first.offset) else {
                // The backend does not track single deliveries: it says so for every event.
                let other = try await broker.deliveryState(group: "g", on: topic.name, partition: first.partition, offset: Offset(first.offset.value + 1))
                try check(other == nil, "a backend without delivery states answers nil for every event")
                try await first.ack()
                await subscription.close()
                return
            }
            guard case .inFlight(_, let deadline) = held.status else { throw ConformanceFailure("the delivered event is in flight; it is \(held.status)") }
            try check(deadline > Date().addingTimeInterval(-1), "the deadline \(deadline) is ahead of the delivery")
            try checkEqual(held.attempts, 1, "attempts of the first delivery")
            let next = Offset(first.offset.value + 1)
            let waiting = try await broker.deliveryState(group: "g", on: topic.name, partition: first.partition, offset: next)
            try checkEqual(waiting?.status, .notDelivered, "the event behind a prefetch of 1")
            try await first.nack(retryAfter: .seconds(3_600), failure: DeliveryFailure(errorType: "Timeout", message: "the bank did not answer"))
            let nacked = try await broker.deliveryState(group: "g", on: topic.name, partition: first.partition, offset: first.offset)
            guard case .awaitingRedelivery(let due) = nacked?.status else {
                throw ConformanceFailure("a nacked event awaits redelivery; it is \(String(describing: nacked))")
            }
            try check(due > Date().addingTimeInterval(3_000), "redelivery is due in about an hour: \(due)")
            try checkEqual(nacked?.lastFailure?.message, "the bank did not answer", "the nack's failure")
            let second = try await Conformance.next(subscription, environment, "the second delivery")
            try await second.ack()
            let acknowledged = try await broker.deliveryState(group: "g", on: topic.name, partition: second.partition, offset: second.offset)
            try checkEqual(acknowledged?.status, .acknowledged, "an acknowledged event")
            try await Conformance.expectBrokerError("the state in a group that never subscribed", { $0.isUnknownGroup }) {
                _ = try await broker.deliveryState(group: "never", on: topic.name, partition: 0, offset: 0)
            }
            await subscription.close()
        }
    }

    static func pauseAndResume(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "pause")
            // A prefetch of 1: the member holds exactly what it received, nothing read ahead.
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 1))
            _ = try await broker.publish(try Conformance.events(3), to: topic.name)
            let held = try await Conformance.next(subscription, environment, "the delivery held across the pause")
            guard environment.pausesGroups else {
                try await Conformance.expectBrokerError("pausing on a backend that cannot", { $0.code == .unsupported }) {
                    try await broker.pause(group: "g", on: topic.name)
                }
                try await held.ack()
                await subscription.close()
                return
            }
            try await broker.pause(group: "g", on: topic.name)
            try await broker.pause(group: "g", on: topic.name)  // a second pause changes nothing
            let paused = try await broker.describeGroup("g", on: topic.name)
            try check(paused.isPaused, "the group is described as paused")
            _ = try await broker.publish(try (3..<5).map { try Conformance.event($0) }, to: topic.name)
            try await held.ack()
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(200), "the group is paused")
            let lag = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(lag.totalPending, 4, "pending while paused (the held delivery was acknowledged)")
            try await Conformance.expectBrokerError("pausing a group that never subscribed", { $0.isUnknownGroup }) {
                try await broker.pause(group: "never", on: topic.name)
            }

            try await broker.resume(group: "g", on: topic.name)
            let resumed = try await broker.describeGroup("g", on: topic.name)
            try check(!resumed.isPaused, "the group is described as running")
            let rest = try await Conformance.consume(4, from: subscription, environment)
            try checkEqual(Set(rest.compactMap { Conformance.sequence(of: $0.event) }), [1, 2, 3, 4], "the events that waited")
            try await broker.resume(group: "g", on: topic.name)  // resuming a running group changes nothing
            await subscription.close()
        }
    }

    static func describeTopic(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "describe", partitions: 2) { $0.maximumEvents = 5_000 }
            var ends = [Int64](repeating: 0, count: 2)
            for receipt in try await broker.publish(try Conformance.events(5, key: { "key-\($0 % 3)" }), to: topic.name) {
                ends[receipt.partition.index] = max(ends[receipt.partition.index], receipt.offset.value + 1)
            }
            let description = try await broker.describeTopic(topic.name)
            try checkEqual(description.name, topic.name, "name")
            try checkEqual(description.configuration.partitions, 2, "partitions in the configuration")
            try checkEqual(description.partitions.map(\.partition), [0, 1], "partitions described")
            try checkEqual(description.partitions.map(\.endOffset.value), ends, "end offsets match the receipts")
            try checkEqual(description.partitions.map(\.startOffset), [0, 0], "start offsets")
            try checkEqual(description.events, 5, "events held")
            try checkEqual(description.retention.maximumEvents, 5_000, "event limit")
            for partition in description.partitions where partition.events > 0 {
                if let bytes = partition.bytes { try check(bytes > 0, "partition \(partition.partition.index) holds events but \(bytes) bytes") }
            }
            try await Conformance.expectBrokerError("describing an unknown topic", { $0.isUnknownTopic }) {
                _ = try await broker.describeTopic(Conformance.uniqueTopic("missing"))
            }
        }
    }

    static func describeGroups(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "groups")
            let fast = try await broker.subscribe(to: topic.name, group: "fast", options: SubscriptionOptions(maximumDeliveries: 7))
            let slow = try await broker.subscribe(to: topic.name, group: "slow", options: SubscriptionOptions())
            _ = try await broker.publish(try Conformance.events(2), to: topic.name)
            _ = try await Conformance.consume(2, from: fast, environment)
            try await broker.waitUntilIdle(groups: [GroupReference(topic: topic.name, group: "fast")], timeout: environment.waitLimit)

            let groups = try await broker.describeGroups(of: topic.name)
            try checkEqual(groups.map(\.group), ["fast", "slow"], "groups, sorted")
            try checkEqual(groups[0].lag.totalPending, 0, "pending events of the group that acknowledged both")
            try checkEqual(groups[1].lag.totalPending, 2, "pending events of the group that read nothing")
            try checkEqual(groups[0].options.maximumDeliveries, 7, "the group's settings")
            try check(groups.allSatisfy { $0.members.count >= 1 }, "each group lists its open subscription: \(groups.map(\.members))")
            try checkEqual(groups[0].deadLetterTopic, "\(topic.name).fast.deadletter", "dead-letter topic")
            try await Conformance.expectBrokerError("describing a group that never subscribed", { $0.isUnknownGroup }) {
                _ = try await broker.describeGroup("never", on: topic.name)
            }
            await fast.close()
            await slow.close()
        }
    }

    static func deleteTopic(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "delete")
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            _ = try await broker.publish(try Conformance.events(3), to: topic.name)
            _ = try await Conformance.next(subscription, environment)
            try await broker.deleteTopic(topic.name)

            let ended = try await within(environment.waitLimit, "the subscription to end after its topic was deleted") {
                while let delivery = try await subscription.next() {
                    _ = delivery  // taken ahead before the deletion
                }
                return true
            }
            try check(ended, "the subscription ended")
            try await Conformance.expectBrokerError("describing a deleted topic", { $0.isUnknownTopic }) {
                _ = try await broker.describeTopic(topic.name)
            }
            try await Conformance.expectBrokerError("publishing to a deleted topic", { $0.isUnknownTopic }) {
                _ = try await broker.publish(try Conformance.event(9), to: topic.name)
            }
            try await Conformance.expectBrokerError("deleting it again", { $0.isUnknownTopic }) {
                try await broker.deleteTopic(topic.name)
            }

            try await broker.createTopic(topic)
            try checkEqual(try await broker.read(topic: topic.name, partition: 0, from: 0, limit: 10).count, 0, "events of the new topic")
            let receipt = try await broker.publish(try Conformance.event(10), to: topic.name)
            try checkEqual(receipt.offset, 0, "the first offset of the new topic")
            try checkEqual(try await broker.describeGroups(of: topic.name).map(\.group), [], "groups of the new topic")
            await subscription.close()
        }
    }

    static func deadLetters(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "dlq")
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            try checkEqual(try await broker.describeDeadLetters(group: "g", on: topic.name), nil, "dead letters before any")
            try checkEqual(try await broker.readDeadLetters(group: "g", on: topic.name).count, 0, "dead letters read before any")
            let receipts = try await broker.publish(try Conformance.events(2), to: topic.name)
            for delivery in try await Conformance.receive(2, from: subscription, environment) {
                try await delivery.reject(failure: DeliveryFailure(errorType: "InvalidOrder", message: "event \(delivery.offset.value)"))
            }
            let letters = try await Conformance.deadLetters(broker, topic: topic.name, group: "g", count: 2, environment)
            try checkEqual(Set(letters.map(\.originOffset)), Set(receipts.map(\.offset)), "the offsets the dead letters came from")
            try check(
                letters.allSatisfy { $0.failure.errorType == "InvalidOrder" && $0.originTopic == topic.name && $0.group == "g" },
                "failures and origins: \(letters)")
            let description = try await broker.describeDeadLetters(group: "g", on: topic.name)
            try checkEqual(description?.events, 2, "events in the dead-letter topic")
            await subscription.close()
        }
    }

    static func settleByToken(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "tokens")
            let options = SubscriptionOptions(prefetch: 10, maximumDeliveries: 5)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: options)
            _ = try await broker.publish(try Conformance.events(3), to: topic.name)
            let deliveries = try await Conformance.receive(3, from: subscription, environment).sorted { $0.offset < $1.offset }
            try await broker.extendDeadline(deliveries[0].token, topic: topic.name, group: "g")
            try await broker.settle(deliveries[0].token, .ack, topic: topic.name, group: "g")
            try await broker.settle(deliveries[1].token, .nack(retryAfter: .zero, failure: nil), topic: topic.name, group: "g")
            try await broker.settle(
                deliveries[2].token, .reject(failure: DeliveryFailure(errorType: "Bad", message: "by token")), topic: topic.name, group: "g")

            let again = try await Conformance.next(subscription, environment, "the event nacked by token")
            try checkEqual(again.offset, deliveries[1].offset, "redelivered offset")
            try checkEqual(again.attempt, 2, "attempt after a nack by token")
            try await broker.settle(again.token, .ack, topic: topic.name, group: "g")
            // Stale tokens change nothing and are not errors.
            try await broker.settle(deliveries[0].token, .nack(retryAfter: .zero, failure: nil), topic: topic.name, group: "g")
            try await broker.settle(deliveries[1].token, .ack, topic: topic.name, group: "g")
            let letters = try await Conformance.deadLetters(broker, topic: topic.name, group: "g", count: 1, environment)
            try checkEqual(letters[0].originOffset, deliveries[2].offset, "the event rejected by token")
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(200), "every event is settled")
            try await Conformance.expectBrokerError("settling for a group that never subscribed", { $0.isUnknownGroup }) {
                try await broker.settle(deliveries[0].token, .ack, topic: topic.name, group: "never")
            }
            try await Conformance.expectBrokerError("settling on an unknown topic", { $0.isUnknownTopic }) {
                try await broker.settle(deliveries[0].token, .ack, topic: Conformance.uniqueTopic("missing"), group: "g")
            }
            await subscription.close()
        }
    }

    static func idleWait(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "idle")
            let group = GroupReference(topic: topic.name, group: "g")
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            _ = try await broker.publish(try Conformance.event(1), to: topic.name)
            let delivery = try await Conformance.next(subscription, environment)
            try await Conformance.expectBrokerError("waiting for a group holding an unacknowledged event", { $0.message.contains(group.description) }) {
                try await broker.waitUntilIdle(groups: [group], timeout: .milliseconds(100))
            }
            try await Conformance.expectBrokerError("waiting for a group that never subscribed", { $0.message.contains("not subscribed") }) {
                try await broker.waitUntilIdle(groups: [GroupReference(topic: topic.name, group: "never")], timeout: .milliseconds(100))
            }
            try await delivery.ack()
            try await broker.waitUntilIdle(groups: [group], timeout: environment.waitLimit)
            await subscription.close()
        }
    }
}
