import AsyncHTTPClient
import Foundation
import Herald
import HeraldServer
import NIOCore
import NIOHTTP1
import Testing

/// HTTPS with a certificate and key from PEM files: the server in process and `herald serve`, a client
/// that trusts the certificate, one that speaks plain HTTP, and configuration errors naming the file.
@Suite("Server: TLS")
struct TLSTests {
    /// A self-signed certificate for 127.0.0.1 and its key, made with the openssl command.
    private func makeCertificate(in directory: String) async throws -> (certificate: String, key: String) {
        let certificate = "\(directory)/cert.pem"
        let key = "\(directory)/key.pem"
        let made = try await runProcess(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", certificate,
            ])
        try #require(made.status == 0, "openssl made no certificate: \(made.error)")
        return (certificate, key)
    }

    @Test("HTTPS: a client trusting the certificate publishes and reads; a plain HTTP request gets no answer")
    func inProcess() async throws {
        try await withTemporaryDirectory { directory in
            let (certificate, key) = try await makeCertificate(in: directory)
            let broker = InMemoryBroker()
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            var configuration = ServerConfiguration(access: ServerAccess(allowsAnonymous: true))
            configuration.tls = try ServerTLS(certificateChainPath: certificate, privateKeyPath: key)
            try await withServer(broker, configuration: configuration, trusting: certificate) { server in
                #expect(server.base.hasPrefix("https://"))
                let published = try await server.send(
                    .POST, "/topics/orders/events",
                    headers: [("ce-specversion", "1.0"), ("ce-id", "t-1"), ("ce-source", "/tls"), ("ce-type", "tls.v1"), ("Content-Type", "text/plain")],
                    body: ByteBuffer(string: "over TLS"))
                #expect(published.status == 200, "\(String(buffer: published.body))")
                #expect(try await server.send(.GET, "/topics/orders").json["events"] as? Int == 1)

                let plain = HTTPClient(eventLoopGroupProvider: .singleton)
                let url = server.base.replacingOccurrences(of: "https://", with: "http://") + "/healthz"
                await #expect(throws: (any Error).self, "plain HTTP to the TLS port") {
                    _ = try await plain.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
                }
                try await plain.shutdown()
            }
            let stored = try await broker.read(topic: "orders", partition: 0, from: 0, limit: 10)
            #expect(stored.map { $0.event.id } == ["t-1"])
        }
    }

    @Test("herald serve --tls-certificate/--tls-key serves HTTPS; herald topics --ca-certificate talks to it")
    func serveCommand() async throws {
        try await withTemporaryDirectory { directory in
            let (certificate, key) = try await makeCertificate(in: directory)
            let server = try await ServeProcess.start(
                dataDirectory: "\(directory)/data", extraArguments: ["--tls-certificate", certificate, "--tls-key", key])
            #expect(server.base.hasPrefix("https://"), "\(server.base)")
            let created = try await runProcess(
                ServeProcess.executable.path, ["topics", "create", "orders", "--server", server.base, "--ca-certificate", certificate])
            #expect(created.status == 0, "\(created)")
            let untrusted = try await runProcess(ServeProcess.executable.path, ["topics", "list", "--server", server.base])
            #expect(untrusted.status != 0, "a certificate the client does not trust is refused: \(untrusted)")
            let listed = try await runProcess(
                ServeProcess.executable.path, ["topics", "list", "--server", server.base], environment: ["HERALD_CA_CERTIFICATE": certificate])
            #expect(listed.status == 0 && listed.output.contains("orders"), "\(listed)")
            await server.stop()
        }
    }

    @Test("a missing certificate or key file stops the start, naming the setting and the file")
    func badFiles() async throws {
        try await withTemporaryDirectory { directory in
            let (certificate, _) = try await makeCertificate(in: directory)
            let text = #"{"tls": {"certificateChain": "\#(certificate)", "privateKey": "\#(directory)/missing.pem"}}"#
            do throws(ServerConfigurationError) {
                _ = try ServerConfigurationFile.parse(Data(text.utf8), path: "serve.json")
                Issue.record("a missing key file was accepted")
            } catch {
                #expect(error.key == "tls.privateKey")
                #expect(error.message.contains("missing.pem"))
            }
            let started = try await runProcess(
                ServeProcess.executable.path,
                ["serve", "--data-dir", "\(directory)/data", "--port", "0", "--tls-certificate", "\(directory)/nothing.pem", "--tls-key", certificate])
            #expect(started.status != 0 && started.error.contains("nothing.pem"), "\(started)")
            let half = try await runProcess(ServeProcess.executable.path, ["serve", "--data-dir", "\(directory)/data", "--tls-key", certificate])
            #expect(half.status != 0 && half.error.contains("go together"), "\(half)")
        }
    }
}
