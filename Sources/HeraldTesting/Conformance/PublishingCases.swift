import Herald
import NIOCore

import struct Foundation.Date

/// Publishing and consuming: round trip, fan-out, competing consumers, volume, concurrent publishers.
enum PublishingCases {
    static let all: [BrokerConformance.Case] = [
        .init("round trip keeps every attribute", roundTrip),
        .init("every group sees every event (fan-out)", fanOut),
        .init("competing consumers share 10,000 events, none lost, none twice", competingConsumers),
        .init("100,000 events through publish, consume, ack: no loss, no duplicate", volume),
        .init("concurrent publishers: unique offsets, per-key order kept", concurrentPublishers),
    ]

    static func roundTrip(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "roundtrip", partitions: 2)
            var data = ByteBuffer()
            data.writeString(#"{"order":"A-17","total":4.5}"#)
            let event = try Event(
                id: "order-A-17",
                source: "/coffee/orders",
                type: "coffee.order.placed.v1",
                subject: "A-17",
                time: Date(timeIntervalSince1970: 1_763_900_000.25),
                dataContentType: "application/json",
                dataSchema: "https://example.com/schemas/order-placed-v1.json",
                extensions: ["correlationid": "flow-1", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
                data: data
            )
            let receipt = try await broker.publish(event, to: topic.name)
            try check(!receipt.isDuplicate, "a first publish is not a duplicate")
            try checkEqual(receipt.partition, PartitionKeyHasher.partition(forKey: "A-17", partitionCount: 2), "partition chosen by key")
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            let delivery = try await Conformance.next(subscription, environment)
            try check(Conformance.same(delivery.event, event), "delivered event differs from published: \(delivery.event) vs \(event)")
            try checkEqual(delivery.topic, topic.name, "delivery topic")
            try checkEqual(delivery.group, "g", "delivery group")
            try checkEqual(delivery.partition, receipt.partition, "delivery partition")
            try checkEqual(delivery.offset, receipt.offset, "delivery offset")
            try checkEqual(delivery.attempt, 1, "first attempt")
            try await delivery.ack()
            let lag = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(lag.totalPending, 0, "pending after ack")
            await subscription.close()
        }
    }

    static func fanOut(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "fanout", partitions: 3)
            let first = try await broker.subscribe(to: topic.name, group: "billing", options: SubscriptionOptions())
            let second = try await broker.subscribe(to: topic.name, group: "shipping", options: SubscriptionOptions())
            let events = try Conformance.events(100, key: { "k\($0 % 7)" })
            _ = try await broker.publish(events, to: topic.name)
            for subscription in [first, second] {
                var seen: Set<String> = []
                for delivery in try await Conformance.consume(100, from: subscription, environment) {
                    seen.insert(delivery.event.id)
                }
                try checkEqual(seen, Set(events.map(\.id)), "group \(subscription.group) saw every event")
                try await Conformance.expectNothing(from: subscription, for: .milliseconds(100), "all 100 were acknowledged")
                await subscription.close()
            }
        }
    }

    static func competingConsumers(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let total = 10_000
            let topic = try await Conformance.makeTopic(broker, "competing", partitions: 4)
            let events = try Conformance.events(total, key: { "customer-\($0 % 97)" })
            for batch in stride(from: 0, to: total, by: 500) {
                _ = try await broker.publish(Array(events[batch..<min(batch + 500, total)]), to: topic.name)
            }
            let members = try await (0..<3).asyncMap { _ in
                try await broker.subscribe(to: topic.name, group: "workers", options: SubscriptionOptions(prefetch: 32))
            }
            let handled = Shared([String: Int]())
            let perMember = Shared([Int](repeating: 0, count: members.count))
            let done = AsyncSignal()
            try await within(environment.waitLimit * 3, "10,000 events handled by 3 members") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, member) in members.enumerated() {
                        group.addTask {
                            while let delivery = try await member.next() {
                                let count = handled.update { seen -> Int in
                                    seen[delivery.event.id, default: 0] += 1
                                    return seen.count
                                }
                                perMember.update { $0[index] += 1 }
                                try await delivery.ack()
                                if count == total { done.notify() }
                            }
                        }
                    }
                    await done.wait()
                    for member in members { await member.close() }
                    try await group.waitForAll()
                }
            }
            let seen = handled.value
            try checkEqual(seen.count, total, "distinct events handled")
            let twice = seen.filter { $0.value > 1 }
            try check(twice.isEmpty, "\(twice.count) events were handled more than once although every delivery was acknowledged")
            try checkEqual(perMember.value.reduce(0, +), total, "deliveries over all members")
            let lag = try await broker.lag(group: "workers", on: topic.name)
            try checkEqual(lag.totalPending, 0, "pending after all acks")
        }
    }

    static func volume(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let total = 100_000
            let topic = try await Conformance.makeTopic(broker, "volume", partitions: 4)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 256))
            let publisher = Task {
                for batch in stride(from: 0, to: total, by: 1_000) {
                    let events = try (batch..<batch + 1_000).map { try Conformance.event($0, key: "k\($0 % 64)") }
                    _ = try await broker.publish(events, to: topic.name)
                }
            }
            let (seen, duplicates) = try await within(environment.waitLimit * 6, "100,000 deliveries") { () -> (Set<Int>, Int) in
                var seen = Set<Int>()
                var duplicates = 0
                while seen.count < total, let delivery = try await subscription.next() {
                    if let sequence = Conformance.sequence(of: delivery.event), !seen.insert(sequence).inserted {
                        duplicates += 1
                    }
                    try await delivery.ack()
                }
                return (seen, duplicates)
            }
            try await publisher.value
            try checkEqual(seen.count, total, "distinct events received")
            try checkEqual(duplicates, 0, "duplicate deliveries although every delivery was acknowledged")
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(100), "everything was acknowledged")
            let lag = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(lag.totalPending, 0, "pending after all acks")
            try checkEqual(lag.partitions.reduce(0) { $0 + $1.endOffset.value }, Int64(total), "events stored")
            await subscription.close()
        }
    }

    static func concurrentPublishers(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let publishers = 8
            let perPublisher = 1_000
            let topic = try await Conformance.makeTopic(broker, "concurrent", partitions: 4)
            let receipts = try await withThrowingTaskGroup(of: [(Int, PublishReceipt)].self) { group in
                for publisher in 0..<publishers {
                    group.addTask {
                        var receipts: [(Int, PublishReceipt)] = []
                        for sequence in 0..<perPublisher {
                            let event = try Conformance.event(sequence, key: "publisher-\(publisher)")
                            receipts.append((publisher, try await broker.publish(event, to: topic.name)))
                        }
                        return receipts
                    }
                }
                return try await group.reduce(into: [(Int, PublishReceipt)]()) { $0 += $1 }
            }
            try checkEqual(receipts.count, publishers * perPublisher, "receipts")
            let positions = Set(receipts.map { "\($0.1.partition)/\($0.1.offset)" })
            try checkEqual(positions.count, receipts.count, "distinct (partition, offset) pairs")
            for publisher in 0..<publishers {
                let own = receipts.filter { $0.0 == publisher }.map(\.1)
                try check(Set(own.map(\.partition)).count == 1, "one key stays in one partition")
                try check(zip(own, own.dropFirst()).allSatisfy { $0.offset < $1.offset }, "offsets of one key rise in publish order")
            }
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 256))
            var seen = Set<String>()
            for delivery in try await Conformance.consume(receipts.count, from: subscription, environment) {
                seen.insert(delivery.event.id)
            }
            try checkEqual(seen.count, receipts.count, "distinct events consumed")
            await subscription.close()
        }
    }
}

extension Sequence where Element: Sendable {
    /// Maps each element with an async transform, one after another.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self {
            result.append(try await transform(element))
        }
        return result
    }
}
