import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// `kill -9` of a real `herald serve` while HTTP clients publish: after a restart on the same data
/// directory, every publish that got a 2xx is there, once. `HERALD_SERVE_KILL_ITERATIONS` sets the number
/// of kills (default 3).
@Suite("Server: kill -9 during HTTP publishes")
struct ServeKillTests {
    private final class Acknowledged: Sendable {
        // Mutex: the publishing tasks add to it.
        let ids = Mutex<Set<String>>([])
    }

    @Test("no publish that got a 2xx is lost, none is stored twice")
    func killDuringPublishes() async throws {
        let iterations = ProcessInfo.processInfo.environment["HERALD_SERVE_KILL_ITERATIONS"].flatMap(Int.init) ?? 3
        try await withTemporaryDirectory { directory in
            let acknowledged = Acknowledged()
            var generator = SystemRandomNumberGenerator()
            for run in 0..<iterations {
                let server = try await ServeProcess.start(dataDirectory: directory)
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                let http = ServerClient(base: server.base, client: client)
                if run == 0 {
                    let created = try await http.send(
                        .POST, "/topics", headers: [("Content-Type", "application/json")], body: ByteBuffer(string: #"{"name":"orders","partitions":4}"#))
                    #expect(created.status == 201)
                }
                // Eight publishers, each a bounded loop that ends at its first failed request (the kill).
                let publishers = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for publisher in 0..<8 {
                            group.addTask {
                                for sequence in 0..<5_000 {
                                    let ids = (0..<(sequence % 2 == 0 ? 1 : 10)).map { "r\(run)-p\(publisher)-s\(sequence)-\($0)" }
                                    let body = ids.map {
                                        #"{"specversion":"1.0","id":"\#($0)","source":"/kill","type":"kill.test.v1","subject":"p\#(publisher)"}"#
                                    }
                                    guard
                                        let answer = try? await http.send(
                                            .POST, "/topics/orders/events", headers: [("Content-Type", "application/cloudevents-batch+json")],
                                            body: ByteBuffer(string: "[\(body.joined(separator: ","))]")),
                                        answer.status == 200
                                    else { return }
                                    acknowledged.ids.withLock { $0.formUnion(ids) }
                                }
                            }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...900, using: &generator)))
                await server.kill()
                await publishers.value
                try await client.shutdown()
            }

            // Restarted: read everything back over HTTP with a new group.
            let expected = acknowledged.ids.withLock { $0 }
            #expect(!expected.isEmpty, "the publishers got some 2xx answers before the kills")
            try await withServeProcess(dataDirectory: directory) { server, _ in
                let described = try await server.send(.GET, "/topics/orders")
                let stored = described.json["events"] as? Int ?? 0
                var seen: [String: Int] = [:]
                var fetched = 0
                let deadline = ContinuousClock.now + .seconds(60)
                while fetched < stored, ContinuousClock.now < deadline {
                    let answer = try await server.send(
                        .POST, "/topics/orders/groups/checker/fetch", headers: [("Content-Type", "application/json")],
                        body: ByteBuffer(string: #"{"maxEvents":1000,"waitMilliseconds":500}"#))
                    let deliveries = answer.json["deliveries"] as? [[String: Any]] ?? []
                    for delivery in deliveries {
                        if let id = (delivery["event"] as? [String: Any])?["id"] as? String { seen[id, default: 0] += 1 }
                    }
                    fetched += deliveries.count
                    let tokens = deliveries.compactMap { $0["token"] as? String }.map { #"{"token":"\#($0)","action":"ack"}"# }
                    _ = try await server.send(
                        .POST, "/topics/orders/groups/checker/settle", headers: [("Content-Type", "application/json")],
                        body: ByteBuffer(string: #"{"settlements":[\#(tokens.joined(separator: ","))]}"#))
                }
                let missing = expected.filter { seen[$0] == nil }
                #expect(missing.isEmpty, "\(missing.count) acknowledged publishes are missing, e.g. \(missing.sorted().prefix(5))")
                #expect(seen.values.allSatisfy { $0 == 1 }, "no event is stored twice")
                print("serve kill test: \(iterations) kills, \(expected.count) acknowledged events, \(stored) stored, all acknowledged present once")
            }
        }
    }
}
