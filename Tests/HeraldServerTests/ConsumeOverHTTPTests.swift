import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// Pull consumers over loopback HTTP: fetch, then settle by token.
@Suite("Server: consuming over HTTP")
struct ConsumeOverHTTPTests {
    private func broker(events: Int) async throws -> InMemoryBroker {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        if events > 0 {
            _ = try await broker.publish(
                try (1...events).map { try Event(id: "o-\($0)", source: "/shop", type: "shop.order.placed.v1", data: ByteBuffer(string: "{\"n\":\($0)}")) },
                to: "orders")
        }
        return broker
    }

    private func fetch(_ server: ServerClient, maxEvents: Int, waitMilliseconds: Int = 0, group: String = "billing") async throws -> [[String: Any]] {
        let answer = try await server.send(
            .POST, "/topics/orders/groups/\(group)/fetch", headers: [("Content-Type", "application/json")],
            body: ByteBuffer(string: #"{"maxEvents":\#(maxEvents),"waitMilliseconds":\#(waitMilliseconds)}"#))
        #expect(answer.status == 200, "\(String(buffer: answer.body))")
        return answer.json["deliveries"] as? [[String: Any]] ?? []
    }

    private func settle(_ server: ServerClient, _ items: [String], group: String = "billing") async throws -> HTTPAnswer {
        try await server.send(
            .POST, "/topics/orders/groups/\(group)/settle", headers: [("Content-Type", "application/json")],
            body: ByteBuffer(string: #"{"settlements":[\#(items.joined(separator: ","))]}"#))
    }

    @Test("fetch, ack and nack by token: a nacked delivery comes back with its attempt counted, then the group is idle")
    func fetchAndSettle() async throws {
        let broker = try await broker(events: 3)
        try await withServer(broker) { server in
            let first = try await fetch(server, maxEvents: 10)
            #expect(first.count == 3)
            #expect(first.map { ($0["event"] as? [String: Any])?["id"] as? String } == ["o-1", "o-2", "o-3"])
            #expect(((first.first?["event"] as? [String: Any])?["data"] as? [String: Any])?["n"] as? Int == 1, "JSON data stays JSON")
            let tokens = first.compactMap { $0["token"] as? String }
            let answer = try await settle(
                server,
                [
                    #"{"token":"\#(tokens[0])","action":"ack"}"#, #"{"token":"\#(tokens[1])","action":"ack"}"#,
                    #"{"token":"\#(tokens[2])","action":"nack","retryAfterMilliseconds":0,"reason":"try later"}"#,
                ])
            #expect(answer.status == 200 && answer.json["settled"] as? Int == 3)
            let again = try await fetch(server, maxEvents: 10, waitMilliseconds: 5_000)
            #expect(again.count == 1)
            #expect((again.first?["event"] as? [String: Any])?["id"] as? String == "o-3")
            #expect(again.first?["attempt"] as? Int == 2)
            let last = try #require(again.first?["token"] as? String)
            _ = try await settle(server, [#"{"token":"\#(last)","action":"ack"}"#])
        }
        try await broker.waitUntilIdle(groups: [GroupReference(topic: "orders", group: "billing")], timeout: .seconds(60))
    }

    @Test("a fetch that waits returns as soon as an event arrives; one with nothing to take returns empty after its wait")
    func longPoll() async throws {
        let broker = try await broker(events: 0)
        try await withServer(broker) { server in
            let empty = try await fetch(server, maxEvents: 5, waitMilliseconds: 50)
            #expect(empty.isEmpty)
            async let waiting = fetch(server, maxEvents: 5, waitMilliseconds: 20_000)
            let started = ContinuousClock.now
            _ = try await broker.publish(try Event(id: "late", source: "/shop", type: "shop.order.placed.v1"), to: "orders")
            let delivered = try await waiting
            #expect(delivered.count == 1)
            #expect(ContinuousClock.now - started < .seconds(10), "the fetch returned when the event came, not at the end of its wait")
        }
    }

    @Test("reject sends the event to the group's dead letters with the reason recorded")
    func reject() async throws {
        let broker = try await broker(events: 1)
        try await withServer(broker) { server in
            let token = try #require(try await fetch(server, maxEvents: 1).first?["token"] as? String)
            let answer = try await settle(server, [#"{"token":"\#(token)","action":"reject","reason":"card declined","errorType":"PaymentError"}"#])
            #expect(answer.status == 200)
        }
        try await broker.waitUntilIdle(groups: [GroupReference(topic: "orders", group: "billing")], timeout: .seconds(60))
        let deadLetters = try await broker.readDeadLetters(group: "billing", on: "orders")
        #expect(deadLetters.count == 1)
        #expect(deadLetters.first?.deadLetter?.failure == DeliveryFailure(errorType: "PaymentError", message: "card declined"))
        #expect(deadLetters.first?.deadLetter?.event.id == "o-1")
    }

    @Test("bad requests name what is wrong; nothing is settled when one item of a batch is wrong")
    func problems() async throws {
        let broker = try await broker(events: 1)
        try await withServer(broker) { server in
            let token = try #require(try await fetch(server, maxEvents: 1).first?["token"] as? String)
            let badToken = try await settle(server, [#"{"token":"\#(token)","action":"ack"}"#, #"{"token":"forged","action":"ack"}"#])
            #expect(badToken.status == 400)
            #expect(badToken.json["attribute"] as? String == "settlements[1].token" && badToken.json["index"] as? Int == 1)
            let badAction = try await settle(server, [#"{"token":"\#(token)","action":"acknowledge"}"#])
            #expect(badAction.json["attribute"] as? String == "settlements[0].action")
            let unknown = try await server.send(.POST, "/topics/nowhere/groups/billing/fetch", body: ByteBuffer(string: "{}"))
            #expect(unknown.status == 404)
            let tooMany = try await server.send(.POST, "/topics/orders/groups/billing/fetch", body: ByteBuffer(string: #"{"maxEvents":0}"#))
            #expect(tooMany.status == 400 && tooMany.json["attribute"] as? String == "maxEvents")
            let notJSON = try await server.send(.POST, "/topics/orders/groups/billing/settle", body: ByteBuffer(string: "ack everything"))
            #expect(notJSON.status == 400)
        }
        // The first item of the refused batch was not applied: the delivery was released when the server
        // stopped, not acknowledged.
        let lag = try await broker.lag(group: "billing", on: "orders")
        #expect(lag.partitions.first?.committedOffset == 0)
    }

    @Test("when the server stops, deliveries HTTP consumers still hold go back to the group at once")
    func heldDeliveriesReleased() async throws {
        let broker = try await broker(events: 1)
        let held = try await withServer(broker) { server in try await fetch(server, maxEvents: 1).count }
        #expect(held == 1)
        // Ack deadline 30 s by default: a delivery here within the test means it was released, not expired.
        let subscription = try await broker.subscribe(to: "orders", group: "billing")
        let redelivered = try await subscription.next()
        #expect(redelivered?.event.id == "o-1" && redelivered?.attempt == 2)
        try await redelivered?.ack()
        await subscription.close()
    }
}
