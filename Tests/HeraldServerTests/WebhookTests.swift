import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// Push subscriptions to a webhook receiver written with the CloudEvents Python SDK: the validation
/// handshake, every attribute and extension delivered, and a receiver that refuses gets nothing.
@Suite(
    "Server: webhooks to a CloudEvents SDK receiver",
    .enabled(
        if: ProcessInfo.processInfo.environment["HERALD_CLOUDEVENTS_PYTHON"] != nil || ProcessInfo.processInfo.environment["HERALD_REQUIRE_SERVICES"] == "1"))
struct WebhookTests {
    private static var receiverScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/cloudevents_receiver.py").path
    }

    private static func receiver(_ mode: String) async throws -> (LineProcess, port: Int) {
        let python = try #require(
            ProcessInfo.processInfo.environment["HERALD_CLOUDEVENTS_PYTHON"],
            "HERALD_CLOUDEVENTS_PYTHON is not set (python3 with cloudevents); run scripts/test.sh")
        let process = try LineProcess(python, [receiverScript, mode])
        let first = await process.nextLine() ?? ""
        let port = try #require(first.hasPrefix("PORT ") ? Int(first.dropFirst(5)) : nil, "the receiver printed '\(first)'")
        return (process, port)
    }

    @Test("the endpoint is validated, then gets every event with its attributes, extensions and data; the group is then idle")
    func deliversToSDKReceiver() async throws {
        let (receiver, port) = try await Self.receiver("accept")
        defer { receiver.stop() }
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 2))
        let webhook = WebhookConfiguration(name: "sdk", topic: "orders", url: "http://127.0.0.1:\(port)/hook")
        let sent = [
            try Event(
                id: "w-1", source: "/shop", type: "shop.order.placed.v1", subject: "c-1", time: Date(timeIntervalSince1970: 1_796_000_000.25),
                dataContentType: "application/json", dataSchema: "https://example.com/order.json", extensions: ["tenant": "acme", "priority": "high"],
                data: ByteBuffer(string: #"{"drink":"flat white"}"#)),
            try Event(
                id: "w-2", source: "/shop", type: "shop.order.placed.v1", dataContentType: "application/octet-stream",
                data: ByteBuffer(bytes: [0, 1, 2, 255])),
        ]
        try await withServer(broker, configuration: ServerConfiguration(access: ServerAccess(allowsAnonymous: true), webhooks: [webhook])) { server in
            _ = try await broker.publish(sent, to: "orders")
            var received: [String: [String: Any]] = [:]
            var validated = false
            while received.count < sent.count, let line = await receiver.nextLine() {
                if line.hasPrefix("OPTIONS ") { validated = line == "OPTIONS herald" }
                if line.hasPrefix("EVENT "), let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                    let id = object["id"] as? String
                {
                    received[id] = object
                }
            }
            #expect(validated, "the handshake came first, naming the origin")
            let first = try #require(received["w-1"])
            #expect(first["type"] as? String == "shop.order.placed.v1" && first["source"] as? String == "/shop" && first["subject"] as? String == "c-1")
            #expect(first["tenant"] as? String == "acme" && first["priority"] as? String == "high")
            #expect(first["dataschema"] as? String == "https://example.com/order.json" && first["datacontenttype"] as? String == "application/json")
            #expect(first["time"] as? String == "2026-11-30T00:53:20.250000Z" || first["time"] as? String == "2026-11-30T00:53:20.250000+00:00")
            #expect((first["data"] as? [String: Any])?["drink"] as? String == "flat white")
            #expect(received["w-2"]?["data_base64"] as? String == "AAEC/w==")
            try await broker.waitUntilIdle(groups: [GroupReference(topic: "orders", group: "webhook-sdk")], timeout: .seconds(60))
            let status = try await server.send(.GET, "/webhooks")
            let entry = (status.json["webhooks"] as? [[String: Any]])?.first
            #expect(entry?["state"] as? String == "active" && entry?["delivered"] as? Int == 2 && entry?["allowedRatePerMinute"] as? Int == 6_000)
        }
    }

    @Test("a receiver that refuses the handshake gets no event, and the webhook shows why")
    func refusingReceiver() async throws {
        let (receiver, port) = try await Self.receiver("refuse")
        defer { receiver.stop() }
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        _ = try await broker.publish(try Event(id: "r-1", source: "/shop", type: "shop.order.placed.v1"), to: "orders")
        let webhook = WebhookConfiguration(name: "closed", topic: "orders", url: "http://127.0.0.1:\(port)/hook")
        try await withServer(broker, configuration: ServerConfiguration(access: ServerAccess(allowsAnonymous: true), webhooks: [webhook])) { server in
            let line = await receiver.nextLine()
            #expect(line == "OPTIONS herald")
            var state: [String: Any]? = nil
            let deadline = ContinuousClock.now + .seconds(10)
            while state?["state"] as? String != "refused", ContinuousClock.now < deadline {
                state = (try await server.send(.GET, "/webhooks").json["webhooks"] as? [[String: Any]])?.first
            }
            #expect(state?["state"] as? String == "refused")
            #expect((state?["refusal"] as? String)?.contains("403") == true)
            #expect(try await broker.describeGroups(of: "orders").isEmpty, "nothing subscribed, nothing delivered")
        }
    }
}

/// What a webhook's answer means, as a pure function.
@Suite("Server: webhook answers")
struct WebhookOutcomeTests {
    @Test("2xx acknowledges, 400/413/415/422 dead-letter, others retry, Retry-After in seconds or as a date is honoured and capped")
    func outcomes() {
        #expect(WebhookOutcome.classify(status: 204, retryAfter: nil) == .acknowledged)
        if case .deadLetter(let failure) = WebhookOutcome.classify(status: 422, retryAfter: nil) {
            #expect(failure.message.contains("422"))
        } else {
            Issue.record("422 dead-letters")
        }
        #expect(
            WebhookOutcome.classify(status: 503, retryAfter: "7")
                == .retry(after: .seconds(7), failure: DeliveryFailure(errorType: "WebhookHTTPStatus", message: "the endpoint answered 503")))
        #expect(
            WebhookOutcome.classify(status: 500, retryAfter: nil)
                == .retry(after: nil, failure: DeliveryFailure(errorType: "WebhookHTTPStatus", message: "the endpoint answered 500")))
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        #expect(WebhookOutcome.parseRetryAfter("99999", now: now) == .seconds(3_600))
        let date = WebhookOutcome.parseRetryAfter("Tue, 01 Dec 2026 00:00:30 GMT", now: Date(timeIntervalSince1970: 1_796_083_200))
        #expect(date == .seconds(30))
        #expect(WebhookOutcome.parseRetryAfter("soon", now: now) == nil)
    }
}
