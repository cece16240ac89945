import AsyncHTTPClient
import Foundation
import Herald
import HeraldServer
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Synchronization

/// The port a server took, handed from its `onListening` callback to the test.
final class ListeningPort: Sendable {
    private let port = Mutex<Int?>(nil)
    private let signal = AsyncSignal()

    func set(_ value: Int) {
        port.withLock { $0 = value }
        signal.notify()
    }

    /// The port, once the server listens (or `nil` after 10 s).
    func wait() async -> Int? {
        let deadline = ContinuousClock.now + .seconds(10)
        while port.withLock({ $0 }) == nil, ContinuousClock.now < deadline {
            await signal.wait(until: deadline)
        }
        return port.withLock { $0 }
    }
}

/// A server's answer, read whole.
struct HTTPAnswer {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}

/// Talks to a server started for one test, over loopback HTTP.
struct ServerClient {
    let base: String
    let client: HTTPClient

    /// Sends a request and reads the whole answer.
    func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: ByteBuffer? = nil) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: collected)
    }
}

/// Runs `body` against a ``HeraldServer`` of `broker` on a free loopback port, then stops the server. By
/// default requests need no token (the access tests configure their own).
func withServer<T: Sendable, C: Clock>(
    _ broker: any BrokerAdmin,
    configuration: ServerConfiguration = ServerConfiguration(access: ServerAccess(allowsAnonymous: true)),
    clock: C = ContinuousClock(),
    trusting authorities: String? = nil,
    projections: ProjectionMonitor = ProjectionMonitor(),
    _ body: @Sendable (ServerClient) async throws -> T
) async throws -> T where C.Duration == Duration {
    var configuration = configuration
    configuration.host = "127.0.0.1"
    configuration.port = 0
    let listening = ListeningPort()
    let logger = Logger(label: "herald.server.tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let server = HeraldServer(broker: broker, configuration: configuration, projections: projections, logger: logger, clock: clock) {
        listening.set($0)
    }
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            // A server that cannot start never reports a port: the test fails on that.
            try? await server.run()
            return nil
        }
        guard let port = await listening.wait() else {
            group.cancelAll()
            throw ServerTestError.notListening
        }
        var clientConfiguration = HTTPClient.Configuration()
        if let authorities {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(authorities)
            clientConfiguration.tlsConfiguration = tls
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(ServerClient(base: "\(configuration.scheme)://127.0.0.1:\(port)", client: client)))
        } catch {
            result = .failure(error)
        }
        try await client.shutdown()
        group.cancelAll()
        while try await group.next() != nil {}
        return try result.get()
    }
}

/// A failure of the test scaffolding itself.
enum ServerTestError: Error {
    /// The server did not report a port within 10 s.
    case notListening
}
