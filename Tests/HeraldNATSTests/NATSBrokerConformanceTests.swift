import Foundation
import Herald
import HeraldNATS
import HeraldTesting
import Testing

/// The broker conformance suite against ``NATSBroker`` on the shared server of `HERALD_NATS_URL`
/// (skipped when it is unset, failing when `HERALD_REQUIRE_SERVICES=1`).
///
/// Every case uses topics with unique names; each case also gets a stream prefix of its own, so that its
/// streams (dead-letter topics included) can be deleted afterwards and repeated runs leave nothing on
/// the shared server.
///
/// The cases run one at a time: each drives the client and the server (another process on the same
/// cores) hard, and run all at once beside the other suites they starved the machine for long enough
/// that deadlines of seconds expired in suites that have nothing to do with NATS.
@Suite(
    "Broker conformance: NATS JetStream",
    .enabled(if: TestEnvironment.runsSharedServerTests, "HERALD_NATS_URL is not set; run scripts/test.sh for a server")
)
struct NATSBrokerConformanceTests {
    @Test(.serialized, arguments: BrokerConformance.cases)
    func conformance(_ testCase: BrokerConformance.Case) async throws {
        let url = try TestEnvironment.requireNATSURL()
        let prefix = "HT\(UUID().uuidString.prefix(8).replacingOccurrences(of: "-", with: ""))"
        let environment = BrokerConformance.Environment(
            patience: 3,
            pausesGroups: false,
            closeBroker: { broker in
                await (broker as? NATSBroker)?.close()
            },
            makeBroker: {
                var options = NATSBrokerOptions(servers: [url], streamPrefix: prefix)
                options.client.connectTimeout = .seconds(2)
                return try await NATSBroker.connect(options, logger: testLogger)
            }
        )
        do {
            try await testCase.run(environment)
        } catch {
            await deleteStreams(prefix: prefix, url: url)
            throw error
        }
        await deleteStreams(prefix: prefix, url: url)
    }
}

/// Deletes every stream whose subjects are under `prefix` (best effort).
func deleteStreams(prefix: String, url: String) async {
    try? await withClient(url) { client in
        let jetStream = JetStream(client: client)
        for stream in try await jetStream.streams(matching: "\(prefix.lowercased()).>") {
            try? await jetStream.deleteStream(stream.configuration.name)
        }
    }
}
