import Herald
import HeraldLog
import Testing

/// The README's embedded-log example, compiled and run.
@Suite("README: embedded log")
struct ReadmeLogExampleTests {
    @Test("opening a log and creating a topic with options")
    func example() async throws {
        try await withTemporaryDirectory { directory in
            let log = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try await log.createTopic(
                TopicConfiguration(name: "orders", partitions: 4),
                options: LogTopicOptions(durability: .fsyncBeforeAcknowledge, retentionAge: .seconds(7 * 24 * 3600))
            )
            #expect(try await log.topics().map(\.name) == ["orders"])
            try await log.close()
        }
    }
}
