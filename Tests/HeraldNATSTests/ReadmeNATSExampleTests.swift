import Herald
import HeraldNATS
import Testing

/// The README's NATS example, compiled and run against the shared server.
@Suite(
    "README: NATS JetStream",
    .enabled(if: TestEnvironment.runsSharedServerTests, "HERALD_NATS_URL is not set; run scripts/test.sh for a server")
)
struct ReadmeNATSExampleTests {
    @Test("connecting and creating a topic")
    func example() async throws {
        let url = try TestEnvironment.requireNATSURL()
        let broker = try await NATSBroker.connect(servers: [url])
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 4))
        #expect(try await broker.topics().contains { $0.name == "orders" && $0.partitions == 4 })
        await broker.close()
        try await withClient(url) { client in
            let jetStream = JetStream(client: client)
            for partition in 0..<4 { try? await jetStream.deleteStream("HERALD_orders_\(partition)") }
        }
    }
}
