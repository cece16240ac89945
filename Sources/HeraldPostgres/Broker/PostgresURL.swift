import Foundation
import PostgresNIO

/// A PostgreSQL address as a URL: `postgres://user:password@host:port/database` (`postgresql://` too),
/// with `?sslmode=disable|prefer|require` (default `prefer`).
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// The host.
    public var host: String
    /// The port. Default 5432.
    public var port: Int
    /// The user.
    public var username: String
    /// The password, if any.
    public var password: String?
    /// The database; `nil` for the user's default.
    public var database: String?
    /// `disable`, `prefer` or `require`.
    public var sslMode: String

    /// Parses `text`.
    ///
    /// - Throws: ``PostgresURLError`` naming what is wrong.
    public init(_ text: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw PostgresURLError(url: text, reason: "it is not a postgres:// URL (postgres://user:password@host:port/database)")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError(url: text, reason: "it names no host") }
        guard let user = components.user, !user.isEmpty else { throw PostgresURLError(url: text, reason: "it names no user (postgres://USER@host/…)") }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw PostgresURLError(url: text, reason: "port \(port) is not a TCP port") }
        self.host = host
        self.port = port
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(mode) else {
            throw PostgresURLError(url: text, reason: "sslmode '\(mode)' is not disable, prefer or require")
        }
        self.sslMode = mode
    }

    /// The client configuration of this address.
    public var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The address without its password.
    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database ?? "")"
    }
}

/// A PostgreSQL URL that cannot be used.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL, as given (its password masked).
    public let url: String
    /// What is wrong.
    public let reason: String

    init(url: String, reason: String) {
        var masked = url
        if let components = URLComponents(string: url), let password = components.password, !password.isEmpty {
            masked = url.replacingOccurrences(of: ":\(password)@", with: ":***@")
        }
        self.url = masked
        self.reason = reason
    }

    public var description: String { "the PostgreSQL URL '\(url)' cannot be used: \(reason)" }
}
