import ArgumentParser
import Foundation

/// Where an operator command finds its broker: a running `herald serve` (`--server URL`, with `--token`
/// or `HERALD_TOKEN`), an embedded log this command opens itself (`--data-dir DIR`, refused while
/// another process has it open), or a PostgreSQL broker (`--postgres URL`, shared with other processes).
struct ServerOptions: ParsableArguments {
    @Option(help: "A herald serve to talk to, e.g. http://127.0.0.1:8080.")
    var server: String?

    @Option(help: "An embedded log to open in this process (not one a running server has open).")
    var dataDir: String?

    @OptionGroup
    var postgres: PostgresOptions

    @Option(help: "The bearer token for --server (default: the HERALD_TOKEN environment variable).")
    var token: String?

    @Option(
        help: ArgumentHelp(
            "A PEM file of the certificate authorities to trust for an https:// --server, instead of the system's "
                + "(default: the HERALD_CA_CERTIFICATE environment variable).",
            valueName: "file"))
    var caCertificate: String?

    func validate() throws {
        if [server != nil, dataDir != nil, postgres.url != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--server, --data-dir and --postgres name different brokers; give one")
        }
        if server == nil, dataDir == nil, postgres.url == nil {
            throw ValidationError("give --server URL (a running herald serve), --data-dir DIR (an embedded log) or --postgres URL")
        }
        if let server, !(server.hasPrefix("http://") || server.hasPrefix("https://")) {
            throw ValidationError("--server \(server) is not an http:// or https:// URL")
        }
        if token != nil, server == nil { throw ValidationError("--token is for --server; a broker opened here needs none") }
        if caCertificate != nil, !(server?.hasPrefix("https://") ?? false) {
            throw ValidationError("--ca-certificate is for an https:// --server")
        }
    }

    /// The certificate authorities to trust: `--ca-certificate`, else `HERALD_CA_CERTIFICATE`.
    var effectiveCACertificate: String? {
        caCertificate ?? ProcessInfo.processInfo.environment["HERALD_CA_CERTIFICATE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The token to send: `--token`, else `HERALD_TOKEN`.
    var effectiveToken: String? {
        token ?? ProcessInfo.processInfo.environment["HERALD_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
