import Foundation
import Herald
import HeraldNATS
import HeraldTesting
import Testing

/// The event-store conformance suite against ``NATSEventStore`` on the shared server of
/// `HERALD_NATS_URL`; each case gets a JetStream stream and subject prefix of its own, deleted afterwards.
@Suite(
    "Event store conformance: NATS JetStream",
    .enabled(if: TestEnvironment.runsSharedServerTests, "HERALD_NATS_URL is not set; run scripts/test.sh for a server")
)
struct NATSEventStoreConformanceTests {
    @Test(.serialized, arguments: EventStoreConformance.cases)
    func conformance(_ testCase: EventStoreConformance.Case) async throws {
        let url = try TestEnvironment.requireNATSURL()
        let name = "ES\(UUID().uuidString.prefix(8).replacingOccurrences(of: "-", with: ""))"
        try await testCase.run(
            EventStoreConformance.Environment(
                patience: 3,
                closeStore: { store in
                    guard let store = store as? NATSEventStore else { return }
                    try? await store.deleteEverything()
                    await store.close()
                },
                makeStore: {
                    var options = NATSEventStoreOptions(servers: [url], streamName: name, subjectPrefix: name.lowercased())
                    options.client.connectTimeout = .seconds(2)
                    return try await NATSEventStore.connect(options, logger: testLogger)
                }
            ))
    }
}
