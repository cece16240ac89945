import ArgumentParser
import HeraldPostgres

/// `--postgres URL`, `--postgres-read URL` and `--postgres-schema NAME`: a PostgreSQL broker opened by this
/// command (`herald serve` and the operator's commands).
struct PostgresOptions: ParsableArguments {
    @Option(name: .customLong("postgres"), help: "A PostgreSQL broker at this URL (e.g. postgres://user@127.0.0.1:5432/db), opened in this process.")
    var url: String?

    @Option(
        name: .customLong("postgres-read"),
        help: "With --postgres: a streaming replica of it, for the reads that may lag (lag figures, topic descriptions, range reads).")
    var readURL: String?

    @Option(name: .customLong("postgres-schema"), help: "With --postgres: the schema of Herald's tables (default herald).")
    var schema = "herald"

    func validate() throws {
        if readURL != nil, url == nil {
            throw ValidationError("--postgres-read is a replica of the --postgres primary; give --postgres as well")
        }
    }

    /// The broker options, or `nil` without `--postgres`. - Throws: a usage error naming a bad URL.
    func brokerOptions() throws -> PostgresBrokerOptions? {
        try url.map { try PostgresRun.options(url: $0, readURL: readURL, schema: schema) }
    }
}
