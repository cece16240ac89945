/// A bearer token the server accepts, known by the SHA-256 digest of its text only (the configuration
/// never holds the token itself, and nothing logs it), with a name for logs and the audit log.
public struct AccessToken: Sendable, Hashable {
    /// Who holds it, as logs and the audit log name them (`billing-service`).
    public var name: String
    /// The SHA-256 digest of the token's UTF-8 text, as 64 lowercase hex digits.
    public var sha256: String
    /// What the holder may do.
    public var grants: [AccessGrant]
    /// Its own bounds, over the server's ``ServerLimits/perToken`` (each bound it sets wins).
    public var limits: TokenLimits?

    /// A token named `name`, known by its digest.
    public init(name: String, sha256: String, grants: [AccessGrant], limits: TokenLimits? = nil) {
        self.name = name
        self.sha256 = sha256.lowercased()
        self.grants = grants
        self.limits = limits
    }

    /// Whether the token allows `permission` on `topic` (on some topic when `topic` is `nil`).
    public func allows(_ permission: AccessPermission, topic: String?) -> Bool {
        grants.contains { $0.allows(permission, topic: topic) }
    }
}
