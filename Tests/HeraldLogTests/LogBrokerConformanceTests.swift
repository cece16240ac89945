import Foundation
import Herald
import HeraldLog
import HeraldTesting
import Testing

@Suite("Broker conformance: embedded log")
struct LogBrokerConformanceTests {
    static let environment = environment(commitJournal: .automatic)

    /// Brokers in fresh temporary directories, using the commit journal as `commitJournal` says.
    static func environment(commitJournal: CommitJournalMode) -> BrokerConformance.Environment {
        BrokerConformance.Environment(
            checksTimeOnManualClock: true,
            closeBroker: { broker in
                guard let log = broker as? LogBroker else { return }
                try? await log.close()
                try? FileManager.default.removeItem(atPath: log.configuration.dataDirectory)
            },
            makeBroker: {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "herald-log-\(UUID().uuidString)"
                ).path
                return try await LogBroker.open(
                    LogBrokerConfiguration(dataDirectory: directory, commitJournal: commitJournal)
                )
            }
        )
    }

    @Test(arguments: BrokerConformance.cases)
    func conformance(_ testCase: BrokerConformance.Case) async throws {
        try await testCase.run(Self.environment)
    }
}

@Suite("Broker conformance: embedded log, every sync through the commit journal")
struct LogBrokerJournalConformanceTests {
    @Test(arguments: BrokerConformance.cases)
    func conformance(_ testCase: BrokerConformance.Case) async throws {
        try await testCase.run(LogBrokerConformanceTests.environment(commitJournal: .always))
    }
}
