import Foundation
import HeraldPostgres
import HeraldTesting
import Testing

/// The event-store conformance suite against ``PostgresEventStore`` on the server of
/// `HERALD_POSTGRES_URL`; each case gets a schema of its own, dropped afterwards.
@Suite(
    "Event store conformance: PostgreSQL",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct PostgresEventStoreConformanceTests {
    @Test(.serialized, arguments: EventStoreConformance.cases)
    func conformance(_ testCase: EventStoreConformance.Case) async throws {
        try await withUniqueSchema { url, schema in
            try await testCase.run(
                EventStoreConformance.Environment(
                    patience: 3,
                    closeStore: { store in await (store as? PostgresEventStore)?.close() },
                    makeStore: {
                        try await PostgresEventStore.connect(try PostgresURL(url), schema: schema, maximumConnections: 18, logger: testLogger)
                    }
                ))
        }
    }
}
