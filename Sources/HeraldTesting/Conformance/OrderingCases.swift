import Herald

/// Order per partition key.
enum OrderingCases {
    static let all: [BrokerConformance.Case] = [
        .init("per-key order under 8-way concurrency, redeliveries included", perKeyOrder),
        .init("one partition hands out events in offset order", partitionOrder),
    ]

    static func perKeyOrder(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let keys = 20
            let perKey = 50
            let total = keys * perKey
            let topic = try await Conformance.makeTopic(broker, "perkey", partitions: 4)
            // Interleaved: k0#0, k1#0, ..., k19#0, k0#1, ...; the event's number encodes key and position.
            let events = try (0..<total).map { try Conformance.event($0, key: "key-\($0 % keys)") }
            _ = try await broker.publish(events, to: topic.name)
            let options = SubscriptionOptions(prefetch: 16, ordering: .perKey)
            let workers = try await (0..<8).asyncMap { _ in
                try await broker.subscribe(to: topic.name, group: "ordered", options: options)
            }
            let handled = Shared([Int: [Int]]())
            let count = Shared(0)
            let done = AsyncSignal()
            try await within(environment.waitLimit * 3, "\(total) events handled in order") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in workers {
                        group.addTask {
                            var generator = SystemRandomNumberGenerator()
                            while let delivery = try await worker.next() {
                                guard let sequence = Conformance.sequence(of: delivery.event) else { continue }
                                // Every tenth first delivery fails: its redelivery must still come before
                                // any later event of its key.
                                if delivery.attempt == 1 && sequence % 10 == 3 {
                                    try await delivery.nack()
                                    continue
                                }
                                if Int.random(in: 0..<4, using: &generator) == 0 { await Task.yield() }
                                handled.update { $0[sequence % keys, default: []].append(sequence / keys) }
                                try await delivery.ack()
                                if count.update({ value -> Int in
                                    value += 1
                                    return value
                                }) == total {
                                    done.notify()
                                }
                            }
                        }
                    }
                    await done.wait()
                    for worker in workers { await worker.close() }
                    try await group.waitForAll()
                }
            }
            for (key, positions) in handled.value.sorted(by: { $0.key < $1.key }) {
                try checkEqual(positions, Array(0..<perKey), "handling order of key-\(key)")
            }
            try checkEqual(handled.value.count, keys, "keys handled")
        }
    }

    static func partitionOrder(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "order", partitions: 1)
            _ = try await broker.publish(try Conformance.events(200), to: topic.name)
            // Nothing is acknowledged until all 200 are in: an ack deadline long enough that a machine loaded by
            // the other suites cannot run it out (at 30 s it did once: offset 0 came again before 199).
            let options = SubscriptionOptions(prefetch: 200, ackDeadline: .seconds(600))
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: options)
            let deliveries = try await Conformance.receive(200, from: subscription, environment)
            try checkEqual(deliveries.map(\.offset.value), Array(0..<200), "offsets in delivery order")
            try checkEqual(deliveries.compactMap { Conformance.sequence(of: $0.event) }, Array(0..<200), "events in publish order")
            for delivery in deliveries { try await delivery.ack() }
            await subscription.close()
        }
    }
}
