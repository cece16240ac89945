import Foundation
import Herald
import HeraldLog
import NIOCore
import Testing

@Suite("Embedded log: restarts")
struct LogBrokerRestartTests {
    private func event(_ index: Int, key: String = "k") throws -> Event {
        try Event(id: "evt-\(index)", source: "/restart", type: "restart.test.v1", subject: key, data: ByteBuffer(string: "\(index)"))
    }

    private func open(_ directory: String) async throws -> LogBroker {
        try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
    }

    private func receive(_ count: Int, from subscription: Subscription) async throws -> [Delivery] {
        var deliveries: [Delivery] = []
        for _ in 0..<count {
            deliveries.append(try #require(try await subscription.next()))
        }
        return deliveries
    }

    @Test("events published before a restart are consumed after it, with their topic configuration")
    func publishRestartConsume() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await open(directory)
            try await first.createTopic(TopicConfiguration(name: "orders", partitions: 3, maximumEventBytes: 4_096))
            let events = try (0..<30).map { try event($0, key: "k\($0 % 5)") }
            let receipts = try await first.publish(events, to: "orders")
            try await first.close()

            let second = try await open(directory)
            #expect(try await second.topics().first?.partitions == 3)
            #expect(try await second.topics().first?.maximumEventBytes == 4_096)
            let subscription = try await second.subscribe(to: "orders", group: "g")
            let deliveries = try await receive(30, from: subscription)
            #expect(Set(deliveries.map(\.event.id)) == Set(events.map(\.id)))
            for delivery in deliveries {
                let receipt = try #require(receipts.first { $0.partition == delivery.partition && $0.offset == delivery.offset })
                #expect(events[receipts.firstIndex(of: receipt) ?? -1].id == delivery.event.id, "event at its receipt's position")
                try await delivery.ack()
            }
            await subscription.close()
            try await second.close()
        }
    }

    @Test("a paused group is in its checkpoint once pause returns, and stays paused after a restart until resumed")
    func pauseSurvivesRestart() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await open(directory)
            try await first.createTopic(TopicConfiguration(name: "orders"))
            _ = try await first.publish(try (0..<3).map { try event($0) }, to: "orders")
            let subscription = try await first.subscribe(to: "orders", group: "g", options: SubscriptionOptions(prefetch: 1))
            try await first.pause(group: "g", on: "orders")
            let file = try String(contentsOfFile: "\(directory)/groups/orders/g.json", encoding: .utf8)
            #expect(file.contains("\"paused\":true"), "the checkpoint written by pause: \(file)")
            await subscription.close()
            try await first.close()

            let second = try await open(directory)
            #expect(try await second.describeGroup("g", on: "orders").isPaused)
            let again = try await second.subscribe(to: "orders", group: "g", options: SubscriptionOptions(prefetch: 1))
            let early = try await second.lag(group: "g", on: "orders")
            #expect(early.partitions.reduce(0) { $0 + $1.inFlight } == 0, "nothing handed out while paused")
            try await second.resume(group: "g", on: "orders")
            var received: [String] = []
            for _ in 0..<3 {
                let delivery = try #require(try await again.next())
                received.append(delivery.event.id)
                try await delivery.ack()
            }
            #expect(Set(received) == ["evt-0", "evt-1", "evt-2"])
            await again.close()
            try await second.close()
            let third = try await open(directory)
            #expect(try await third.describeGroup("g", on: "orders").isPaused == false, "the resume is kept too")
            try await third.close()
        }
    }

    @Test("after a restart between deliveries and acks, nothing acknowledged comes back and nothing unacknowledged is lost")
    func restartBetweenDeliveriesAndAcks() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await open(directory)
            try await first.createTopic(TopicConfiguration(name: "orders"))
            _ = try await first.publish(try (0..<10).map { try event($0) }, to: "orders")
            let subscription = try await first.subscribe(to: "orders", group: "g", options: SubscriptionOptions(maximumDeliveries: 5))
            let delivered = try await receive(6, from: subscription)
            for delivery in delivered.prefix(4) { try await delivery.ack() }
            // Offsets 4 and 5 were delivered, not acknowledged; 6...9 never delivered.
            try await first.close()

            let second = try await open(directory)
            let lag = try await second.lag(group: "g", on: "orders")
            #expect(lag.totalPending == 6)
            let resumed = try await second.subscribe(to: "orders", group: "g")
            let redelivered = try await receive(6, from: resumed)
            #expect(redelivered.map(\.offset.value).sorted() == [4, 5, 6, 7, 8, 9])
            #expect(redelivered.first { $0.offset == 4 }?.attempt == 2, "the delivery count survived the restart")
            #expect(redelivered.first { $0.offset == 6 }?.attempt == 1)
            for delivery in redelivered { try await delivery.ack() }
            #expect(try await second.lag(group: "g", on: "orders").totalPending == 0)
            await resumed.close()
            try await second.close()
        }
    }

    @Test("the maximum-delivery rule holds across restarts")
    func maximumDeliveriesAcrossRestarts() async throws {
        try await withTemporaryDirectory { directory in
            let options = SubscriptionOptions(maximumDeliveries: 3)
            var broker = try await open(directory)
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            _ = try await broker.publish(try event(1), to: "orders")
            for attempt in 1...2 {
                let subscription = try await broker.subscribe(to: "orders", group: "g", options: options)
                let delivery = try #require(try await subscription.next())
                #expect(delivery.attempt == attempt)
                try await delivery.nack(failure: DeliveryFailure(errorType: "Flaky", message: "attempt \(attempt)"))
                await subscription.close()
                try await broker.close()
                broker = try await open(directory)
            }
            let subscription = try await broker.subscribe(to: "orders", group: "g", options: options)
            let last = try #require(try await subscription.next())
            #expect(last.attempt == 3)
            try await last.nack(failure: DeliveryFailure(errorType: "Flaky", message: "attempt 3"))
            let letters = try await broker.read(topic: options.deadLetterTopic(for: "orders", group: "g"), partition: 0, from: 0, limit: 10)
            #expect(letters.count == 1)
            #expect(letters.first.flatMap { DeadLetter($0.event) }?.attempts == 3)
            await subscription.close()
            try await broker.close()
        }
    }

    @Test("the de-duplication window survives a restart")
    func deduplicationSurvivesRestart() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await open(directory)
            try await first.createTopic(TopicConfiguration(name: "orders", partitions: 2))
            let original = try await first.publish(try event(7), to: "orders")
            try await first.close()
            let second = try await open(directory)
            let again = try await second.publish(try event(7), to: "orders")
            #expect(again.isDuplicate)
            #expect(again.offset == original.offset)
            #expect(again.partition == original.partition)
            try await second.close()
        }
    }
}
