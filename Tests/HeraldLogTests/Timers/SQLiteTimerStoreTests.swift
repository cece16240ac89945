import Foundation
import Herald
import HeraldLog
import HeraldTesting
import Testing

@Suite("Timer store conformance: SQLite (embedded)")
struct SQLiteTimerStoreConformanceTests {
    @Test(arguments: TimerStoreConformance.cases)
    func conformance(_ testCase: TimerStoreConformance.Case) async throws {
        try await testCase.run(
            TimerStoreConformance.Environment(
                closeStore: { store in
                    guard let store = store as? SQLiteTimerStore else { return }
                    await store.close()
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store.path + suffix) }
                },
                makeStore: {
                    try await SQLiteTimerStore.open(
                        path: FileManager.default.temporaryDirectory.appendingPathComponent("herald-timers-\(UUID().uuidString).sqlite").path)
                }
            ))
    }
}

@Suite("Embedded timer store")
struct SQLiteTimerStoreTests {
    @Test("pending timers survive closing and reopening the database")
    func reopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/timers.sqlite"
            var store = try await SQLiteTimerStore.open(path: path)
            let due = Date(timeIntervalSinceReferenceDate: 800_000_000.25)
            let timers = try (0..<2_500).map { index in
                ScheduledEvent(
                    id: "t-\(index)", topic: "reminders", event: try Event(id: "e-\(index)", source: "/test", type: "t.v1"),
                    due: due.addingTimeInterval(Double(index)))
            }
            try await store.schedule(timers)
            await store.close()
            store = try await SQLiteTimerStore.open(path: path)
            #expect(try await store.pendingCount() == 2_500)
            #expect(try await store.nextDue() == due)
            #expect(try await store.due(atOrBefore: due.addingTimeInterval(2), limit: 10).map(\.id) == ["t-0", "t-1", "t-2"])
            await store.close()
            await #expect(throws: TimerError.self) { try await store.pendingCount() }
        }
    }
}
