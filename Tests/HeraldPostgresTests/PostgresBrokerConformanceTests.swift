import Foundation
import HeraldPostgres
import HeraldTesting
import Testing

/// The broker conformance suite against ``PostgresBroker`` on the server of `HERALD_POSTGRES_URL`
/// (skipped when it is unset, failing when `HERALD_REQUIRE_SERVICES=1`). Each case gets a schema of its
/// own, dropped afterwards.
@Suite(
    "Broker conformance: PostgreSQL",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct PostgresBrokerConformanceTests {
    @Test(.serialized, arguments: BrokerConformance.cases)
    func conformance(_ testCase: BrokerConformance.Case) async throws {
        try await withUniqueSchema { url, schema in
            try await testCase.run(
                BrokerConformance.Environment(
                    patience: 3,
                    closeBroker: { broker in await (broker as? PostgresBroker)?.close() },
                    makeBroker: {
                        var options = PostgresBrokerOptions(primary: try PostgresURL(url), schema: schema)
                        options.maximumConnections = 6
                        return try await PostgresBroker.connect(options, logger: testLogger)
                    }
                ))
        }
    }
}
