import Herald

extension ConfigurationKeyReader {
    /// Who may use the server, from the object at `key`, over `base` (the command line's
    /// `--allow-anonymous`, which the file cannot turn off).
    func access(_ value: JSONValue, at key: String, over base: ServerAccess) throws(ServerConfigurationError) -> ServerAccess {
        let object = try object(value, at: key)
        try onlyKeys(["allowAnonymous", "tokens"], in: object, at: key)
        var access = base
        if let allows = object["allowAnonymous"] {
            guard case .bool(let flag) = allows else { throw error(self.key("allowAnonymous", under: key), "must be true or false") }
            access.allowsAnonymous = access.allowsAnonymous || flag
        }
        if let tokens = object["tokens"] {
            let list = try array(tokens, at: self.key("tokens", under: key))
            var digests: Set<String> = []
            var names: Set<String> = []
            for (index, item) in list.enumerated() {
                let at = "\(self.key("tokens", under: key))[\(index)]"
                let token = try token(item, at: at)
                guard digests.insert(token.sha256).inserted else { throw error(self.key("sha256", under: at), "is the digest of an earlier token") }
                guard names.insert(token.name).inserted else { throw error(self.key("name", under: at), "'\(token.name)' names an earlier token") }
                access.tokens.append(token)
            }
        }
        return access
    }

    /// The list at `key`.
    func array(_ value: JSONValue, at key: String) throws(ServerConfigurationError) -> [JSONValue] {
        guard case .array(let list) = value else { throw error(key, "must be a list; it is \(value.kindDescription)") }
        return list
    }

    private func token(_ value: JSONValue, at key: String) throws(ServerConfigurationError) -> AccessToken {
        let object = try object(value, at: key)
        try onlyKeys(["name", "sha256", "grants", "limits"], in: object, at: key)
        guard let name = try string(object["name"], at: self.key("name", under: key)) else { throw error(self.key("name", under: key), "is required") }
        guard let digest = try string(object["sha256"], at: self.key("sha256", under: key)) else {
            throw error(self.key("sha256", under: key), "is required: the SHA-256 digest of the token (herald token prints a token and its digest)")
        }
        guard TokenDigest.isDigest(digest) else {
            throw error(
                self.key("sha256", under: key),
                "must be 64 hex digits, the SHA-256 digest of the token, never the token itself (herald token prints both)")
        }
        guard let grants = object["grants"] else { throw error(self.key("grants", under: key), "is required: what the token may do") }
        let list = try array(grants, at: self.key("grants", under: key))
        let limits = try object["limits"].map { value throws(ServerConfigurationError) in try tokenLimits(value, at: self.key("limits", under: key)) }
        return AccessToken(
            name: name, sha256: digest,
            grants: try list.enumerated().map { index, item throws(ServerConfigurationError) in
                try grant(item, at: "\(self.key("grants", under: key))[\(index)]")
            },
            limits: limits
        )
    }

    private func grant(_ value: JSONValue, at key: String) throws(ServerConfigurationError) -> AccessGrant {
        let object = try object(value, at: key)
        try onlyKeys(["topics", "permissions"], in: object, at: key)
        guard let text = try string(object["topics"], at: self.key("topics", under: key)) else {
            throw error(self.key("topics", under: key), "is required: a topic name, with * for any characters")
        }
        let pattern: TopicPattern
        do throws(TopicPatternError) {
            pattern = try TopicPattern(text)
        } catch {
            throw self.error(self.key("topics", under: key), error.reason)
        }
        guard let permissions = object["permissions"] else { throw error(self.key("permissions", under: key), "is required") }
        var granted: Set<AccessPermission> = []
        for (index, item) in try array(permissions, at: self.key("permissions", under: key)).enumerated() {
            guard case .string(let name) = item, let permission = AccessPermission(rawValue: name) else {
                throw error(
                    "\(self.key("permissions", under: key))[\(index)]",
                    "must be one of \(AccessPermission.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            granted.insert(permission)
        }
        return AccessGrant(topics: pattern, permissions: granted)
    }
}
