import AsyncHTTPClient
import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// Server-Sent Events to a long-lived client: deliveries as they arrive, never more unsettled than the
/// stream's credit, the next as soon as one is settled by token.
@Suite("Server: streaming over Server-Sent Events")
struct StreamOverHTTPTests {
    @Test("a stream with credit 2 gets two deliveries, the third after one is settled; the group sees two in flight meanwhile")
    func boundedCredit() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        _ = try await broker.publish(try (1...3).map { try Event(id: "s-\($0)", source: "/s", type: "s.v1") }, to: "orders")
        try await withServer(broker) { server in
            var request = HTTPClientRequest(url: server.base + "/topics/orders/groups/billing/stream?credit=2")
            request.method = .GET
            let response = try await server.client.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"].first == "text/event-stream")
            var chunks = response.body.makeAsyncIterator()
            var text = ""
            func deliveries() -> [[String: Any]] {
                text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8))) as? [String: Any]
                }
            }
            while deliveries().count < 2, let chunk = try await chunks.next() { text += String(buffer: chunk) }
            #expect(deliveries().count == 2)
            let group = try await broker.describeGroup("billing", on: "orders")
            #expect(group.lag.partitions.reduce(0) { $0 + $1.inFlight } == 2, "the credit bounds what the stream holds")
            let first = try #require(deliveries().first?["token"] as? String)
            let settled = try await server.send(
                .POST, "/topics/orders/groups/billing/settle", headers: [("Content-Type", "application/json")],
                body: ByteBuffer(string: #"{"settlements":[{"token":"\#(first)","action":"ack"}]}"#))
            #expect(settled.status == 200)
            while deliveries().count < 3, let chunk = try await chunks.next() { text += String(buffer: chunk) }
            let ids = deliveries().compactMap { ($0["event"] as? [String: Any])?["id"] as? String }
            #expect(ids.sorted() == ["s-1", "s-2", "s-3"])
            #expect(text.contains("event: delivery\n") && text.contains("id: v1."))
        }
    }

    @Test("a credit out of range is refused naming it")
    func badCredit() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        try await withServer(broker) { server in
            let answer = try await server.send(.GET, "/topics/orders/groups/billing/stream?credit=0")
            #expect(answer.status == 400 && answer.json["attribute"] as? String == "credit")
        }
    }
}
