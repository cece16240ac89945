import AsyncHTTPClient
import Foundation
import Herald
import HeraldLog
import HeraldPostgres
import HeraldServer
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import ServiceLifecycle

/// One operator command's connection to a broker, always over the HTTP API: to the `--server` given, or,
/// with `--data-dir` or `--postgres`, to a server this command runs in process on a free loopback port for
/// its own use (so that every way behaves exactly alike).
final class OperatorSession: Sendable {
    let base: String
    let client: HTTPClient
    private let token: String?
    private let local: (broker: any BrokerAdmin, server: Task<Void, any Error>)?

    private init(base: String, client: HTTPClient, token: String?, local: (broker: any BrokerAdmin, server: Task<Void, any Error>)?) {
        self.base = base
        self.client = client
        self.token = token
        self.local = local
    }

    /// Connects as `options` say.
    static func open(_ options: ServerOptions) async throws -> OperatorSession {
        // A server that refuses connections is reported after 3 s, not the client's default 10.
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(3)))
        if let authorities = options.effectiveCACertificate {
            guard FileManager.default.isReadableFile(atPath: authorities) else {
                throw OperatorFailure(message: "the certificate file '\(authorities)' cannot be read", exitCode: OperatorExit.usage)
            }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(authorities)
            configuration.tlsConfiguration = tls
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        if let server = options.server {
            return OperatorSession(base: server.hasSuffix("/") ? String(server.dropLast()) : server, client: client, token: options.effectiveToken, local: nil)
        }
        var quiet = Logger(label: "herald.operator")
        quiet.logLevel = .critical
        let broker: any BrokerAdmin
        let postgres: PostgresBrokerOptions?
        do {
            postgres = try options.postgres.brokerOptions()
        } catch {
            try? await client.shutdown()
            throw OperatorFailure(message: "\(error)", exitCode: OperatorExit.usage)
        }
        if let postgres {
            do {
                broker = try await PostgresBroker.connect(postgres, logger: quiet)
            } catch {
                try? await client.shutdown()
                throw OperatorFailure(message: "\(error)", exitCode: error is BrokerError ? OperatorExit.unavailable : OperatorExit.usage)
            }
        } else if let directory = options.dataDir {
            do {
                broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory), logger: quiet)
            } catch let error as StorageError where error.isInUse {
                try? await client.shutdown()
                throw OperatorFailure(message: error.message + " (e.g. --server http://127.0.0.1:8080)", exitCode: OperatorExit.unavailable)
            }
        } else {
            try? await client.shutdown()
            throw OperatorFailure(message: "give --server, --data-dir or --postgres", exitCode: OperatorExit.usage)
        }
        let port = PortSignal()
        let server = HeraldServer(
            broker: broker, configuration: ServerConfiguration(host: "127.0.0.1", port: 0, access: ServerAccess(allowsAnonymous: true)), logger: quiet
        ) { await port.set($0) }
        let task = Task {
            defer { Task { await port.fail() } }
            try await server.run()
        }
        guard let listening = await port.value() else {
            task.cancel()
            try? await broker.close()
            try? await client.shutdown()
            throw OperatorFailure(message: "the in-process server for --data-dir did not start", exitCode: OperatorExit.failure)
        }
        return OperatorSession(base: "http://127.0.0.1:\(listening)", client: client, token: nil, local: (broker, task))
    }

    /// Ends the session: for `--data-dir` or `--postgres`, stops the in-process server and closes the broker.
    func close() async {
        try? await client.shutdown()
        if let local {
            local.server.cancel()
            _ = try? await local.server.value
            try? await local.broker.close()
        }
    }

    /// Sends a request and returns the answer's status and body, or throws the failure a problem answer
    /// means (its `detail` as the message, the exit code of its status).
    func send(
        _ method: HTTPMethod, _ path: String, json: String? = nil, body: ByteBuffer? = nil, contentType: String = "application/json"
    ) async throws
        -> ByteBuffer
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: json))
        } else if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(body)
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(120))
        } catch {
            throw OperatorFailure(message: "cannot reach \(base): \(error)", exitCode: OperatorExit.unavailable)
        }
        let collected = try await response.body.collect(upTo: 1 << 30)
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let problem = (try? JSONSerialization.jsonObject(with: Data(buffer: collected))) as? [String: Any]
            let detail = problem?["detail"] as? String ?? String(buffer: collected).prefix(500).description
            throw OperatorFailure(message: "\(status): \(detail)", exitCode: OperatorExit.code(forStatus: status))
        }
        return collected
    }

    /// Sends a request and decodes its JSON answer.
    func json(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> [String: Any] {
        let body = try await send(method, path, json: json)
        if body.readableBytes == 0 { return [:] }
        return (try JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}

/// The port the in-process server took.
private actor PortSignal {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int?, Never>] = []

    private var failed = false

    func set(_ value: Int) {
        port = value
        for waiter in waiters { waiter.resume(returning: value) }
        waiters = []
    }

    /// The server ended before it listened (or after: then nothing waits any more).
    func fail() {
        failed = true
        for waiter in waiters { waiter.resume(returning: port) }
        waiters = []
    }

    func value() async -> Int? {
        if let port { return port }
        if failed { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
