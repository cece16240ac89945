import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// The admin API over loopback HTTP: topics and consumer groups.
@Suite("Server: admin API")
struct AdminOverHTTPTests {
    private let json = [("Content-Type", "application/json")]

    @Test("topics: create (201, then 200 for the same, 409 for a different one), list, describe, delete")
    func topics() async throws {
        let broker = InMemoryBroker()
        try await withServer(broker) { server in
            let body = ByteBuffer(string: #"{"name":"orders","partitions":3,"maximumEvents":1000,"overflowPolicy":"dropOldest"}"#)
            let created = try await server.send(.POST, "/topics", headers: json, body: body)
            #expect(created.status == 201, "\(String(buffer: created.body))")
            #expect((created.json["partitions"] as? [Any])?.count == 3)
            #expect(try await server.send(.POST, "/topics", headers: json, body: body).status == 200)
            let different = try await server.send(.POST, "/topics", headers: json, body: ByteBuffer(string: #"{"name":"orders","partitions":4}"#))
            #expect(different.status == 409)
            let typo = try await server.send(.POST, "/topics", headers: json, body: ByteBuffer(string: #"{"name":"x","partitons":4}"#))
            #expect(typo.status == 400)
            #expect(typo.json["attribute"] as? String == "partitons")

            _ = try await broker.publish(try Event(id: "o-1", source: "/shop", type: "shop.order.placed.v1", subject: "k"), to: "orders")
            let described = try await server.send(.GET, "/topics/orders")
            #expect(described.status == 200)
            #expect(described.json["events"] as? Int == 1)
            #expect((described.json["retention"] as? [String: Any])?["overflowPolicy"] as? String == "dropOldest")
            #expect((described.json["configuration"] as? [String: Any])?["maximumEvents"] as? Int == 1000)
            let list = try await server.send(.GET, "/topics")
            #expect((list.json["topics"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["orders"])

            #expect(try await server.send(.DELETE, "/topics/orders").status == 204)
            let gone = try await server.send(.GET, "/topics/orders")
            #expect(gone.status == 404)
            #expect(gone.json["topic"] as? String == "orders")
        }
        #expect(try await broker.topics().isEmpty)
    }

    @Test("groups: list and describe with lag per partition; seek by offset, to the start and by time")
    func groups() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        _ = try await broker.publish(
            try (1...5).map { try Event(id: "o-\($0)", source: "/shop", type: "shop.order.placed.v1") }, to: "orders")
        let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions(prefetch: 10))
        try await Delivery.ack(try await subscription.next(upTo: 2))
        try await withServer(broker) { server in
            let list = try await server.send(.GET, "/topics/orders/groups")
            #expect(list.status == 200)
            let groups = list.json["groups"] as? [[String: Any]] ?? []
            #expect(groups.count == 1)
            #expect(groups.first?["group"] as? String == "billing")
            #expect((groups.first?["members"] as? [Any])?.count == 1)
            #expect(groups.first?["deadLetterTopic"] as? String == "orders.billing.deadletter")

            let seek = try await server.send(.POST, "/topics/orders/groups/billing/seek", headers: json, body: ByteBuffer(string: #"{"offset":4}"#))
            #expect(seek.status == 200, "\(String(buffer: seek.body))")
            #expect(((seek.json["partitions"] as? [[String: Any]])?.first?["committedOffset"] as? Int) == 4)
            #expect(seek.json["pending"] as? Int == 1)

            let start = try await server.send(.POST, "/topics/orders/groups/billing/seek", headers: json, body: ByteBuffer(string: #"{"to":"earliest"}"#))
            #expect(start.json["pending"] as? Int == 5)
            let byTime = try await server.send(
                .POST, "/topics/orders/groups/billing/seek", headers: json, body: ByteBuffer(string: #"{"time":"2100-01-01T00:00:00Z"}"#))
            #expect(byTime.status == 200)
            #expect(byTime.json["pending"] as? Int == 0)

            let both = try await server.send(
                .POST, "/topics/orders/groups/billing/seek", headers: json, body: ByteBuffer(string: #"{"to":"earliest","offset":1}"#))
            #expect(both.status == 400)
            let badTime = try await server.send(.POST, "/topics/orders/groups/billing/seek", headers: json, body: ByteBuffer(string: #"{"time":"yesterday"}"#))
            #expect(badTime.status == 400 && badTime.json["attribute"] as? String == "time")
            let unknown = try await server.send(.GET, "/topics/orders/groups/nobody")
            #expect(unknown.status == 404)
        }
        await subscription.close()
    }

    @Test("groups: pause and resume; a paused group is listed as paused and its pull consumers get nothing")
    func pauseAndResume() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        _ = try await broker.publish([try Event(id: "o-1", source: "/shop", type: "shop.order.placed.v1")], to: "orders")
        try await withServer(broker) { server in
            let fetch = ByteBuffer(string: #"{"maxEvents":1,"waitMilliseconds":0}"#)
            // The first fetch creates the group (and takes the event, which is nacked back at once).
            let first = try await server.send(.POST, "/topics/orders/groups/billing/fetch", headers: json, body: fetch)
            let token = try #require((first.json["deliveries"] as? [[String: Any]])?.first?["token"] as? String)
            let nack = ByteBuffer(string: #"{"settlements":[{"token":"\#(token)","action":"nack","retryAfterMilliseconds":0}]}"#)
            #expect(try await server.send(.POST, "/topics/orders/groups/billing/settle", headers: json, body: nack).status == 200)

            let paused = try await server.send(.POST, "/topics/orders/groups/billing/pause")
            #expect(paused.status == 200, "\(String(buffer: paused.body))")
            #expect(paused.json["paused"] as? Bool == true)
            let listed = try await server.send(.GET, "/topics/orders/groups")
            #expect((listed.json["groups"] as? [[String: Any]])?.first?["paused"] as? Bool == true)
            let nothing = try await server.send(
                .POST, "/topics/orders/groups/billing/fetch", headers: json, body: ByteBuffer(string: #"{"maxEvents":1,"waitMilliseconds":200}"#))
            #expect((nothing.json["deliveries"] as? [Any])?.isEmpty == true, "\(String(buffer: nothing.body))")

            let resumed = try await server.send(.POST, "/topics/orders/groups/billing/resume")
            #expect(resumed.json["paused"] as? Bool == false)
            let again = try await server.send(
                .POST, "/topics/orders/groups/billing/fetch", headers: json, body: ByteBuffer(string: #"{"maxEvents":1,"waitMilliseconds":5000}"#))
            #expect((again.json["deliveries"] as? [[String: Any]])?.count == 1, "\(String(buffer: again.body))")
            #expect(try await server.send(.POST, "/topics/orders/groups/nobody/pause").status == 404)
        }
    }
}
