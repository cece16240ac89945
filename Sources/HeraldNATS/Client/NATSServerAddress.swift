import Foundation

/// One server the client may connect to, parsed from a URL.
struct NATSServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address (without brackets).
    var host: String
    /// The TCP port; 4222 when the URL names none.
    var port: Int
    /// Whether the URL is `tls://`: TLS is required even if the server does not demand it.
    var requiresTLS: Bool
    /// The user from `user:password@`, or the token from `token@`.
    var user: String?
    /// The password from `user:password@`.
    var password: String?
    /// Whether the address was configured (not learnt from a server's `connect_urls`).
    var isConfigured: Bool

    /// The default NATS client port.
    static let defaultPort = 4222

    /// `host:port`, without credentials.
    var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A token from `token@host` (a user without a password).
    var token: String? { password == nil ? user : nil }

    /// Parses `nats://[user[:password]@]host[:port]`, `tls://…`, or `host[:port]`.
    ///
    /// - Throws: ``NATSClientError/invalidServerURL(_:reason:)`` naming the URL.
    static func parse(_ url: String, isConfigured: Bool = true) throws(NATSClientError) -> NATSServerAddress {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        let withScheme = trimmed.contains("://") ? trimmed : "nats://\(trimmed)"
        guard let components = URLComponents(string: withScheme) else {
            throw .invalidServerURL(url, reason: "it is not a URL")
        }
        let scheme = components.scheme?.lowercased() ?? "nats"
        guard scheme == "nats" || scheme == "tls" else {
            throw .invalidServerURL(url, reason: "scheme '\(scheme)' is not supported (only nats and tls)")
        }
        guard var host = components.host, !host.isEmpty else {
            throw .invalidServerURL(url, reason: "it has no host")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        let port = components.port ?? defaultPort
        guard (1...65535).contains(port) else {
            throw .invalidServerURL(url, reason: "port \(port) is out of range")
        }
        guard components.path.isEmpty || components.path == "/" else {
            throw .invalidServerURL(url, reason: "it has a path ('\(components.path)')")
        }
        return NATSServerAddress(
            host: host,
            port: port,
            requiresTLS: scheme == "tls",
            user: components.user.flatMap { $0.isEmpty ? nil : $0 },
            password: components.password,
            isConfigured: isConfigured
        )
    }
}
