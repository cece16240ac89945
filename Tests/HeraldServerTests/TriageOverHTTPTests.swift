import Foundation
import Herald
import HeraldServer
import HeraldTesting
import NIOCore
import NIOHTTP1
import Testing

/// Dead-letter triage over loopback HTTP: categories, dry run and redrive of one category, the audit log,
/// archive, edit with its permission, and failure history across a second failure.
@Suite("Server: dead-letter triage")
struct TriageOverHTTPTests {
    private static let operatorToken = "hrd_operator-token-for-triage"
    private static let consumerToken = "hrd_consumer-token-for-triage"

    private static func access() throws -> ServerAccess {
        ServerAccess(tokens: [
            AccessToken(
                name: "operator", sha256: TokenDigest.sha256(of: operatorToken),
                grants: [AccessGrant(topics: try TopicPattern("*"), permissions: [.admin])]),
            AccessToken(
                name: "billing-team", sha256: TokenDigest.sha256(of: consumerToken),
                grants: [AccessGrant(topics: try TopicPattern("orders"), permissions: [.consume])]),
        ])
    }

    /// Five failures, each with ids, numbers or addresses that vary from one dead letter to the next.
    private static func failure(_ index: Int) -> DeliveryFailure {
        switch index % 5 {
        case 0: DeliveryFailure(errorType: "PaymentDeclined", message: "card ending \(1000 + index % 9000) declined for order o-\(index)")
        case 1: DeliveryFailure(errorType: "TimeoutError", message: "upstream timed out after \(index % 50 + 1).5 s calling /v1/charges/\(UUID().uuidString)")
        case 2: DeliveryFailure(errorType: "DecodingError", message: "missing field 'amount' at index \(index)")
        case 3:
            DeliveryFailure(errorType: "InventoryError", message: "sku \(String(index * 7919 + 0x1000_0000, radix: 16)) out of stock in warehouse \(index % 7)")
        default: DeliveryFailure(errorType: "PermanentFailure", message: "customer c-\(index)@example.com is blocked")
        }
    }

    /// A broker whose group `billing` on `orders` holds `count` dead letters of the five failures.
    private static func broker(deadLetters count: Int) async throws -> InMemoryBroker {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 4))
        try await broker.createTopic(TopicConfiguration(name: "orders.billing.deadletter", partitions: 4))
        let member = try await broker.subscribe(to: "orders", group: "billing")
        await member.close()
        let now = Date()
        for start in stride(from: 0, to: count, by: 1_000) {
            let letters = try (start..<min(start + 1_000, count)).map { index in
                DeadLetter(
                    event: try Event(id: "o-\(index)", source: "/shop", type: "shop.order.placed.v1", subject: "customer-\(index % 100)"),
                    failure: failure(index), attempts: 5, firstFailureAt: now, lastFailureAt: now, originTopic: "orders",
                    originPartition: Partition(index % 4), originOffset: Offset(Int64(index / 4)), group: "billing"
                ).encodedEvent
            }
            _ = try await broker.publish(letters, to: "orders.billing.deadletter")
        }
        return broker
    }

    private func send(
        _ server: ServerClient, _ method: HTTPMethod, _ path: String, token: String = operatorToken, body: String? = nil
    ) async throws -> HTTPAnswer {
        try await server.send(
            method, path, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")], body: body.map { ByteBuffer(string: $0) })
    }

    @Test("10,000 dead letters of 5 failures make 5 categories; a dry run then a redrive of one moves exactly its events, and the audit log records it")
    func categoriesAndRedrive() async throws {
        let broker = try await Self.broker(deadLetters: 10_000)
        try await withServer(broker, configuration: ServerConfiguration(access: try Self.access())) { server in
            let base = "/topics/orders/groups/billing/deadletters"
            let listed = try await send(server, .GET, "\(base)/categories")
            #expect(listed.status == 200, "\(String(buffer: listed.body))")
            let categories = listed.json["categories"] as? [[String: Any]] ?? []
            #expect(categories.count == 5)
            #expect(categories.allSatisfy { $0["count"] as? Int == 2_000 })
            #expect(listed.json["open"] as? Int == 10_000)
            let declined = try #require(categories.first { $0["errorType"] as? String == "PaymentDeclined" })
            #expect(declined["pattern"] as? String == "card ending <n> declined for order o-<n>")
            let id = try #require(declined["id"] as? String)

            let dryRun = try await send(server, .POST, "\(base)/redrive", body: #"{"category":"\#(id)","dryRun":true}"#)
            #expect(dryRun.status == 200, "\(String(buffer: dryRun.body))")
            #expect(dryRun.json["count"] as? Int == 2_000 && dryRun.json["dryRun"] as? Bool == true)
            #expect((dryRun.json["topics"] as? [String: Int]) == ["orders": 2_000])
            #expect(try await broker.describeTopic("orders").events == 0, "a dry run publishes nothing")

            let redrive = try await send(server, .POST, "\(base)/redrive", body: #"{"category":"\#(id)"}"#)
            #expect(redrive.status == 200 && redrive.json["count"] as? Int == 2_000 && redrive.json["duplicates"] as? Int == 0)
            var redriven: [StoredEvent] = []
            for partition in 0..<4 {
                redriven += try await broker.read(topic: "orders", partition: Partition(partition), from: 0, limit: 10_000)
            }
            #expect(redriven.count == 2_000)
            #expect(redriven.allSatisfy { (Int($0.event.id.dropFirst(2)) ?? -1) % 5 == 0 }, "exactly the category's events")
            #expect(redriven.allSatisfy { $0.event.extensionValue("heraldredrive") == "1" && $0.event.extensionValue("dlerror") == nil })

            let after = try await send(server, .GET, "\(base)/categories")
            #expect((after.json["categories"] as? [Any])?.count == 4)
            #expect(after.json["open"] as? Int == 8_000)
            let again = try await send(server, .POST, "\(base)/redrive", body: #"{"category":"\#(id)"}"#)
            #expect(again.status == 404, "a redriven category is closed")

            let audit = try await send(server, .GET, "/audit")
            let entries = audit.json["entries"] as? [[String: Any]] ?? []
            #expect(entries.count == 1)
            #expect(entries.first?["action"] as? String == "redrive" && entries.first?["actor"] as? String == "operator")
            #expect(entries.first?["count"] as? Int == 2_000 && entries.first?["selection"] as? String == "category \(id)")
        }
    }

    @Test("edit needs admin; the edited event is new and names the dead letter it replaces; archive closes; history follows a second failure")
    func editArchiveAndHistory() async throws {
        let broker = try await Self.broker(deadLetters: 10)
        try await withServer(broker, configuration: ServerConfiguration(access: try Self.access())) { server in
            let base = "/topics/orders/groups/billing/deadletters"
            let letters = try await send(server, .GET, "\(base)?limit=10", token: Self.consumerToken)
            #expect(letters.status == 200)
            let positions = (letters.json["deadLetters"] as? [[String: Any]] ?? []).compactMap { $0["position"] as? String }
            #expect(positions.count == 10)
            let first = try #require(positions.first)
            let path = "\(base)/\(first.replacingOccurrences(of: ":", with: "/"))"

            let edit = #"{"event":{"specversion":"1.0","id":"o-0-fixed","source":"/shop","type":"shop.order.placed.v1","data":{"amount":12}}}"#
            let refused = try await send(server, .POST, "\(path)/edit", token: Self.consumerToken, body: edit)
            #expect(refused.status == 403)
            let sameID = try await send(server, .POST, "\(path)/edit", body: edit.replacingOccurrences(of: "o-0-fixed", with: "o-0"))
            #expect(sameID.status == 400 && sameID.json["attribute"] as? String == "id")
            let edited = try await send(server, .POST, "\(path)/edit", body: edit)
            #expect(edited.status == 200, "\(String(buffer: edited.body))")
            let published = try await broker.read(
                topic: "orders", partition: Partition((edited.json["receipt"] as? [String: Any])?["partition"] as? Int ?? 0), from: 0, limit: 10)
            #expect(published.map(\.event.id) == ["o-0-fixed"])
            #expect(published.first?.event.extensionValue("heraldreplaces") == "orders.billing.deadletter/\(first)")
            let editAgain = try await send(server, .POST, "\(path)/edit", body: edit)
            #expect(editAgain.status == 409)

            let archived = try await send(server, .POST, "\(base)/archive", token: Self.consumerToken, body: #"{"positions":["\#(positions[1])","9:9"]}"#)
            #expect(archived.status == 200 && archived.json["count"] as? Int == 1)
            #expect((archived.json["skipped"] as? [String: String])?["9:9"] != nil)
            let open = try await send(server, .GET, "\(base)/categories")
            #expect(open.json["open"] as? Int == 8)

            // A redriven event that fails again comes back with its history and the repeat counted.
            let third = positions[2]
            #expect(try await send(server, .POST, "\(base)/redrive", body: #"{"positions":["\#(third)"]}"#).json["count"] as? Int == 1)
            let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions(maximumDeliveries: 1))
            var rejected = false
            for _ in 0..<10 where !rejected {
                for delivery in try await subscription.next(upTo: 10) {
                    if delivery.event.extensionValue("heraldredrive") == "1" {
                        try await delivery.reject(failure: DeliveryFailure(errorType: "PaymentDeclined", message: "still declined"))
                        rejected = true
                    } else {
                        try await delivery.ack()
                    }
                }
            }
            #expect(rejected)
            try await broker.waitUntilIdle(groups: [GroupReference(topic: "orders", group: "billing")], timeout: .seconds(60))
            await subscription.close()
            let latest = try await send(server, .GET, "\(base)?limit=100")
            let comeback = try #require((latest.json["deadLetters"] as? [[String: Any]])?.first { $0["redrives"] as? Int == 1 })
            let comebackPath = "\(base)/\(((comeback["position"] as? String) ?? "").replacingOccurrences(of: ":", with: "/"))"
            let shown = try await send(server, .GET, comebackPath)
            #expect(shown.status == 200 && shown.json["open"] as? Bool == true)
            #expect(shown.json["message"] as? String == "still declined")
            let history = shown.json["history"] as? [[String: Any]] ?? []
            #expect(history.map { $0["position"] as? String } == [third])

            let audit = try await send(server, .GET, "/audit")
            #expect((audit.json["entries"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["edit", "archive", "redrive"])
        }
    }

    @Test("failure messages: ids, numbers, UUIDs, hex and addresses are masked; the words are kept")
    func patterns() {
        #expect(FailureMessagePattern.normalize("order o-1842 not found") == "order o-<n> not found")
        #expect(FailureMessagePattern.normalize("took 12.5 s (limit 1,000)") == "took <n> s (limit <n>)")
        #expect(FailureMessagePattern.normalize("id 3F2504E0-4F89-11D3-9A0C-0305E82C3301 gone") == "id <uuid> gone")
        #expect(FailureMessagePattern.normalize("sku 1a2b3c4d5e missing") == "sku <hex> missing")
        #expect(FailureMessagePattern.normalize("user 'ann@example.com' blocked") == "user '<email>' blocked")
        #expect(FailureMessagePattern.normalize("deadbeef is a word") == "deadbeef is a word", "hex without a digit is a word")
    }
}

extension TriageOverHTTPTests {
    @Test("export writes every dead letter as JSON lines; import into another server stores them once, open, in the same categories")
    func exportAndImport() async throws {
        let source = try await Self.broker(deadLetters: 25)
        let lines = try await withServer(source, configuration: ServerConfiguration(access: try Self.access())) { server in
            let archived = try await send(server, .POST, "/topics/orders/groups/billing/deadletters/archive", body: #"{"positions":["0:0"]}"#)
            #expect(archived.json["count"] as? Int == 1)
            let export = try await send(server, .GET, "/topics/orders/groups/billing/deadletters/export", token: Self.consumerToken)
            #expect(export.status == 200)
            #expect(export.headers["Content-Type"].first == "application/x-ndjson")
            return String(buffer: export.body)
        }
        let rows = lines.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(rows.count == 25)
        #expect(rows.filter { $0["open"] as? Bool == false }.map { $0["position"] as? String } == ["0:0"])

        let target = InMemoryBroker()
        try await target.createTopic(TopicConfiguration(name: "orders", partitions: 4))
        let member = try await target.subscribe(to: "orders", group: "billing")
        await member.close()
        try await withServer(target, configuration: ServerConfiguration(access: try Self.access())) { server in
            let refused = try await send(server, .POST, "/topics/orders/groups/billing/deadletters/import", token: Self.consumerToken, body: lines)
            #expect(refused.status == 403, "importing needs admin")
            let imported = try await send(server, .POST, "/topics/orders/groups/billing/deadletters/import", body: lines)
            #expect(imported.status == 200, "\(String(buffer: imported.body))")
            #expect(imported.json["count"] as? Int == 25 && imported.json["duplicates"] as? Int == 0)
            let again = try await send(server, .POST, "/topics/orders/groups/billing/deadletters/import", body: lines)
            #expect(again.json["count"] as? Int == 0 && again.json["duplicates"] as? Int == 25, "an import sent twice stores nothing twice")
            let categories = try await send(server, .GET, "/topics/orders/groups/billing/deadletters/categories")
            #expect((categories.json["categories"] as? [Any])?.count == 5 && categories.json["open"] as? Int == 25)
            let wrongGroup = try await send(server, .POST, "/topics/orders/groups/shipping/deadletters/import", body: lines)
            #expect(wrongGroup.status == 404 || wrongGroup.status == 400, "\(wrongGroup.status)")
        }
    }
}
