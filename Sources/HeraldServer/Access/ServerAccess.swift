/// Who may use the server: the bearer tokens it accepts, and whether requests without one are let in.
public struct ServerAccess: Sendable {
    /// The accepted tokens.
    public var tokens: [AccessToken]
    /// Whether a request without a token may do everything (`herald serve --allow-anonymous`; for a
    /// development machine). Default `false`: such a request gets 401.
    public var allowsAnonymous: Bool

    /// Access by `tokens`, and anonymously only when `allowsAnonymous`.
    public init(tokens: [AccessToken] = [], allowsAnonymous: Bool = false) {
        self.tokens = tokens
        self.allowsAnonymous = allowsAnonymous
    }
}
