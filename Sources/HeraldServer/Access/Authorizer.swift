import HTTPTypes

/// Decides who sent a request and whether they may do what it asks: a bearer token known by its digest,
/// or anonymous on a server that allows it. Answers 401 for a missing or unknown token and 403 for a
/// token without the permission, each as a problem naming what is missing (never the token).
struct Authorizer: Sendable {
    private let tokens: [String: AccessToken]
    private let allowsAnonymous: Bool

    init(_ access: ServerAccess) {
        self.tokens = Dictionary(access.tokens.map { ($0.sha256, $0) }, uniquingKeysWith: { first, _ in first })
        self.allowsAnonymous = access.allowsAnonymous
    }

    /// The principal of a request with `headers`, if it may do `permission` on `topic` (on some topic when
    /// `nil`: the caller then shows only the topics the principal may see).
    ///
    /// - Throws: a 401 ``Problem`` without a valid token, a 403 one without the permission.
    func authorize(_ headers: HTTPFields, _ permission: AccessPermission, topic: String?) throws(Problem) -> Principal {
        let principal = try authenticate(headers)
        guard principal.allows(permission, topic: topic) else {
            let target = topic.map { "topic '\($0)'" } ?? "any topic"
            throw Problem(
                status: .forbidden, code: "forbidden", title: "The token lacks the permission",
                detail:
                    "the token '\(principal.name)' has no \(permission.rawValue) permission on \(target); add a grant to its entry in the server's configuration",
                topic: topic
            )
        }
        return principal
    }

    /// The principal of a request with `headers`.
    ///
    /// - Throws: a 401 ``Problem`` without a valid token.
    func authenticate(_ headers: HTTPFields) throws(Problem) -> Principal {
        guard let authorization = headers[.authorization] else {
            if allowsAnonymous { return .anonymous }
            throw Self.unauthorized(
                "the request carries no token; send 'Authorization: Bearer <token>' (the server was started without --allow-anonymous)",
                error: nil)
        }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Self.unauthorized("the Authorization header is not 'Bearer <token>'", error: "invalid_request")
        }
        let digest = TokenDigest.sha256(of: String(parts[1].trimmingSpaces()))
        guard let token = tokens[digest] else {
            throw Self.unauthorized(
                "the token is not one this server accepts (its SHA-256 digest is in no entry of the configuration's access.tokens)", error: "invalid_token")
        }
        return Principal(name: token.name, token: token)
    }

    private static func unauthorized(_ detail: String, error: String?) -> Problem {
        var problem = Problem(status: .unauthorized, code: "unauthorized", title: "A valid token is needed", detail: detail)
        problem.challenge = error.map { "Bearer realm=\"herald\", error=\"\($0)\"" } ?? "Bearer realm=\"herald\""
        return problem
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        return text
    }
}
