/// Who sent a request: a token's holder, or anonymous.
public struct Principal: Sendable, Hashable, CustomStringConvertible {
    /// The token's name, or `anonymous`.
    public var name: String
    /// The token, when the request carried one.
    public var token: AccessToken?

    /// A request without a token, on a server that allows those.
    public static let anonymous = Principal(name: "anonymous", token: nil)

    /// Whether the principal may do `permission` on `topic` (on some topic when `nil`).
    public func allows(_ permission: AccessPermission, topic: String?) -> Bool {
        token?.allows(permission, topic: topic) ?? true
    }

    public var description: String { name }
}
