import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// A publishing request's W3C trace context goes into its events; every answer carries a request id.
@Suite("Server: trace context and request ids")
struct TraceAndRequestIDTests {
    private let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test("traceparent and tracestate from the request go into events without their own; an event's own is kept; an invalid one is ignored")
    func traceContext() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        try await withServer(broker) { server in
            let own = "00-11111111111111111111111111111111-2222222222222222-01"
            let batch =
                #"[{"specversion":"1.0","id":"t-1","source":"/t","type":"t.v1"},{"specversion":"1.0","id":"t-2","source":"/t","type":"t.v1","traceparent":"\#(own)"}]"#
            let answer = try await server.send(
                .POST, "/topics/orders/events",
                headers: [("Content-Type", "application/cloudevents-batch+json"), ("traceparent", parent), ("tracestate", "vendor=1")],
                body: ByteBuffer(string: batch))
            #expect(answer.status == 200)
            let invalid = try await server.send(
                .POST, "/topics/orders/events",
                headers: [("Content-Type", "application/cloudevents+json"), ("traceparent", "00-00000000000000000000000000000000-0000000000000000-01")],
                body: ByteBuffer(string: #"{"specversion":"1.0","id":"t-3","source":"/t","type":"t.v1"}"#))
            #expect(invalid.status == 200)
        }
        let stored = Dictionary(uniqueKeysWithValues: try await broker.read(topic: "orders", partition: 0, from: 0, limit: 10).map { ($0.event.id, $0.event) })
        #expect(stored["t-1"]?.extensionValue("traceparent") == parent && stored["t-1"]?.extensionValue("tracestate") == "vendor=1")
        #expect(stored["t-2"]?.extensionValue("traceparent") == "00-11111111111111111111111111111111-2222222222222222-01")
        #expect(stored["t-3"]?.extensionValue("traceparent") == nil, "an all-zero trace id is not a trace")
    }

    @Test("X-Request-Id: the client's is echoed, on problems too; without one the server gives its own")
    func requestIDs() async throws {
        let broker = InMemoryBroker()
        try await withServer(broker) { server in
            let given = try await server.send(.GET, "/healthz", headers: [("X-Request-Id", "client-42")])
            #expect(given.headers["X-Request-Id"].first == "client-42")
            let problem = try await server.send(.GET, "/topics/nowhere", headers: [("X-Request-Id", "client-43")])
            #expect(problem.status == 404 && problem.headers["X-Request-Id"].first == "client-43")
            let own = try await server.send(.GET, "/healthz")
            #expect(own.headers["X-Request-Id"].first?.isEmpty == false)
            let tooLong = try await server.send(.GET, "/healthz", headers: [("X-Request-Id", String(repeating: "x", count: 200))])
            #expect(tooLong.headers["X-Request-Id"].first?.count ?? 0 < 200, "an unusable id is replaced by the server's")
        }
    }
}
