import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The broker conformance cases that make sense over the network, run against a real `herald serve`
/// process on the embedded log, over HTTP only: round trip, fan-out, competing consumers, redelivery
/// after a nack and after the ack deadline, dead letters, seek and de-duplication.
@Suite("Server: conformance over HTTP (herald serve)")
struct HTTPConformanceTests {
    private let json = [("Content-Type", "application/json")]

    private func createTopic(_ server: ServerClient, _ name: String, partitions: Int = 2) async throws {
        let answer = try await server.send(.POST, "/topics", headers: json, body: ByteBuffer(string: #"{"name":"\#(name)","partitions":\#(partitions)}"#))
        #expect(answer.status == 201, "\(String(buffer: answer.body))")
    }

    private func publish(_ server: ServerClient, _ topic: String, ids: [String]) async throws -> HTTPAnswer {
        let events = ids.map {
            #"{"specversion":"1.0","id":"\#($0)","source":"/conformance","type":"test.event.v1","subject":"k-\#($0)","data":{"id":"\#($0)"}}"#
        }
        return try await server.send(
            .POST, "/topics/\(topic)/events", headers: [("Content-Type", "application/cloudevents-batch+json")],
            body: ByteBuffer(string: "[\(events.joined(separator: ","))]"))
    }

    private func fetch(
        _ server: ServerClient, _ topic: String, group: String, maxEvents: Int = 100, waitMilliseconds: Int = 0, settings: String? = nil
    ) async throws -> [[String: Any]] {
        let groupMember = settings.map { #","group":\#($0)"# } ?? ""
        let answer = try await server.send(
            .POST, "/topics/\(topic)/groups/\(group)/fetch", headers: json,
            body: ByteBuffer(string: #"{"maxEvents":\#(maxEvents),"waitMilliseconds":\#(waitMilliseconds)\#(groupMember)}"#))
        #expect(answer.status == 200, "\(String(buffer: answer.body))")
        return answer.json["deliveries"] as? [[String: Any]] ?? []
    }

    private func settle(_ server: ServerClient, _ topic: String, group: String, _ deliveries: [[String: Any]], action: String) async throws {
        let items = deliveries.compactMap { $0["token"] as? String }.map { #"{"token":"\#($0)","action":"\#(action)","reason":"conformance"}"# }
        let answer = try await server.send(
            .POST, "/topics/\(topic)/groups/\(group)/settle", headers: json, body: ByteBuffer(string: #"{"settlements":[\#(items.joined(separator: ","))]}"#))
        #expect(answer.status == 200 && answer.json["settled"] as? Int == items.count, "\(String(buffer: answer.body))")
    }

    private func ids(_ deliveries: [[String: Any]]) -> [String] {
        deliveries.compactMap { ($0["event"] as? [String: Any])?["id"] as? String }
    }

    /// Fetches until `count` deliveries came or 10 s passed.
    private func fetchAll(_ server: ServerClient, _ topic: String, group: String, count: Int, settings: String? = nil) async throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while all.count < count, ContinuousClock.now < deadline {
            all += try await fetch(server, topic, group: group, maxEvents: count - all.count, waitMilliseconds: 1_000, settings: settings)
        }
        return all
    }

    @Test("round trip, fan-out to two groups, and de-duplication of a batch sent again")
    func roundTripFanOutAndDeduplication() async throws {
        try await withTemporaryDirectory { directory in
            try await withServeProcess(dataDirectory: directory) { server, _ in
                try await createTopic(server, "orders")
                let first = try await publish(server, "orders", ids: ["a", "b", "c"])
                #expect(first.status == 200)
                let again = try await publish(server, "orders", ids: ["a", "b", "c"])
                let receipts = again.json["receipts"] as? [[String: Any]] ?? []
                #expect(receipts.count == 3 && receipts.allSatisfy { $0["duplicate"] as? Bool == true })
                for group in ["billing", "shipping"] {
                    let deliveries = try await fetchAll(server, "orders", group: group, count: 3)
                    #expect(Set(ids(deliveries)) == ["a", "b", "c"], "group \(group) gets every event once")
                    let event = deliveries.first?["event"] as? [String: Any]
                    #expect(event?["source"] as? String == "/conformance" && event?["type"] as? String == "test.event.v1")
                    #expect((event?["data"] as? [String: Any])?["id"] as? String == event?["id"] as? String)
                    try await settle(server, "orders", group: group, deliveries, action: "ack")
                    #expect(try await fetch(server, "orders", group: group, waitMilliseconds: 200).isEmpty, "nothing more after the acks")
                }
            }
        }
    }

    @Test("competing consumers: two clients of one group share the events, each event to one of them")
    func competingConsumers() async throws {
        try await withTemporaryDirectory { directory in
            try await withServeProcess(dataDirectory: directory) { server, _ in
                try await createTopic(server, "jobs", partitions: 4)
                _ = try await publish(server, "jobs", ids: (1...40).map { "j\($0)" })
                async let left = fetchAll(server, "jobs", group: "workers", count: 20)
                async let right = fetchAll(server, "jobs", group: "workers", count: 20)
                let (a, b) = try await (left, right)
                #expect(Set(ids(a)).isDisjoint(with: ids(b)), "no event goes to both clients")
                #expect(Set(ids(a) + ids(b)) == Set((1...40).map { "j\($0)" }))
                try await settle(server, "jobs", group: "workers", a + b, action: "ack")
            }
        }
    }

    @Test("redelivery after a nack and after the ack deadline; dead letters after the last delivery")
    func redeliveryAndDeadLetters() async throws {
        try await withTemporaryDirectory { directory in
            try await withServeProcess(dataDirectory: directory) { server, _ in
                try await createTopic(server, "payments", partitions: 1)
                _ = try await publish(server, "payments", ids: ["p1"])
                let settings = #"{"ackDeadlineMilliseconds":300,"maximumDeliveries":3}"#
                let first = try await fetchAll(server, "payments", group: "ledger", count: 1, settings: settings)
                #expect(first.first?["attempt"] as? Int == 1)
                try await settle(server, "payments", group: "ledger", first, action: "nack")
                let second = try await fetchAll(server, "payments", group: "ledger", count: 1)
                #expect(ids(second) == ["p1"] && second.first?["attempt"] as? Int == 2, "a nack delivers again")
                // Not settled: after the 300 ms deadline it is delivered again.
                let third = try await fetchAll(server, "payments", group: "ledger", count: 1)
                #expect(ids(third) == ["p1"] && third.first?["attempt"] as? Int == 3, "an expired deadline delivers again")
                try await settle(server, "payments", group: "ledger", third, action: "nack")
                // The third delivery was the last: it goes to the dead letters with its failure.
                var letters: [[String: Any]] = []
                let deadline = ContinuousClock.now + .seconds(10)
                while letters.isEmpty, ContinuousClock.now < deadline {
                    letters = try await server.send(.GET, "/topics/payments/groups/ledger/deadletters").json["deadLetters"] as? [[String: Any]] ?? []
                }
                #expect(letters.count == 1)
                #expect((letters.first?["event"] as? [String: Any])?["id"] as? String == "p1")
                #expect(letters.first?["attempts"] as? Int == 3 && letters.first?["message"] as? String == "conformance")
                #expect(try await fetch(server, "payments", group: "ledger", waitMilliseconds: 500).isEmpty)
            }
        }
    }

    @Test("seek back to the start delivers acknowledged events again")
    func seek() async throws {
        try await withTemporaryDirectory { directory in
            try await withServeProcess(dataDirectory: directory) { server, _ in
                try await createTopic(server, "audit", partitions: 1)
                _ = try await publish(server, "audit", ids: ["x", "y"])
                let deliveries = try await fetchAll(server, "audit", group: "replayer", count: 2)
                try await settle(server, "audit", group: "replayer", deliveries, action: "ack")
                let sought = try await server.send(.POST, "/topics/audit/groups/replayer/seek", headers: json, body: ByteBuffer(string: #"{"offset":1}"#))
                #expect(sought.status == 200 && sought.json["pending"] as? Int == 1)
                #expect(ids(try await fetchAll(server, "audit", group: "replayer", count: 1)) == ["y"])
            }
        }
    }
}
