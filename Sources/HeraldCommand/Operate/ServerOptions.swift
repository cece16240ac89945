import ArgumentParser
import Foundation

/// Where an operator command finds its broker: a running `herald serve` (`--server URL`, with `--token`
/// or `HERALD_TOKEN`), or an embedded log this command opens itself (`--data-dir DIR`, refused while
/// another process has it open).
struct ServerOptions: ParsableArguments {
    @Option(help: "A herald serve to talk to, e.g. http://127.0.0.1:8080.")
    var server: String?

    @Option(help: "An embedded log to open in this process (not one a running server has open).")
    var dataDir: String?

    @Option(help: "The bearer token for --server (default: the HERALD_TOKEN environment variable).")
    var token: String?

    @Option(
        help: ArgumentHelp(
            "A PEM file of the certificate authorities to trust for an https:// --server, instead of the system's "
                + "(default: the HERALD_CA_CERTIFICATE environment variable).",
            valueName: "file"))
    var caCertificate: String?

    func validate() throws {
        if server != nil, dataDir != nil { throw ValidationError("--server and --data-dir name two brokers; give one") }
        if server == nil, dataDir == nil { throw ValidationError("give --server URL (a running herald serve) or --data-dir DIR (an embedded log)") }
        if let server, !(server.hasPrefix("http://") || server.hasPrefix("https://")) {
            throw ValidationError("--server \(server) is not an http:// or https:// URL")
        }
        if token != nil, dataDir != nil { throw ValidationError("--token is for --server; an embedded log opened here needs none") }
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
