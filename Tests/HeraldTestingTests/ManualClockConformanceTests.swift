import Herald
import HeraldTesting
import Testing

@Suite("Broker time on a manual clock: in-memory")
struct InMemoryClockTests {
    @Test(arguments: BrokerClockConformance.cases)
    func clock(_ testCase: BrokerClockConformance.Case) async throws {
        try await testCase.run { clock in InMemoryBroker(clock: clock) }
    }
}
