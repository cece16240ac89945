import Foundation
import Herald
import HeraldLog
import HeraldTesting
import Testing

@Suite("Broker time on a manual clock: embedded log")
struct LogBrokerClockTests {
    @Test(arguments: BrokerClockConformance.cases)
    func clock(_ testCase: BrokerClockConformance.Case) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-clock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await testCase.run { clock in try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory), clock: clock) }
    }
}
