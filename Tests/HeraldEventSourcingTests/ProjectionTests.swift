import Foundation
import Herald
import HeraldEventSourcing
import Logging
import MetricsTestKit
import Synchronization
import Testing

private struct Deposited: TypedEvent {
    static let eventType = "test.account.deposited"
    var account: String
    var amount: Int
}

/// Balances per account.
private struct Balances: Projection, Codable, Equatable {
    static let name = "balances"
    var balances: [String: Int] = [:]
    var applied = 0

    mutating func apply(_ recorded: RecordedEvent) throws {
        guard recorded.event.type == Deposited.cloudEventType else { return }
        let deposit = try recorded.event.decode(as: Deposited.self)
        balances[deposit.account, default: 0] += deposit.amount
        applied += 1
    }
}

/// A clock the test moves: each append is recorded at the time it shows.
private final class TestTime: Sendable {
    private let seconds = Mutex<TimeInterval>(1_000_000)
    var now: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }
    func advance(_ by: TimeInterval) { seconds.withLock { $0 += by } }
}

private func deposit(_ account: String, _ amount: Int) throws -> Event {
    try Event(Deposited(account: account, amount: amount), source: "/test/bank")
}

private let quiet = Logger(label: "herald.test", factory: { _ in SwiftLogNoOpLogHandler() })

@Suite("Projections")
struct ProjectionTests {
    @Test("a projection rebuilt as of T equals the live projection's state recorded at T", .timeLimit(.minutes(1)))
    func pointInTime() async throws {
        let time = TestTime()
        let store = InMemoryEventStore(now: { time.now })
        let checkpoints = InMemoryProjectionCheckpoints()
        let runner = ProjectionRunner<Balances>(store: store, checkpoints: checkpoints, saveEvery: 7, logger: quiet)
        let states = Mutex<[UInt64: Balances]>([:])
        let (applied, appliedPositions) = AsyncStream.makeStream(of: UInt64.self)
        let live = Task {
            try await runner.run { model, recorded in
                states.withLock { $0[recorded.position] = model }
                appliedPositions.yield(recorded.position)
            }
        }
        var moments: [(date: Date, position: UInt64)] = []
        for round in 0..<30 {
            let result = try await store.append([try deposit("acct-\(round % 4)", round + 1)], to: "account-\(round % 4)", expecting: .any)
            moments.append((time.now, result.position))
            time.advance(10)
        }
        // The live projection has seen everything once it applied the last position.
        for await position in applied where position == 29 { break }
        live.cancel()
        try await live.value
        for (date, position) in moments where position % 5 == 0 || position == 29 {
            let recorded = try #require(states.withLock { $0[position] })
            let rebuilt = try await runner.rebuild(asOf: date)
            #expect(rebuilt == recorded, "as of the time of position \(position)")
        }
        #expect(try await runner.rebuild().applied == 30)
        #expect(try await runner.rebuild(asOf: Date(timeIntervalSince1970: 0)).applied == 0)
    }

    @Test("a restarted projection resumes after its saved checkpoint: every event applied once", .timeLimit(.minutes(1)))
    func resumesFromCheckpoint() async throws {
        let store = InMemoryEventStore()
        let checkpoints = InMemoryProjectionCheckpoints()
        for index in 0..<20 { _ = try await store.append([try deposit("a", 1)], to: "account-\(index % 3)", expecting: .any) }
        let runner = ProjectionRunner<Balances>(store: store, checkpoints: checkpoints, saveEvery: 6, logger: quiet)
        let first = Task { try await runner.run { _, recorded in if recorded.position == 19 { withUnsafeCurrentTask { $0?.cancel() } } } }
        try await first.value
        let saved = try #require(try await checkpoints.load(Balances.name))
        #expect(saved.position == 19)
        #expect(try await runner.lag() == 0)
        for _ in 0..<10 { _ = try await store.append([try deposit("a", 1)], to: "account-9", expecting: .any) }
        #expect(try await runner.lag() == 10)
        let seen = Mutex<[UInt64]>([])
        let second = Task {
            try await runner.run { _, recorded in
                seen.withLock { $0.append(recorded.position) }
                if recorded.position == 29 { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        try await second.value
        #expect(seen.withLock { $0 } == Array(20..<30))
        let final = try #require(try await checkpoints.load(Balances.name))
        let model = try JSONDecoder().decode(Balances.self, from: final.model)
        #expect(model.balances["a"] == 30)
        #expect(model == (try await runner.rebuild()))
    }

    @Test("the projection's lag is a gauge, set at each save: behind while catching up, 0 once caught up", .timeLimit(.minutes(1)))
    func lagGauge() async throws {
        let store = InMemoryEventStore()
        for index in 0..<20 { _ = try await store.append([try deposit("a", 1)], to: "account-\(index % 2)", expecting: .any) }
        let metrics = TestMetrics()
        let runner = ProjectionRunner<Balances>(store: store, checkpoints: InMemoryProjectionCheckpoints(), saveEvery: 5, logger: quiet, metrics: metrics)
        let run = Task { try await runner.run { _, recorded in if recorded.position == 19 { withUnsafeCurrentTask { $0?.cancel() } } } }
        try await run.value
        let gauge = try metrics.expectGauge(ProjectionRunner<Balances>.lagLabel, [("projection", "balances")])
        #expect(gauge.values == [15, 10, 5, 0])
        #expect(try metrics.expectCounter("herald_projection_events_total", [("projection", "balances")]).totalValue == 20)
    }
}
