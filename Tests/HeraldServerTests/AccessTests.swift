import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// Bearer tokens known by their digests, with permissions per topic pattern: 401 without a valid token,
/// 403 without the permission, and the allowed path of each permission.
@Suite("Server: access")
struct AccessTests {
    private static let publisher = "hrd_publisher-token-for-tests"
    private static let consumer = "hrd_consumer-token-for-tests"
    private static let administrator = "hrd_admin-token-for-tests"

    private static func access() throws -> ServerAccess {
        ServerAccess(tokens: [
            AccessToken(
                name: "shop", sha256: TokenDigest.sha256(of: publisher),
                grants: [AccessGrant(topics: try TopicPattern("orders*"), permissions: [.publish])]),
            AccessToken(
                name: "billing", sha256: TokenDigest.sha256(of: consumer),
                grants: [AccessGrant(topics: try TopicPattern("orders"), permissions: [.consume])]),
            AccessToken(
                name: "operator", sha256: TokenDigest.sha256(of: administrator),
                grants: [AccessGrant(topics: try TopicPattern("orders*"), permissions: [.admin])]),
        ])
    }

    private func broker() async throws -> InMemoryBroker {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        try await broker.createTopic(TopicConfiguration(name: "payments"))
        return broker
    }

    private func publish(_ server: ServerClient, token: String?, topic: String = "orders") async throws -> HTTPAnswer {
        var headers = [
            ("ce-specversion", "1.0"), ("ce-id", UUID().uuidString), ("ce-source", "/shop"), ("ce-type", "shop.order.placed.v1"),
            ("Content-Type", "text/plain"),
        ]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return try await server.send(.POST, "/topics/\(topic)/events", headers: headers, body: ByteBuffer(string: "one"))
    }

    private func fetch(_ server: ServerClient, token: String) async throws -> HTTPAnswer {
        try await server.send(
            .POST, "/topics/orders/groups/billing/fetch", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
            body: ByteBuffer(string: #"{"maxEvents":10}"#))
    }

    private func problemType(_ answer: HTTPAnswer) -> String? {
        answer.json["type"] as? String
    }

    @Test("no token, a malformed header or an unknown token gets 401 with a challenge, and nothing is published")
    func unauthenticated() async throws {
        let broker = try await broker()
        try await withServer(broker, configuration: ServerConfiguration(access: try Self.access())) { server in
            let missing = try await publish(server, token: nil)
            #expect(missing.status == 401)
            #expect(missing.headers["WWW-Authenticate"].first?.hasPrefix("Bearer") == true)
            #expect(problemType(missing) == "https://herald.dev/problems/unauthorized")
            let wrong = try await publish(server, token: "hrd_not-a-token-of-this-server")
            #expect(wrong.status == 401)
            #expect(wrong.headers["WWW-Authenticate"].first?.contains("invalid_token") == true)
            #expect(!String(buffer: wrong.body).contains("hrd_not-a-token"), "the answer never repeats the token")
            let basic = try await server.send(.GET, "/topics", headers: [("Authorization", "Basic dXNlcjpwYXNz")])
            #expect(basic.status == 401)
            // Probes need no token.
            #expect(try await server.send(.GET, "/healthz").status == 200)
        }
        #expect(try await broker.describeTopic("orders").events == 0)
    }

    @Test("publish: allowed on the topics its pattern covers, 403 elsewhere and for other permissions")
    func publishPermission() async throws {
        let broker = try await broker()
        try await withServer(broker, configuration: ServerConfiguration(access: try Self.access())) { server in
            #expect(try await publish(server, token: Self.publisher).status == 200)
            let elsewhere = try await publish(server, token: Self.publisher, topic: "payments")
            #expect(elsewhere.status == 403)
            #expect((elsewhere.json["detail"] as? String)?.contains("publish permission on topic 'payments'") == true)
            #expect(elsewhere.json["topic"] as? String == "payments")
            #expect(try await fetch(server, token: Self.publisher).status == 403)
            #expect(try await server.send(.GET, "/topics/orders", headers: [("Authorization", "Bearer \(Self.publisher)")]).status == 403)
            // A consumer may not publish.
            #expect(try await publish(server, token: Self.consumer).status == 403)
        }
        #expect(try await broker.describeTopic("orders").events == 1)
        #expect(try await broker.describeTopic("payments").events == 0)
    }

    @Test("consume: fetch and settle allowed on its topic, 403 on another")
    func consumePermission() async throws {
        let broker = try await broker()
        _ = try await broker.publish(try Event(id: "o-1", source: "/shop", type: "shop.order.placed.v1"), to: "orders")
        try await withServer(broker, configuration: ServerConfiguration(access: try Self.access())) { server in
            let fetched = try await fetch(server, token: Self.consumer)
            #expect(fetched.status == 200)
            let token = try #require((fetched.json["deliveries"] as? [[String: Any]])?.first?["token"] as? String)
            let settled = try await server.send(
                .POST, "/topics/orders/groups/billing/settle",
                headers: [("Authorization", "Bearer \(Self.consumer)"), ("Content-Type", "application/json")],
                body: ByteBuffer(string: #"{"settlements":[{"token":"\#(token)","action":"ack"}]}"#))
            #expect(settled.status == 200)
            let other = try await server.send(
                .POST, "/topics/payments/groups/billing/fetch", headers: [("Authorization", "Bearer \(Self.consumer)")])
            #expect(other.status == 403)
        }
    }

    @Test("admin: describes and lists only the topics its pattern covers")
    func adminPermission() async throws {
        let broker = try await broker()
        try await broker.createTopic(TopicConfiguration(name: "orders.audit"))
        try await withServer(broker, configuration: ServerConfiguration(access: try Self.access())) { server in
            let auth = [("Authorization", "Bearer \(Self.administrator)")]
            let list = try await server.send(.GET, "/topics", headers: auth)
            #expect(list.status == 200)
            #expect((list.json["topics"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["orders", "orders.audit"])
            #expect(try await server.send(.GET, "/topics/orders", headers: auth).status == 200)
            #expect(try await server.send(.GET, "/topics/payments", headers: auth).status == 403)
            #expect(try await server.send(.DELETE, "/topics/payments", headers: auth).status == 403)
            #expect(try await server.send(.GET, "/topics", headers: [("Authorization", "Bearer \(Self.publisher)")]).status == 403)
        }
        #expect(try await broker.topics().count == 3, "the refused delete deleted nothing")
    }

    @Test("anonymous requests may do everything only when the server allows them")
    func anonymous() async throws {
        let broker = try await broker()
        try await withServer(broker, configuration: ServerConfiguration(access: ServerAccess(allowsAnonymous: true))) { server in
            let published = try await publish(server, token: nil)
            let described = try await server.send(.GET, "/topics/payments")
            #expect(published.status == 200)
            #expect(described.status == 200)
        }
        try await withServer(broker, configuration: ServerConfiguration()) { server in
            let refused = try await publish(server, token: nil)
            #expect(refused.status == 401)
        }
    }

    @Test("topic patterns: exact names, * for any run of characters, and refused characters")
    func patterns() throws {
        let exact = try TopicPattern("orders")
        #expect(exact.matches("orders") && !exact.matches("orders.eu") && !exact.matches("order"))
        let prefix = try TopicPattern("orders.*")
        #expect(prefix.matches("orders.eu") && prefix.matches("orders.") && !prefix.matches("orders"))
        let middle = try TopicPattern("a*b*c")
        #expect(middle.matches("abc") && middle.matches("a-b-c") && middle.matches("aXbYbZc") && !middle.matches("acb") && !middle.matches("ab"))
        #expect(try TopicPattern("*").coversEveryTopic)
        #expect(throws: TopicPatternError.self) { try TopicPattern("orders/eu") }
        #expect(throws: TopicPatternError.self) { try TopicPattern("") }
        #expect(TokenDigest.sha256(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let token = TokenDigest.newToken()
        #expect(token.hasPrefix("hrd_") && token.count == 47 && token != TokenDigest.newToken())
    }
}
