import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// The API behind the dashboard's pages, over HTTP: the page itself, the message browser (filter, time,
/// an event's life), the flow and traces, and the `read` permission that sees all and changes nothing.
@Suite("Dashboard: API over HTTP")
struct DashboardAPITests {
    private static let reader = "hrd_reader-token-for-tests"
    private static let administrator = "hrd_admin-token-for-tests"

    private static func access() throws -> ServerAccess {
        ServerAccess(tokens: [
            AccessToken(name: "viewer", sha256: TokenDigest.sha256(of: reader), grants: [AccessGrant(topics: try TopicPattern("*"), permissions: [.read])]),
            AccessToken(
                name: "operator", sha256: TokenDigest.sha256(of: administrator),
                grants: [AccessGrant(topics: try TopicPattern("orders"), permissions: [.admin])]),
        ])
    }

    private static func broker() async throws -> InMemoryBroker {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 1))
        try await broker.createTopic(TopicConfiguration(name: "payments", partitions: 1))
        for number in 0..<10 {
            let event = try Event(
                id: "o-\(number)", source: "/shop", type: number % 2 == 0 ? "shop.order.placed.v1" : "shop.order.cancelled.v1", subject: "A-\(number)",
                dataContentType: "application/json", extensions: ["correlationid": "flow-\(number)"],
                data: ByteBuffer(string: #"{"size":"\#(number < 5 ? "small" : "large")"}"#))
            _ = try await broker.publish(event, to: "orders")
        }
        return broker
    }

    private func get(_ server: ServerClient, _ path: String, token: String = reader) async throws -> HTTPAnswer {
        try await server.send(.GET, path, headers: [("Authorization", "Bearer \(token)")])
    }

    @Test("the page, its script and style are served without a token; the data behind it needs one")
    func page() async throws {
        try await withServer(try await Self.broker(), configuration: ServerConfiguration(access: try Self.access())) { server in
            let page = try await server.send(.GET, "/dashboard")
            #expect(page.status == 200 && page.headers["Content-Type"].first?.hasPrefix("text/html") == true)
            let script = try await server.send(.GET, "/dashboard/app.js")
            let style = try await server.send(.GET, "/dashboard/style.css")
            #expect(script.status == 200 && style.status == 200)
            // The page holds both inline: one answer draws the first view.
            #expect(script.body.readableBytes > 10_000 && String(buffer: page.body).contains(String(buffer: script.body)))
            #expect(style.body.readableBytes > 1_000 && String(buffer: page.body).contains(String(buffer: style.body)))
            #expect(try await server.send(.GET, "/dashboard/overview").status == 401)
            let overview = try await get(server, "/dashboard/overview")
            #expect(overview.status == 200)
            let topics = (overview.json["topics"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(topics == ["orders", "payments"])
        }
    }

    @Test("the message browser pages by offset, filters by attributes and data, finds the first event at a time, and shows one event")
    func browse() async throws {
        try await withServer(try await Self.broker(), configuration: ServerConfiguration(access: try Self.access())) { server in
            let page = try await get(server, "/topics/orders/events?partition=0&from=2&limit=3")
            #expect(page.status == 200)
            #expect((page.json["events"] as? [[String: Any]])?.compactMap { $0["offset"] as? Int } == [2, 3, 4])
            #expect(page.json["next"] as? Int == 5)
            let filter = "type == shop.order.placed.v1 and data.size == large".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let filtered = try await get(server, "/topics/orders/events?from=0&filter=\(filter)")
            let subjects = (filtered.json["events"] as? [[String: Any]])?.compactMap { ($0["event"] as? [String: Any])?["subject"] as? String }
            #expect(subjects == ["A-6", "A-8"], "\(String(buffer: filtered.body))")
            #expect(filtered.json["scanned"] as? Int == 10)
            let atTime = try await get(server, "/topics/orders/events?time=2000-01-01T00:00:00Z&limit=1")
            #expect(atTime.json["from"] as? Int == 0)
            let future = try await get(server, "/topics/orders/events?time=2999-01-01T00:00:00Z&limit=1")
            #expect(future.json["from"] as? Int == 10 && (future.json["events"] as? [Any])?.isEmpty == true)
            let one = try await get(server, "/topics/orders/events/0/6")
            #expect(one.status == 200 && (one.json["event"] as? [String: Any])?["id"] as? String == "o-6")
            #expect(one.json["groups"] as? [Any] != nil)
            let bad = try await get(server, "/topics/orders/events?filter=type%20%3D%3D")
            #expect(bad.status == 400 && (bad.json["detail"] as? String)?.contains("expected a value") == true, "\(String(buffer: bad.body))")
            #expect(try await get(server, "/topics/orders/events/0/99").status == 404)
            #expect(try await get(server, "/topics/orders/events?partition=3").status == 400)
            #expect(try await get(server, "/topics/nope/events").status == 404)
        }
    }

    @Test("a read token sees topics, groups, dead letters, the audit log and the flow, and changes nothing; admin implies read")
    func readPermission() async throws {
        let broker = try await Self.broker()
        let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions())
        await subscription.close()
        try await withServer(broker, configuration: ServerConfiguration(access: try Self.access())) { server in
            for path in [
                "/topics", "/topics/orders", "/topics/orders/groups", "/topics/orders/groups/billing", "/topics/orders/groups/billing/deadletters",
                "/topics/orders/groups/billing/deadletters/categories", "/audit", "/flow", "/flow/mermaid", "/flow/asyncapi", "/traces",
            ] {
                #expect(try await get(server, path).status == 200, "GET \(path)")
            }
            let json = [("Authorization", "Bearer \(Self.reader)"), ("Content-Type", "application/json")]
            for (path, body) in [
                ("/topics/orders/groups/billing/seek", #"{"to":"earliest"}"#), ("/topics/orders/groups/billing/pause", "{}"),
                ("/topics/orders/groups/billing/deadletters/redrive", #"{"all":true}"#), ("/topics", #"{"name":"more"}"#),
            ] {
                let answer = try await server.send(.POST, path, headers: json, body: ByteBuffer(string: body))
                #expect(answer.status == 403, "POST \(path) with a read token")
            }
            let published = try await server.send(
                .POST, "/topics/orders/events",
                headers: [("Authorization", "Bearer \(Self.reader)"), ("ce-specversion", "1.0"), ("ce-id", "x"), ("ce-source", "/s"), ("ce-type", "t")])
            #expect(published.status == 403)
            #expect(try await get(server, "/topics/orders", token: Self.administrator).status == 200, "admin reads")
            #expect(try await get(server, "/topics/payments", token: Self.administrator).status == 403, "only on its topics")
            let listed = try await get(server, "/topics", token: Self.administrator)
            #expect((listed.json["topics"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["orders"])
        }
    }

    @Test("a trace of an unknown correlation id is a 404 that says what the server indexes")
    func unknownTrace() async throws {
        try await withServer(try await Self.broker(), configuration: ServerConfiguration(access: try Self.access())) { server in
            let answer = try await get(server, "/traces/never-seen")
            #expect(answer.status == 404 && (answer.json["detail"] as? String)?.contains("never-seen") == true)
        }
    }

    @Test("an event's life: in flight to its member until a deadline, awaiting redelivery with its failure, acknowledged")
    func eventLife() async throws {
        let broker = try await Self.broker()
        let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions(prefetch: 1))
        let delivery = try #require(try await subscription.next())
        try await withServer(broker, configuration: ServerConfiguration(access: try Self.access())) { server in
            func life() async throws -> [String: Any] {
                let answer = try await get(server, "/topics/orders/events/0/\(delivery.offset.value)")
                return (answer.json["groups"] as? [[String: Any]])?.first { $0["group"] as? String == "billing" } ?? [:]
            }
            let held = try await life()
            #expect(held["state"] as? String == "in flight" && held["member"] as? Int != nil && held["deadline"] as? String != nil, "\(held)")
            #expect(held["attempts"] as? Int == 1)
            try await delivery.nack(retryAfter: .seconds(3_600), failure: DeliveryFailure(errorType: "Timeout", message: "the bank did not answer"))
            let nacked = try await life()
            #expect(nacked["state"] as? String == "awaiting redelivery" && nacked["due"] as? String != nil, "\(nacked)")
            #expect((nacked["lastFailure"] as? String)?.contains("the bank did not answer") == true, "\(nacked)")
            let next = try #require(try await subscription.next())
            try await next.ack()
            let answer = try await get(server, "/topics/orders/events/0/\(next.offset.value)")
            let acknowledged = (answer.json["groups"] as? [[String: Any]])?.first
            #expect(acknowledged?["state"] as? String == "acknowledged", "\(String(describing: acknowledged))")
        }
        await subscription.close()
    }
}
