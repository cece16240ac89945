import Herald

/// Publish de-duplication by (`source`, `id`) within the topic's window.
enum DeduplicationCases {
    static let all: [BrokerConformance.Case] = [
        .init("de-duplication inside and outside the window", deduplication)
    ]

    static func deduplication(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "dedup", partitions: 2) {
                $0.deduplicationWindow = .milliseconds(1_500)
            }
            let event = try Conformance.event(1, key: "k")
            let first = try await broker.publish(event, to: topic.name)
            let again = try await broker.publish(event, to: topic.name)
            try check(!first.isDuplicate, "the first publish is not a duplicate")
            try check(again.isDuplicate, "the same (source, id) inside the window is a duplicate")
            try checkEqual(again.offset, first.offset, "a duplicate's receipt names the original offset")
            try checkEqual(again.partition, first.partition, "a duplicate's receipt names the original partition")

            // The same id from another source is another event.
            var otherSource = event
            otherSource.source = "/elsewhere"
            let otherReceipt = try await broker.publish(otherSource, to: topic.name)
            try check(!otherReceipt.isDuplicate, "another source, same id, is not a duplicate")

            // Inside one batch.
            let second = try Conformance.event(2, key: "k")
            let batch = try await broker.publish([second, second], to: topic.name)
            try checkEqual(batch.map(\.isDuplicate), [false, true], "duplicates inside one batch")

            var stored = [event.id, otherSource.id, second.id]
            // The window's end, in real time, where the backend's clock cannot be moved (else
            // BrokerClockConformance checks it on a manual clock).
            if !environment.checksTimeOnManualClock {
                try await Task.sleep(for: .milliseconds(1_800))
                let late = try await broker.publish(event, to: topic.name)
                try check(!late.isDuplicate, "the same event after the window is stored again")
                try check(late.offset != first.offset, "stored at a new offset")
                stored.append(event.id)
            }

            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions())
            var ids: [String] = []
            for delivery in try await Conformance.receive(stored.count, from: subscription, environment) {
                ids.append(delivery.event.id)
                try await delivery.ack()
            }
            try checkEqual(ids.sorted(), stored.sorted(), "stored events")
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(150), "duplicates are not stored")
            await subscription.close()
        }
    }
}
