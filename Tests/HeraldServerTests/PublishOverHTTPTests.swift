import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// Publishing by the CloudEvents HTTP binding, over loopback HTTP to a running server.
@Suite("Server: publishing over HTTP")
struct PublishOverHTTPTests {
    private func broker(_ topics: TopicConfiguration...) async throws -> InMemoryBroker {
        let broker = InMemoryBroker()
        for topic in topics { try await broker.createTopic(topic) }
        return broker
    }

    @Test("binary mode: every attribute, an extension and the data survive, Content-Type becomes datacontenttype")
    func binaryMode() async throws {
        let broker = try await broker(TopicConfiguration(name: "orders"))
        let answer = try await withServer(broker) { server in
            try await server.send(
                .POST, "/topics/orders/events",
                headers: [
                    ("ce-specversion", "1.0"), ("ce-id", "order-1"), ("ce-source", "/shop/counter"), ("ce-type", "shop.order.placed.v1"),
                    ("ce-subject", "table%207"), ("ce-time", "2026-12-02T10:00:00Z"), ("ce-dataschema", "https://schemas.example/order"),
                    ("ce-traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), ("Content-Type", "application/json"),
                ],
                body: ByteBuffer(string: #"{"drink":"flat white"}"#)
            )
        }
        #expect(answer.status == 200)
        let receipts = answer.json["receipts"] as? [[String: Any]]
        #expect(receipts?.count == 1)
        #expect(receipts?.first?["offset"] as? Int == 0 && receipts?.first?["duplicate"] as? Bool == false)
        let stored = try #require(try await broker.read(topic: "orders", partition: 0, from: 0, limit: 10).first?.event)
        #expect(stored.id == "order-1" && stored.source == "/shop/counter" && stored.type == "shop.order.placed.v1")
        #expect(stored.subject == "table 7", "percent-encoded header values are decoded")
        #expect(stored.time == Date(timeIntervalSince1970: 1_796_205_600))
        #expect(stored.dataContentType == "application/json" && stored.dataSchema == "https://schemas.example/order")
        #expect(stored.extensionValue("traceparent") == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(stored.data == ByteBuffer(string: #"{"drink":"flat white"}"#))
    }

    @Test("structured mode and batch mode; a batch sent again is recognised, event by event, as duplicates")
    func structuredAndBatch() async throws {
        let broker = try await broker(TopicConfiguration(name: "orders", partitions: 1))
        let (single, first, again) = try await withServer(broker) { server in
            let single = try await server.send(
                .POST, "/topics/orders/events", headers: [("Content-Type", "application/cloudevents+json; charset=utf-8")],
                body: ByteBuffer(string: #"{"specversion":"1.0","id":"s-1","source":"/shop","type":"shop.order.placed.v1","data":{"n":1}}"#)
            )
            let batch = ByteBuffer(
                string: "["
                    + (1...3).map { #"{"specversion":"1.0","id":"b-\#($0)","source":"/shop","type":"shop.order.placed.v1"}"# }.joined(separator: ",")
                    + "]")
            let first = try await server.send(.POST, "/topics/orders/events", headers: [("Content-Type", "application/cloudevents-batch+json")], body: batch)
            let again = try await server.send(.POST, "/topics/orders/events", headers: [("Content-Type", "application/cloudevents-batch+json")], body: batch)
            return (single, first, again)
        }
        #expect(single.status == 200)
        #expect(first.status == 200 && again.status == 200)
        let firstReceipts = first.json["receipts"] as? [[String: Any]] ?? []
        let againReceipts = again.json["receipts"] as? [[String: Any]] ?? []
        #expect(firstReceipts.map { $0["offset"] as? Int } == [1, 2, 3])
        #expect(firstReceipts.map { $0["id"] as? String } == ["b-1", "b-2", "b-3"])
        #expect(againReceipts.map { $0["offset"] as? Int } == [1, 2, 3], "a retried batch gets the original offsets")
        #expect(againReceipts.allSatisfy { $0["duplicate"] as? Bool == true })
        #expect(try await broker.read(topic: "orders", partition: 0, from: 0, limit: 10).count == 4, "nothing was stored twice")
    }

    @Test("bad input gets a problem body naming what is wrong, and stores nothing")
    func problems() async throws {
        let broker = try await broker(TopicConfiguration(name: "orders"), TopicConfiguration(name: "tiny", maximumEvents: 1))
        try await withServer(
            broker, configuration: ServerConfiguration(limits: ServerLimits(maximumBodyBytes: 1_024), access: ServerAccess(allowsAnonymous: true))
        ) { server in
            let binary = [("ce-specversion", "1.0"), ("ce-id", "x-1"), ("ce-type", "t.v1")]
            let missingSource = try await server.send(.POST, "/topics/orders/events", headers: binary, body: ByteBuffer(string: "x"))
            #expect(missingSource.status == 400)
            #expect(missingSource.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(missingSource.json["attribute"] as? String == "source", "\(missingSource.json)")
            #expect(missingSource.json["status"] as? Int == 400)

            let malformed = try await server.send(
                .POST, "/topics/orders/events", headers: [("Content-Type", "application/cloudevents+json")], body: ByteBuffer(string: "{\"id\":"))
            #expect(malformed.status == 400)

            let badBatch = try await server.send(
                .POST, "/topics/orders/events", headers: [("Content-Type", "application/cloudevents-batch+json")],
                body: ByteBuffer(string: #"[{"specversion":"1.0","id":"a","source":"/s","type":"t"},{"specversion":"1.0","id":"b","type":"t"}]"#))
            #expect(badBatch.status == 400)
            #expect(badBatch.json["index"] as? Int == 1 && badBatch.json["attribute"] as? String == "source", "\(badBatch.json)")

            let valid = binary + [("ce-source", "/s")]
            let unknownTopic = try await server.send(.POST, "/topics/nowhere/events", headers: valid, body: ByteBuffer(string: "x"))
            #expect(unknownTopic.status == 404)
            #expect(unknownTopic.json["topic"] as? String == "nowhere")

            let wrongFormat = try await server.send(
                .POST, "/topics/orders/events", headers: [("Content-Type", "application/cloudevents+xml")], body: ByteBuffer(string: "<e/>"))
            #expect(wrongFormat.status == 415)

            let oversize = try await server.send(.POST, "/topics/orders/events", headers: valid, body: ByteBuffer(repeating: 0x61, count: 2_048))
            #expect(oversize.status == 413)

            _ = try await server.send(.POST, "/topics/tiny/events", headers: valid, body: ByteBuffer(string: "x"))
            let full = try await server.send(
                .POST, "/topics/tiny/events", headers: [("ce-specversion", "1.0"), ("ce-id", "x-2"), ("ce-type", "t.v1"), ("ce-source", "/s")],
                body: ByteBuffer(string: "x"))
            #expect(full.status == 429)
            #expect(full.headers.first(name: "Retry-After") == "1")
            #expect(full.json["type"] as? String == "https://herald.dev/problems/topicFull")
        }
        #expect(try await broker.read(topic: "orders", partition: 0, from: 0, limit: 10).isEmpty, "no bad request stored anything")
    }

    @Test("probes: /healthz and /readyz answer 200")
    func probes() async throws {
        let broker = try await broker()
        let (health, ready) = try await withServer(broker) { server in
            (try await server.send(.GET, "/healthz").status, try await server.send(.GET, "/readyz").status)
        }
        #expect(health == 200 && ready == 200)
    }

    @Test("topics named in the configuration exist once the server listens")
    func configuredTopics() async throws {
        let broker = InMemoryBroker()
        let configuration = ServerConfiguration(topics: [TopicConfiguration(name: "payments", partitions: 3)])
        _ = try await withServer(broker, configuration: configuration) { _ in true }
        #expect(try await broker.topics().map(\.name) == ["payments"])
    }
}
