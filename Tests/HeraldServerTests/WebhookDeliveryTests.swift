import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import Testing

/// Webhook delivery against endpoints in the test process, on a manual clock: a stuck endpoint holds only
/// its own deliveries and never more than its concurrency; a failing one is retried when its
/// `Retry-After` says, and a poison event goes to that webhook's own dead letters.
@Suite("Server: webhook delivery")
struct WebhookDeliveryTests {
    @Test(
        "a stuck endpoint holds only its own deliveries, at most its concurrency; a 503 with Retry-After waits on the clock; a 400 dead-letters per subscription"
    )
    func isolationRetryAndDeadLetters() async throws {
        let clock = ManualClock()
        let broker = InMemoryBroker(clock: clock)
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        let events = try (0..<6).map { try Event(id: "e-\($0)", source: "/shop", type: $0 == 5 ? "shop.poison.v1" : "shop.order.v1") }
        _ = try await broker.publish(events, to: "orders")
        let stuck = WebhookReceiver(open: false)
        // The first delivery of each event gets 503 and Retry-After: 5; the next 204; the poison one 400.
        let flaky = WebhookReceiver { _, type, attempt in
            if type == "shop.poison.v1" { return (400, []) }
            return attempt == 1 ? (503, [("Retry-After", "5")]) : (204, [])
        }
        try await stuck.serve { stuckURL in
            try await flaky.serve { flakyURL in
                let configuration = ServerConfiguration(
                    access: ServerAccess(allowsAnonymous: true),
                    webhooks: [
                        WebhookConfiguration(name: "stuck", topic: "orders", url: stuckURL, maximumConcurrency: 2, timeout: .seconds(120)),
                        WebhookConfiguration(name: "flaky", topic: "orders", url: flakyURL, maximumConcurrency: 4),
                    ])
                try await withServer(broker, configuration: configuration, clock: clock) { _ in
                    // The flaky endpoint gets every event once while the stuck one holds two requests.
                    try await within(.seconds(20), "six first deliveries to the flaky endpoint") { await flaky.wait { $0.total == 6 } }
                    try await within(.seconds(20), "two requests held by the stuck endpoint") { await stuck.wait { $0.inFlight == 2 } }
                    let flakyGroup = GroupReference(topic: "orders", group: "webhook-flaky")
                    try await within(.seconds(20), "five nacks and one dead letter recorded") {
                        while true {
                            let lag = try await broker.lag(group: flakyGroup.group, on: "orders")
                            let parked = try await broker.readDeadLetters(group: flakyGroup.group, on: "orders")
                            if lag.partitions.reduce(0, { $0 + $1.awaitingRedelivery }) == 5, parked.count == 1 { return }
                            try await Task.sleep(for: .milliseconds(10))
                        }
                    }
                    // Retry-After is honoured: nothing comes again until the clock passes 5 s.
                    clock.advance(by: .seconds(4))
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(await flaky.record.total == 6, "no retry before Retry-After")
                    clock.advance(by: .seconds(1))
                    try await within(.seconds(20), "the five retries") { await flaky.wait { $0.total == 11 } }
                    try await broker.waitUntilIdle(groups: [flakyGroup], timeout: .seconds(60))

                    let deadLetters = try await broker.readDeadLetters(group: flakyGroup.group, on: "orders")
                    #expect(deadLetters.compactMap { $0.deadLetter?.event.id } == ["e-5"])
                    #expect(deadLetters.first?.deadLetter?.failure.message.contains("400") == true)
                    #expect(try await broker.readDeadLetters(group: "webhook-stuck", on: "orders").isEmpty, "each webhook has its own dead letters")

                    // The stuck endpoint held two all along and never more; opened, it gets the rest.
                    let held = await stuck.record
                    #expect(held.inFlight == 2 && held.maximumInFlight == 2 && held.total == 2, "\(held)")
                    await stuck.open()
                    try await broker.waitUntilIdle(groups: [GroupReference(topic: "orders", group: "webhook-stuck")], timeout: .seconds(60))
                    let done = await stuck.record
                    #expect(Set(done.attempts.keys) == Set(events.map(\.id)))
                    #expect(done.maximumInFlight <= 2)
                }
            }
        }
    }
}
