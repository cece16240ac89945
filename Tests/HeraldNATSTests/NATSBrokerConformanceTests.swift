import Herald
import HeraldNATS
import HeraldTesting
import Testing

/// The broker conformance suite against ``NATSBroker`` on the shared server of `HERALD_NATS_URL`
/// (skipped when it is unset, failing when `HERALD_REQUIRE_SERVICES=1`). Every case uses topics with a
/// unique name, so the cases share the server without cleanup.
@Suite(
    "Broker conformance: NATS JetStream",
    .enabled(if: TestEnvironment.runsSharedServerTests, "HERALD_NATS_URL is not set; run scripts/test.sh for a server")
)
struct NATSBrokerConformanceTests {
    static let environment = BrokerConformance.Environment(
        patience: 3,
        closeBroker: { broker in
            await (broker as? NATSBroker)?.close()
        },
        makeBroker: {
            var options = NATSBrokerOptions(servers: [try TestEnvironment.requireNATSURL()])
            options.client.connectTimeout = .seconds(2)
            return try await NATSBroker.connect(options, logger: testLogger)
        }
    )

    @Test(arguments: BrokerConformance.cases)
    func conformance(_ testCase: BrokerConformance.Case) async throws {
        try await testCase.run(Self.environment)
    }
}
