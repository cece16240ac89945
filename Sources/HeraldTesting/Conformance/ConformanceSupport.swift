import Herald
import NIOCore

import struct Foundation.Date
import struct Foundation.UUID

/// Helpers the conformance cases share.
enum Conformance {
    /// A topic name unique to this run.
    static func uniqueTopic(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a topic with a unique name and returns its configuration.
    static func makeTopic(
        _ broker: any Broker,
        _ prefix: String,
        partitions: Int = 1,
        configure: (inout TopicConfiguration) -> Void = { _ in }
    ) async throws -> TopicConfiguration {
        var configuration = TopicConfiguration(name: uniqueTopic(prefix), partitions: partitions)
        configure(&configuration)
        try await broker.createTopic(configuration)
        return configuration
    }

    /// An event numbered `sequence`, carrying its number as data, optionally keyed.
    static func event(_ sequence: Int, key: String? = nil, size: Int = 16, source: String = "/conformance") throws -> Event {
        var data = ByteBuffer()
        let text = String(sequence)
        data.writeString(text)
        if size > text.utf8.count {
            data.writeRepeatingByte(UInt8(ascii: " "), count: size - text.utf8.count)
        }
        return try Event(
            id: "evt-\(sequence)-\(UUID().uuidString)",
            source: source,
            type: "conformance.event.v1",
            subject: key,
            time: Date(timeIntervalSince1970: 1_700_000_000 + Double(sequence)),
            dataContentType: "text/plain",
            data: data
        )
    }

    /// `count` numbered events, keyed by `key(sequence)`.
    static func events(_ count: Int, key: (Int) -> String? = { _ in nil }, size: Int = 16) throws -> [Event] {
        try (0..<count).map { try event($0, key: key($0), size: size) }
    }

    /// The number an event made by ``event(_:key:size:source:)`` carries.
    static func sequence(of event: Event) -> Int? {
        guard var data = event.data, let text = data.readString(length: data.readableBytes) else { return nil }
        return Int(text.split(separator: " ").first ?? "")
    }

    /// Receives `count` deliveries one after another, each within the environment's limit.
    static func receive(
        _ count: Int, from subscription: Subscription, _ environment: BrokerConformance.Environment
    )
        async throws -> [Delivery]
    {
        var deliveries: [Delivery] = []
        for index in 0..<count {
            deliveries.append(try await next(subscription, environment, "delivery \(index + 1) of \(count)"))
        }
        return deliveries
    }

    /// Receives `count` deliveries, acknowledging each as it arrives (so any prefetch suffices).
    static func consume(
        _ count: Int, from subscription: Subscription, _ environment: BrokerConformance.Environment
    )
        async throws -> [Delivery]
    {
        var deliveries: [Delivery] = []
        for index in 0..<count {
            let delivery = try await next(subscription, environment, "delivery \(index + 1) of \(count)")
            try await delivery.ack()
            deliveries.append(delivery)
        }
        return deliveries
    }

    /// The next delivery, within the environment's limit.
    static func next(
        _ subscription: Subscription,
        _ environment: BrokerConformance.Environment,
        _ what: String = "a delivery",
        file: StaticString = #fileID,
        line: UInt = #line
    ) async throws -> Delivery {
        let delivery = try await within(environment.waitLimit, what, file: file, line: line) {
            try await subscription.next()
        }
        guard let delivery else {
            throw ConformanceFailure("the subscription ended while waiting for \(what)", file: file, line: line)
        }
        return delivery
    }

    /// Fails if the subscription hands out a delivery within `quietPeriod`.
    static func expectNothing(
        from subscription: Subscription,
        for quietPeriod: Duration,
        _ why: String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) async throws {
        let unexpected = await withTaskGroup(of: Delivery?.self) { group in
            group.addTask { try? await subscription.next() }
            group.addTask {
                try? await Task.sleep(for: quietPeriod)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // Drain the cancelled task so that a delivery it took does not go unnoticed.
            var late: Delivery?
            while let result = await group.next() {
                late = late ?? result
            }
            return first ?? late
        }
        if let unexpected {
            throw ConformanceFailure(
                "expected no delivery (\(why)) but got offset \(unexpected.offset) attempt \(unexpected.attempt)",
                file: file,
                line: line
            )
        }
    }

    /// The `count` dead letters of `group` on `topic`, read back through the admin protocol once the group
    /// is idle (every dead letter it asked for is stored by then), every partition of its dead-letter topic.
    static func deadLetters(
        _ broker: any BrokerAdmin,
        topic: String,
        group: String,
        count: Int,
        _ environment: BrokerConformance.Environment
    ) async throws -> [DeadLetter] {
        try await broker.waitUntilIdle(groups: [GroupReference(topic: topic, group: group)], timeout: environment.waitLimit)
        guard let description = try await broker.describeDeadLetters(group: group, on: topic) else {
            throw ConformanceFailure("group \(group) of \(topic) is idle but has no dead-letter topic; expected \(count) dead letters")
        }
        var letters: [DeadLetter] = []
        for partition in description.partitions {
            let stored = try await broker.readDeadLetters(group: group, on: topic, partition: partition.partition, from: 0, limit: count + 1)
            for entry in stored {
                guard let letter = entry.deadLetter else {
                    throw ConformanceFailure("event \(entry.stored.event.id) in \(description.name) carries no dead-letter attributes")
                }
                letters.append(letter)
            }
        }
        try checkEqual(letters.count, count, "dead letters in \(description.name)")
        return letters
    }

    /// Fails unless `body` throws a ``BrokerError`` that `matches` accepts and that has a message.
    static func expectBrokerError(
        _ what: String,
        _ matches: (BrokerError) -> Bool,
        file: StaticString = #fileID,
        line: UInt = #line,
        _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch let error as BrokerError {
            try check(matches(error), "\(what): unexpected error \(error)", file: file, line: line)
            try check(!error.message.isEmpty, "\(what): the error has a message", file: file, line: line)
            return
        }
        throw ConformanceFailure("\(what) was accepted; expected a BrokerError", file: file, line: line)
    }

    /// Whether two events carry the same attributes and data (times compared to the millisecond).
    static func same(_ lhs: Event, _ rhs: Event) -> Bool {
        let timesMatch: Bool
        switch (lhs.time, rhs.time) {
        case (nil, nil): timesMatch = true
        case (let left?, let right?): timesMatch = abs(left.timeIntervalSince(right)) < 0.001
        default: timesMatch = false
        }
        return lhs.id == rhs.id && lhs.source == rhs.source && lhs.type == rhs.type && lhs.subject == rhs.subject
            && timesMatch && lhs.dataContentType == rhs.dataContentType && lhs.dataSchema == rhs.dataSchema
            && lhs.extensions == rhs.extensions && lhs.data == rhs.data
    }
}
