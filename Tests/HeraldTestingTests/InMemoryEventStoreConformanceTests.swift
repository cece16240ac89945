import Herald
import HeraldTesting
import Testing

@Suite("Event store conformance: in-memory")
struct InMemoryEventStoreConformanceTests {
    @Test(arguments: EventStoreConformance.cases)
    func conformance(_ testCase: EventStoreConformance.Case) async throws {
        try await testCase.run(EventStoreConformance.Environment { InMemoryEventStore() })
    }
}
