import Herald

/// Bounds: prefetch, releasing on close, topic limits.
enum FlowControlCases {
    static let all: [BrokerConformance.Case] = [
        .init("prefetch bound respected", prefetch),
        .init("batches of deliveries stay within the prefetch and are acknowledged together", batches),
        .init("closing with in-flight deliveries loses none", closeWithInFlight),
        .init("draining stops new deliveries while in-flight ones still settle", drain),
        .init("a full topic refuses publishes and loses nothing stored", topicFullRejects),
        .init("a full topic with dropOldest keeps the newest events", topicFullDropsOldest),
        .init("two tasks reading one subscription share its deliveries, each to one of them", twoReaders),
    ]

    static func twoReaders(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "readers", partitions: 2)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 8))
            // Both readers wait on an empty topic first, then share what arrives.
            let readers = Task {
                try await withThrowingTaskGroup(of: [Offset].self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            var taken: [Offset] = []
                            while let delivery = try await subscription.next() {
                                taken.append(Offset(Int64(delivery.partition.index) * 1_000 + delivery.offset.value))
                                try await delivery.ack()
                            }
                            return taken
                        }
                    }
                    var all: [Offset] = []
                    for try await taken in group { all += taken }
                    return all
                }
            }
            _ = try await broker.publish(try Conformance.events(40), to: topic.name)
            try await broker.waitUntilIdle(groups: [GroupReference(topic: topic.name, group: "g")], timeout: environment.waitLimit)
            await subscription.close()
            let taken = try await within(environment.waitLimit, "both readers to end once the subscription closed") { try await readers.value }
            try checkEqual(taken.count, 40, "deliveries taken by the two readers")
            try checkEqual(Set(taken).count, 40, "distinct deliveries (none handed to both)")
        }
    }

    static func prefetch(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "prefetch")
            _ = try await broker.publish(try Conformance.events(20), to: topic.name)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 5))
            let held = try await Conformance.receive(5, from: subscription, environment)
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(300), "5 unsettled deliveries fill a prefetch of 5")
            let lag = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(lag.partitions.reduce(0) { $0 + $1.inFlight }, 5, "in flight at the bound")
            try await held[0].ack()
            let next = try await Conformance.next(subscription, environment, "a delivery once a slot is free")
            try checkEqual(next.offset, 5, "the next offset after a slot frees")
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(150), "full again")
            for delivery in held.dropFirst() + [next] { try await delivery.ack() }
            await subscription.close()
        }
    }

    static func batches(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "batches", partitions: 2)
            let events = try Conformance.events(50, key: { "k\($0 % 7)" })
            _ = try await broker.publish(events, to: topic.name)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 20))
            var seen: [String] = []
            while seen.count < events.count {
                let batch = try await within(environment.waitLimit, "a batch of deliveries") {
                    try await subscription.next(upTo: 64)
                }
                try check(!batch.isEmpty && batch.count <= 20, "a batch holds 1 to 20 deliveries (the prefetch), got \(batch.count)")
                seen += batch.map(\.event.id)
                try await Delivery.ack(batch)
            }
            try checkEqual(seen.count, events.count, "deliveries, each event once")
            try checkEqual(Set(seen), Set(events.map(\.id)), "every event delivered")
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(150), "every delivery of the batches was acknowledged")
            let lag = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(lag.totalPending, 0, "pending after acknowledging the batches")
            await subscription.close()
        }
    }

    static func closeWithInFlight(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "close", partitions: 2)
            let events = try Conformance.events(20, key: { "k\($0)" })
            let options = SubscriptionOptions(prefetch: 10)
            let leaving = try await broker.subscribe(to: topic.name, group: "g", options: options)
            _ = try await broker.publish(events, to: topic.name)
            let unsettled = try await Conformance.receive(10, from: leaving, environment)
            await leaving.close()
            try await Conformance.expectNothing(from: leaving, for: .milliseconds(50), "a closed subscription hands out nothing")

            let staying = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 20))
            var seen: [String: Int] = [:]
            // Released at once on close, well before the 30-second ack deadline.
            for delivery in try await Conformance.receive(20, from: staying, environment) {
                seen[delivery.event.id] = delivery.attempt
                try await delivery.ack()
            }
            try checkEqual(Set(seen.keys), Set(events.map(\.id)), "every event reaches the remaining member")
            for delivery in unsettled {
                try checkEqual(seen[delivery.event.id], 2, "attempt of a released delivery")
            }
            await staying.close()
        }
    }

    static func drain(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "drain")
            _ = try await broker.publish(try Conformance.events(5), to: topic.name)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 2))
            let held = try await Conformance.receive(2, from: subscription, environment)
            await subscription.drain()
            let afterDrain = try await within(environment.waitLimit, "next() after drain") { try await subscription.next() }
            try check(afterDrain == nil, "a draining subscription hands out nothing more")
            for delivery in held { try await delivery.ack() }
            let lag = try await broker.lag(group: "g", on: topic.name)
            try checkEqual(lag.totalPending, 3, "acks after drain count; the rest stay pending")
            await subscription.close()
            let next = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            let rest = try await Conformance.consume(3, from: next, environment)
            try checkEqual(rest.map(\.offset.value), [2, 3, 4], "the group continues after the drained member")
            await next.close()
        }
    }

    static func topicFullRejects(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "full") { $0.maximumEvents = 10 }
            let events = try Conformance.events(10)
            _ = try await broker.publish(events, to: topic.name)
            do {
                _ = try await broker.publish(try Conformance.event(10), to: topic.name)
                throw ConformanceFailure("an 11th event was accepted by a topic limited to 10 with rejectPublish")
            } catch let error as BrokerError {
                try check(error.isTopicFull, "expected topicFull, got \(error)")
                try check(error.isRetryable, "topicFull is retryable")
            }
            let stored = try await broker.read(topic: topic.name, partition: 0, from: 0, limit: 100)
            try checkEqual(stored.map(\.event.id), events.map(\.id), "nothing stored was lost")

            // Once a group has acknowledged events, they make room.
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            _ = try await Conformance.consume(10, from: subscription, environment)
            let receipt = try await broker.publish(try Conformance.event(11), to: topic.name)
            try checkEqual(receipt.offset, 10, "offset after room was made")
            await subscription.close()
        }
    }

    static func topicFullDropsOldest(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "dropoldest") {
                $0.maximumEvents = 5
                $0.overflowPolicy = .dropOldest
            }
            let subscription = try await broker.subscribe(to: topic.name, group: "slow", options: SubscriptionOptions())
            let events = try Conformance.events(8)
            for event in events { _ = try await broker.publish(event, to: topic.name) }
            let stored = try await broker.read(topic: topic.name, partition: 0, from: 0, limit: 100)
            try checkEqual(stored.map(\.offset.value), Array(3..<8), "the newest five are kept")
            let lag = try await broker.lag(group: "slow", on: topic.name)
            try checkEqual(lag.partitions[0].committedOffset, 3, "a group behind retention moves to the earliest retained event")
            let deliveries = try await Conformance.receive(5, from: subscription, environment)
            try checkEqual(deliveries.map(\.event.id), events[3...].map(\.id), "the group reads what is retained")
            for delivery in deliveries { try await delivery.ack() }
            await subscription.close()
        }
    }
}
