import Foundation
import Herald
import HeraldEventSourcing
import HeraldServer
import HeraldTesting
import NIOHTTP1
import Testing

/// A read model the test projects: events counted.
private struct EventCount: Projection, Codable {
    static let name = "event-count"
    var count = 0
    mutating func apply(_ recorded: RecordedEvent) throws { count += 1 }
}

private struct StoreDown: Error, CustomStringConvertible {
    var description: String { "the store is down" }
}

@Suite("Server: projection lag")
struct ProjectionsOverHTTPTests {
    @Test("GET /projections shows each projection's position, the head and the lag, before and after it catches up")
    func lag() async throws {
        let store = InMemoryEventStore()
        for index in 0..<3 {
            _ = try await store.append([try Event(id: "e-\(index)", source: "/t", type: "t.v1")], to: "s-\(index)", expecting: .any)
        }
        let runner = ProjectionRunner<EventCount>(store: store, checkpoints: InMemoryProjectionCheckpoints(), saveEvery: 1)
        let monitor = ProjectionMonitor()
        runner.report(to: monitor)
        monitor.watch("broken") { throw StoreDown() }
        try await withServer(InMemoryBroker(), projections: monitor) { server in
            let before = try await server.send(.GET, "/projections")
            #expect(before.status == 200)
            let listed = try #require(before.json["projections"] as? [[String: Any]])
            #expect(listed.compactMap { $0["name"] as? String } == ["broken", "event-count"])
            #expect(listed[0]["error"] as? String == "the store is down")
            #expect(listed[1]["positionsBehind"] as? Int == 3)
            #expect(listed[1]["headPosition"] as? Int == 2)
            #expect(listed[1]["position"] == nil)

            let caughtUp = AsyncSignal()
            let running = Task {
                try await runner.run { model, _ in if model.count == 3 { caughtUp.notify() } }
            }
            await caughtUp.wait()
            let after = try await server.send(.GET, "/projections")
            let projection = try #require((after.json["projections"] as? [[String: Any]])?.last)
            #expect(projection["positionsBehind"] as? Int == 0)
            #expect(projection["position"] as? Int == 2)
            #expect(projection["lastAppliedRecordedAt"] is String)
            running.cancel()
            _ = try? await running.value
        }
    }
}
