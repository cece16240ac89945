import NIOSSL

/// The server's TLS identity: a certificate chain and its private key, read from PEM files when the
/// configuration is loaded (so a missing or unreadable file stops the start, naming it).
public struct ServerTLS: Sendable {
    /// The PEM file of the certificate chain, the server's certificate first.
    public let certificateChainPath: String
    /// The PEM file of the private key.
    public let privateKeyPath: String
    /// The configuration the listener uses (TLS 1.2 or later, NIOSSL's server defaults).
    public let configuration: TLSConfiguration

    /// Reads the chain and key.
    ///
    /// - Throws: ``ServerTLSError`` naming the file that cannot be read or parsed.
    public init(certificateChainPath: String, privateKeyPath: String) throws(ServerTLSError) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath)
        } catch {
            throw ServerTLSError(setting: "certificateChain", path: certificateChainPath, reason: "\(error)")
        }
        guard !chain.isEmpty else {
            throw ServerTLSError(setting: "certificateChain", path: certificateChainPath, reason: "it holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw ServerTLSError(setting: "privateKey", path: privateKeyPath, reason: "\(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        self.configuration = configuration
    }
}

/// A TLS file of the configuration cannot be used.
public struct ServerTLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The setting that names the file (`certificateChain` or `privateKey`).
    public let setting: String
    /// The file.
    public let path: String
    /// Why it cannot be used.
    public let reason: String

    public var description: String {
        "the \(setting) file '\(path)' cannot be used: \(reason); give a PEM file the server can read"
    }
}
