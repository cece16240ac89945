import Foundation
import Testing

/// The README's PostgreSQL example (`Examples/PostgresOutboxInbox`), run against the test server.
@Suite(
    "PostgreSQL README example",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct PostgresReadmeExampleTests {
    @Test("the outbox and inbox example places an order and sees it invoiced")
    func exampleRuns() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ReadmePostgresOutboxInbox")
        let ending = try await ProbeProcess.run(executable: executable, [], environment: ["HERALD_POSTGRES_URL": url])
        #expect(ending.status == 0 && !ending.wasKilled, "the example failed: \(ending.output)")
        #expect(ending.output.contains("invoiced: shop.invoice.issued.v1"), "it printed: \(ending.output)")
    }
}
