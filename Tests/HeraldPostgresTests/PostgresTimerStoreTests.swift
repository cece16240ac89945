import Foundation
import Herald
import HeraldPostgres
import HeraldTesting
import Testing

/// The timer-store conformance suite against ``PostgresTimerStore`` on the server of
/// `HERALD_POSTGRES_URL`; each case gets a schema of its own, dropped afterwards.
@Suite(
    "Timer store conformance: PostgreSQL",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct PostgresTimerStoreConformanceTests {
    @Test(.serialized, arguments: TimerStoreConformance.cases)
    func conformance(_ testCase: TimerStoreConformance.Case) async throws {
        try await withUniqueSchema { url, schema in
            try await testCase.run(
                TimerStoreConformance.Environment(
                    closeStore: { store in await (store as? PostgresTimerStore)?.close() },
                    makeStore: { try await PostgresTimerStore.connect(try PostgresURL(url), schema: schema, logger: testLogger) }
                ))
        }
    }

    @Test("pending timers are rows on the server: a second connection sees them in due order, exactly as scheduled, and removes them as fired")
    func survivesReconnect() async throws {
        try await withUniqueSchema { url, schema in
            let first = try await PostgresTimerStore.connect(try PostgresURL(url), schema: schema, logger: testLogger)
            let start = Date(timeIntervalSinceReferenceDate: 800_000_000)
            let timers = try (0..<2_500).map { index in
                ScheduledEvent(
                    id: "t-\(index)", topic: "reminders", event: try Event(id: "e-\(index)", source: "/test", type: "test.reminder.v1"),
                    due: start.addingTimeInterval(Double(index % 50) / 7))
            }
            try await first.schedule(timers)
            #expect(try await first.cancel("t-7"))
            await first.close()

            let second = try await PostgresTimerStore.connect(try PostgresURL(url), schema: schema, logger: testLogger)
            #expect(try await second.pendingCount() == 2_499)
            #expect(try await second.nextDue() == start)
            let due = try await second.due(atOrBefore: start.addingTimeInterval(60), limit: 10_000)
            #expect(due.count == 2_499)
            #expect(due.map(\.due) == due.map(\.due).sorted(), "earliest first")
            #expect(Set(due.map(\.id)) == Set(timers.map(\.id)).subtracting(["t-7"]))
            #expect(due.first { $0.id == "t-3" } == timers[3], "the event round-trips exactly")
            try await second.remove(fired: due)
            #expect(try await second.pendingCount() == 0)
            await second.close()
        }
    }
}
