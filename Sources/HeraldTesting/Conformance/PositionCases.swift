import Herald

import struct Foundation.Date

/// Group positions: seek by offset and time, lag, resuming after a restart.
enum PositionCases {
    static let all: [BrokerConformance.Case] = [
        .init("seek by offset replays exactly the expected events", seekByOffset),
        .init("seek by time replays exactly the expected events", seekByTime),
        .init("lag figures follow deliveries and acks", lag),
        .init("a restarted consumer resumes from its committed position", resume),
        .init("a new group can start at the latest event", startLatest),
        .init("read a partition range without a group", readRange),
    ]

    static func seekByOffset(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "seekoffset")
            _ = try await broker.publish(try Conformance.events(10), to: topic.name)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            _ = try await Conformance.consume(10, from: subscription, environment)
            try await broker.seek(group: "g", on: topic.name, to: .offset(3))
            let replayed = try await Conformance.receive(7, from: subscription, environment)
            try checkEqual(replayed.map(\.offset.value), Array(3..<10), "offsets replayed after seek to 3")
            for delivery in replayed { try await delivery.ack() }
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(150), "only offsets 3...9 replay")

            try await broker.seek(group: "g", on: topic.name, to: .earliest)
            let all = try await Conformance.receive(10, from: subscription, environment)
            try checkEqual(all.map(\.offset.value), Array(0..<10), "offsets replayed after seek to earliest")
            for delivery in all { try await delivery.ack() }
            await subscription.close()
        }
    }

    static func seekByTime(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "seektime")
            _ = try await broker.publish(try Conformance.events(5), to: topic.name)
            try await Task.sleep(for: .milliseconds(100))
            let boundary = Date()
            try await Task.sleep(for: .milliseconds(100))
            let later = try (5..<10).map { try Conformance.event($0) }
            _ = try await broker.publish(later, to: topic.name)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            _ = try await Conformance.consume(10, from: subscription, environment)
            try await broker.seek(group: "g", on: topic.name, to: .time(boundary))
            let replayed = try await Conformance.receive(5, from: subscription, environment)
            try checkEqual(replayed.map(\.event.id), later.map(\.id), "events stored after the seek time")
            for delivery in replayed { try await delivery.ack() }
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(150), "nothing stored before the seek time")
            await subscription.close()
        }
    }

    static func lag(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "lag", partitions: 2)
            // A prefetch of 4: the member holds exactly the 4 deliveries it receives below, with none taken
            // ahead of the consumer (a larger prefetch lets `next()` read ahead, and those count as in flight).
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 4))
            let receipts = try await broker.publish(try Conformance.events(10, key: { "k\($0)" }), to: topic.name)
            let initial = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(initial.partitions.count, 2, "one figure per partition")
            try checkEqual(initial.totalPending, 10, "pending before consuming")
            for figure in initial.partitions {
                let stored = receipts.filter { $0.partition == figure.partition }.count
                try checkEqual(figure.endOffset.value - figure.committedOffset.value, Int64(stored), "end minus committed on partition \(figure.partition)")
            }
            let deliveries = try await Conformance.receive(4, from: subscription, environment)
            let inFlight = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(inFlight.partitions.reduce(0) { $0 + $1.inFlight }, 4, "in flight")
            try checkEqual(inFlight.totalPending, 10, "pending while in flight")
            for delivery in deliveries { try await delivery.ack() }
            let after = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(after.totalPending, 6, "pending after 4 acks")
            try checkEqual(after.partitions.reduce(0) { $0 + $1.inFlight }, 0, "in flight after acks")
            await subscription.close()
        }
    }

    static func resume(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "resume")
            let events = try Conformance.events(10)
            _ = try await broker.publish(events, to: topic.name)
            let first = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            let received = try await Conformance.receive(6, from: first, environment)
            for delivery in received.prefix(4) { try await delivery.ack() }
            await first.close()

            let second = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            let resumed = try await Conformance.receive(6, from: second, environment)
            try checkEqual(Set(resumed.map(\.event.id)), Set(events[4...].map(\.id)), "events after the committed position")
            for delivery in resumed { try await delivery.ack() }
            try await Conformance.expectNothing(from: second, for: .milliseconds(150), "acknowledged events are not redelivered")
            let more = try Conformance.events(3)
            _ = try await broker.publish(more, to: topic.name)
            let fresh = try await Conformance.receive(3, from: second, environment)
            try checkEqual(fresh.map(\.event.id), more.map(\.id), "new events after resuming")
            for delivery in fresh { try await delivery.ack() }
            await second.close()
        }
    }

    static func startLatest(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "latest")
            _ = try await broker.publish(try Conformance.events(5), to: topic.name)
            let subscription = try await broker.subscribe(
                to: topic.name,
                group: "late",
                options: SubscriptionOptions(startPosition: .latest)
            )
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(150), "a latest group skips what was stored before it")
            let fresh = try Conformance.event(99)
            _ = try await broker.publish(fresh, to: topic.name)
            let delivery = try await Conformance.next(subscription, environment)
            try checkEqual(delivery.event.id, fresh.id, "first event for a latest group")
            try await delivery.ack()
            await subscription.close()
        }
    }

    static func readRange(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "read")
            let events = try Conformance.events(20)
            _ = try await broker.publish(events, to: topic.name)
            let range = try await broker.read(topic: topic.name, partition: 0, from: 5, limit: 10)
            try checkEqual(range.map(\.offset.value), Array(5..<15), "offsets read")
            try checkEqual(range.map(\.event.id), events[5..<15].map(\.id), "events read")
            let tail = try await broker.read(topic: topic.name, partition: 0, from: 18, limit: 10)
            try checkEqual(tail.count, 2, "a read past the end returns what there is")
        }
    }
}
