import ArgumentParser
import Foundation
import Herald
import HeraldLog
import HeraldNATS
import HeraldPostgres
import HeraldServer
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `herald serve`: a broker behind an HTTP API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a broker over HTTP: publish and consume CloudEvents, administer topics and groups.",
        discussion: """
            Runs the embedded durable log in --data-dir (created if missing) behind an HTTP API, or NATS \
            JetStream with --nats URL, or PostgreSQL with --postgres URL. Events are published with POST /topics/{topic}/events in the CloudEvents \
            HTTP binding's binary, structured or batch mode. --config FILE reads a JSON file (host, port, TLS, \
            limits, topics to create, access tokens, webhooks); command-line options win over it. Every request but \
            /healthz and /readyz needs a bearer token from the configuration's access.tokens (make one with \
            `herald token`), unless --allow-anonymous lets requests without one do everything. SIGINT or \
            SIGTERM stops accepting, finishes the requests in flight, then flushes and closes the broker.
            """
    )

    @Option(help: "Where the embedded log keeps its files.")
    var dataDir: String?

    @Option(help: "Serve NATS JetStream at this URL (e.g. nats://127.0.0.1:4222) instead of the embedded log.")
    var nats: String?

    @OptionGroup
    var postgres: PostgresOptions

    @Option(help: "The address to listen on (default 127.0.0.1, from the config file if it sets one).")
    var host: String?

    @Option(help: "The TCP port (default 8080; 0 takes a free one, printed at start).")
    var port: Int?

    @Option(help: "A JSON configuration file (see Docs/server.md).")
    var config: String?

    @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (with --tls-key; wins over the config file's tls).", valueName: "file"))
    var tlsCertificate: String?

    @Option(help: ArgumentHelp("The PEM private key of --tls-certificate.", valueName: "file"))
    var tlsKey: String?

    @Flag(name: .long, help: "Let requests without a token do everything (for a development machine).")
    var allowAnonymous = false

    @Flag(name: .long, help: "Log at info level (default: warnings and errors).")
    var verbose = false

    func validate() throws {
        if [nats != nil, dataDir != nil, postgres.url != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--data-dir, --nats and --postgres name different brokers; give one")
        }
        if nats == nil, dataDir == nil, postgres.url == nil {
            throw ValidationError("give --data-dir DIR (the embedded log), --nats URL or --postgres URL")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-certificate and --tls-key go together; give both or neither")
        }
        if let port, !(0...65_535).contains(port) {
            throw ValidationError("--port \(port) is not a TCP port (0 to 65535)")
        }
    }

    func run() async throws {
        var logger = Logger(label: "herald.serve")
        logger.logLevel = verbose ? .info : .warning
        var configuration = ServerConfiguration()
        if let config {
            do {
                configuration = try ServerConfigurationFile.load(config, over: configuration)
            } catch {
                throw ValidationError("the configuration is refused: \(error)")
            }
        }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if allowAnonymous { configuration.access.allowsAnonymous = true }
        if let tlsCertificate, let tlsKey {
            do {
                configuration.tls = try ServerTLS(certificateChainPath: tlsCertificate, privateKeyPath: tlsKey)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        if !configuration.access.allowsAnonymous && configuration.access.tokens.isEmpty {
            logger.warning("no access token is configured and --allow-anonymous is not given: every request but the probes gets 401")
        }
        let broker: any BrokerAdmin
        if let postgres = try postgres.brokerOptions() {
            broker = try await PostgresBroker.connect(postgres, logger: logger)
        } else if let nats {
            broker = try await NATSBroker.connect(NATSBrokerOptions(servers: nats.split(separator: ",").map(String.init)), logger: logger)
        } else if let dataDir {
            broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: dataDir), logger: logger)
        } else {
            throw ValidationError("give --data-dir DIR, --nats URL or --postgres URL")
        }
        let host = configuration.host
        let scheme = configuration.scheme
        // One registry for /metrics: the server's own metrics, and through the metrics system the request
        // metrics and Herald's consumer metrics.
        let metrics = ServerMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        let server = HeraldServer(broker: broker, configuration: configuration, metrics: metrics, logger: logger) { port in
            // Written straight to the file descriptor: scripts (and tests) read the port from a pipe, where
            // print's buffer would hold the line back.
            FileHandle.standardOutput.write(Data("herald serve: listening on \(scheme)://\(host):\(port)\n".utf8))
        }
        // The broker first: services stop in reverse order, so the server stops before the broker closes.
        let group = ServiceGroup(services: [broker, server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
