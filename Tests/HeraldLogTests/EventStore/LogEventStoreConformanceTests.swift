import Foundation
import Herald
import HeraldLog
import HeraldTesting
import Testing

@Suite("Event store conformance: embedded log")
struct LogEventStoreConformanceTests {
    @Test(arguments: EventStoreConformance.cases)
    func conformance(_ testCase: EventStoreConformance.Case) async throws {
        try await testCase.run(
            EventStoreConformance.Environment(
                closeStore: { store in
                    guard let store = store as? LogEventStore else { return }
                    try? await store.close()
                    try? FileManager.default.removeItem(atPath: store.directory)
                },
                makeStore: {
                    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-event-store-\(UUID().uuidString)").path
                    return try await LogEventStore.open(LogEventStoreConfiguration(directory: directory))
                }
            ))
    }
}
