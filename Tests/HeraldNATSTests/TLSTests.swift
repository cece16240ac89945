import Foundation
import NIOCore
import NIOSSL
import Testing

@testable import HeraldNATS

/// TLS against servers of their own: NATS sends `INFO` in plain text and the client upgrades after it.
@Suite(
    "NATS client over TLS",
    .enabled(if: TestEnvironment.runsOwnServerTests, "nats-server is not installed (set HERALD_NATS_SERVER or PATH)"),
    .timeLimit(.minutes(1))
)
struct TLSTests {
    /// Runs `body` with a server that requires TLS with ``TestCertificate``.
    private func withTLSServer(_ body: (NATSTestServer) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        try TestCertificate.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try TestCertificate.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        try await withNATSServer(arguments: ["--tls", "--tlscert", certificate, "--tlskey", key]) { server in
            try await body(server)
        }
    }

    private func trustingTestCertificate() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        let certificate = try NIOSSLCertificate(bytes: Array(TestCertificate.certificatePEM.utf8), format: .pem)
        configuration.trustRoots = .certificates([certificate])
        return configuration
    }

    @Test("a tls:// URL upgrades after INFO and carries messages")
    func tlsURL() async throws {
        let configuration = try trustingTestCertificate()
        try await withTLSServer { server in
            try await withClient("tls://127.0.0.1:\(server.port)", configure: { $0.tlsConfiguration = configuration }) { client in
                #expect(client.serverInfo?.tlsRequired == true)
                let subject = uniqueSubject("tls")
                let subscription = try client.subscribe(subject)
                try await client.publish(subject, payload: ByteBuffer(string: "secret"))
                #expect(try await subscription.take(1).map(\.string) == ["secret"])
            }
        }
    }

    @Test("a nats:// URL upgrades when the server's INFO requires TLS")
    func upgradeOnServerDemand() async throws {
        let configuration = try trustingTestCertificate()
        try await withTLSServer { server in
            try await withClient(server.url, configure: { $0.tlsConfiguration = configuration }) { client in
                try await client.flush()
            }
        }
    }

    @Test("an untrusted server certificate fails the connection")
    func untrustedCertificate() async throws {
        try await withTLSServer { server in
            do {
                let client = try await connectClient("tls://127.0.0.1:\(server.port)")
                await client.close()
                Issue.record("connected to a server with an untrusted certificate")
            } catch let error as NATSClientError {
                #expect(error.code == .connectionFailed)
            }
        }
    }

    @Test("a tls:// URL to a server without TLS fails with tlsUnavailable")
    func tlsUnavailable() async throws {
        let configuration = try trustingTestCertificate()
        try await withNATSServer { server in
            do {
                let client = try await connectClient(
                    "tls://127.0.0.1:\(server.port)",
                    configure: { $0.tlsConfiguration = configuration }
                )
                await client.close()
                Issue.record("connected with TLS to a server without TLS")
            } catch let error as NATSClientError {
                #expect(error.code == .tlsUnavailable)
            }
        }
    }
}
