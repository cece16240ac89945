import Herald
import HeraldTesting
import Testing

@Suite("Broker conformance: in-memory")
struct InMemoryConformanceTests {
    @Test(arguments: BrokerConformance.cases)
    func conformance(_ testCase: BrokerConformance.Case) async throws {
        try await testCase.run(BrokerConformance.Environment(checksTimeOnManualClock: true) { InMemoryBroker() })
    }
}
