import AsyncHTTPClient
import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// Each token's request rate and requests at once, answered 429 with a problem and `Retry-After`, on a
/// manual clock; and the limits' keys in the configuration file.
@Suite("Server: limits per token")
struct LimitsTests {
    private static let fast = "fast-token-text"
    private static let slow = "slow-token-text"

    private func configuration(defaults: TokenLimits, slowLimits: TokenLimits?) throws -> ServerConfiguration {
        let all = [AccessGrant(topics: try TopicPattern("*"), permissions: [.publish, .consume, .admin])]
        return ServerConfiguration(
            limits: ServerLimits(perToken: defaults),
            access: ServerAccess(tokens: [
                AccessToken(name: "fast", sha256: TokenDigest.sha256(of: Self.fast), grants: all),
                AccessToken(name: "slow", sha256: TokenDigest.sha256(of: Self.slow), grants: all, limits: slowLimits),
            ])
        )
    }

    private func bearer(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }

    @Test("a token over its rate gets 429 naming the token and the rate, with Retry-After; time refills it; other tokens and probes go on")
    func rate() async throws {
        let clock = ManualClock()
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        let configuration = try configuration(defaults: TokenLimits(), slowLimits: TokenLimits(requestsPerSecond: 2, burst: 2))
        try await withServer(broker, configuration: configuration, clock: clock) { server in
            for index in 0..<2 {
                let answer = try await server.send(.GET, "/topics/orders", headers: bearer(Self.slow))
                #expect(answer.status == 200, "request \(index) within the burst")
            }
            let refused = try await server.send(.GET, "/topics/orders", headers: bearer(Self.slow))
            #expect(refused.status == 429)
            #expect(refused.headers["Retry-After"].first == "1")
            #expect(refused.json["type"] as? String == "https://herald.dev/problems/rateLimited")
            let detail = refused.json["detail"] as? String ?? ""
            #expect(detail.contains("'slow'") && detail.contains("2.0 requests per second"), "\(detail)")
            #expect(refused.headers["X-Request-Id"].first != nil, "a refusal carries a request id")

            // Another token and the probes are not held back by this one.
            #expect(try await server.send(.GET, "/topics/orders", headers: bearer(Self.fast)).status == 200)
            #expect(try await server.send(.GET, "/healthz").status == 200)
            // Half a second refills one token at 2 per second: one more request, then refused again.
            clock.advance(by: .milliseconds(500))
            #expect(try await server.send(.GET, "/topics/orders", headers: bearer(Self.slow)).status == 200)
            #expect(try await server.send(.GET, "/topics/orders", headers: bearer(Self.slow)).status == 429)
            // A full second refills the whole burst of 2.
            clock.advance(by: .seconds(1))
            #expect(try await server.send(.GET, "/topics/orders", headers: bearer(Self.slow)).status == 200)
            #expect(try await server.send(.GET, "/topics/orders", headers: bearer(Self.slow)).status == 200)
            #expect(try await server.send(.GET, "/topics/orders", headers: bearer(Self.slow)).status == 429)
        }
    }

    @Test("a token with as many requests in progress as it may gets 429; an open stream counts; answered requests give their place back")
    func concurrency() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        let configuration = try configuration(defaults: TokenLimits(concurrentRequests: 1), slowLimits: nil)
        try await withServer(broker, configuration: configuration) { server in
            // Answered requests give their place back, refused ones (404) too: one at a time never hits the limit.
            for _ in 0..<5 {
                #expect(try await server.send(.GET, "/topics/orders", headers: bearer(Self.fast)).status == 200)
                #expect(try await server.send(.GET, "/topics/missing", headers: bearer(Self.fast)).status == 404)
            }
            var request = HTTPClientRequest(url: server.base + "/topics/orders/groups/billing/stream?credit=1")
            request.headers.add(name: "Authorization", value: "Bearer \(Self.fast)")
            let stream = Task {
                let response = try await server.client.execute(request, timeout: .seconds(30))
                return response
            }
            let response = try await stream.value
            #expect(response.status == .ok, "the stream holds the token's one request")
            let refused = try await server.send(.GET, "/topics/orders", headers: bearer(Self.fast))
            #expect(refused.status == 429)
            #expect(refused.json["type"] as? String == "https://herald.dev/problems/tooManyConcurrentRequests")
            #expect(refused.json["attribute"] as? String == "concurrentRequests")
            #expect(refused.headers["Retry-After"].first == "1")
            #expect(try await server.send(.GET, "/topics/orders", headers: bearer(Self.slow)).status == 200, "another token has its own count")
        }
    }

    @Test("the configuration file reads limits, per-token defaults and a token's own limits, naming a wrong key")
    func configurationKeys() throws {
        let digest = TokenDigest.sha256(of: "x")
        let text = """
            {"limits": {"maximumConnections": 64, "perToken": {"requestsPerSecond": 100, "burst": 50}},
             "access": {"tokens": [{"name": "a", "sha256": "\(digest)", "grants": [], "limits": {"concurrentRequests": 3}}]}}
            """
        let configuration = try ServerConfigurationFile.parse(Data(text.utf8), path: "serve.json")
        #expect(configuration.limits.maximumConnections == 64)
        #expect(configuration.limits.perToken == TokenLimits(requestsPerSecond: 100, burst: 50, concurrentRequests: 256))
        #expect(configuration.access.tokens.first?.limits == TokenLimits(requestsPerSecond: nil, burst: nil, concurrentRequests: 3))

        let cases: [(String, String)] = [
            (#"{"limits": {"perToken": {"requestsPerSecond": 0}}}"#, "limits.perToken.requestsPerSecond"),
            (#"{"limits": {"perToken": {"rate": 5}}}"#, "limits.perToken.rate"),
            (#"{"limits": {"maximumConnections": 0}}"#, "limits.maximumConnections"),
            (#"{"access": {"tokens": [{"name": "a", "sha256": "\#(digest)", "grants": [], "limits": {"burst": "many"}}]}}"#, "access.tokens[0].limits.burst"),
        ]
        for (text, key) in cases {
            #expect(throws: ServerConfigurationError.self, "\(key)") { try ServerConfigurationFile.parse(Data(text.utf8), path: "serve.json") }
            do {
                _ = try ServerConfigurationFile.parse(Data(text.utf8), path: "serve.json")
            } catch {
                #expect(error.key == key)
            }
        }
    }
}
