import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// `GET /metrics`: the Prometheus text of what the server published, delivered and settled, and each
/// group's lag as the broker sees it at the scrape.
@Suite("Server: Prometheus metrics")
struct MetricsTests {
    @Test("published events and bytes, deliveries and acks over HTTP, pending and in-flight lag per group")
    func metrics() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        try await withServer(broker) { server in
            let events = (1...3).map { #"{"specversion":"1.0","id":"m-\#($0)","source":"/m","type":"m.v1","data":"abcd"}"# }
            _ = try await server.send(
                .POST, "/topics/orders/events", headers: [("Content-Type", "application/cloudevents-batch+json")],
                body: ByteBuffer(string: "[\(events.joined(separator: ","))]"))
            let fetched = try await server.send(
                .POST, "/topics/orders/groups/billing/fetch", headers: [("Content-Type", "application/json")], body: ByteBuffer(string: #"{"maxEvents":2}"#))
            let token = try #require((fetched.json["deliveries"] as? [[String: Any]])?.first?["token"] as? String)
            _ = try await server.send(
                .POST, "/topics/orders/groups/billing/settle", headers: [("Content-Type", "application/json")],
                body: ByteBuffer(string: #"{"settlements":[{"token":"\#(token)","action":"ack"}]}"#))
            let scrape = try await server.send(.GET, "/metrics")
            #expect(scrape.status == 200)
            #expect(scrape.headers["Content-Type"].first?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: scrape.body)
            let lines = Set(text.split(separator: "\n").map(String.init))
            #expect(lines.contains(#"herald_published_events_total{topic="orders"} 3"#), "\(text)")
            // "data":"abcd" without a content type is JSON: the payload is the 6 bytes of the JSON string.
            #expect(lines.contains(#"herald_published_bytes_total{topic="orders"} 18"#), "\(text)")
            #expect(lines.contains(#"herald_delivered_total{topic="orders",group="billing",via="pull"} 2"#), "\(text)")
            #expect(lines.contains(#"herald_settled_total{topic="orders",group="billing",via="pull",action="ack"} 1"#), "\(text)")
            #expect(lines.contains(#"herald_group_pending{topic="orders",group="billing"} 2.0"#), "one in flight, one waiting: \(text)")
            #expect(lines.contains(#"herald_group_in_flight{topic="orders",group="billing"} 1.0"#), "\(text)")
        }
    }
}
