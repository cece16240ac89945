/// The RFC 3986 grammar of a URI-reference (CloudEvents `source`) and of a URI (`dataschema`, a
/// URI-reference with a scheme).
///
/// The check is syntactic: only the characters RFC 3986 allows where they appear, `%` followed by two hex
/// digits, a valid scheme, a valid authority (user information, host or bracketed IP literal, numeric
/// port), and no `:` in the first segment of a relative path. It does not resolve or normalise anything.
enum URIReference {
    /// What makes `text` not a URI-reference (or, with `requiringScheme`, not a URI), or `nil` when it is one.
    static func problem(in text: String, requiringScheme: Bool) -> String? {
        let bytes = Array(text.utf8)
        var end = bytes.count
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) {
            if let problem = check(bytes[(hash + 1)...], allowing: isQueryOrFragment, part: "the fragment") {
                return problem
            }
            end = hash
        }
        if let question = bytes[..<end].firstIndex(of: UInt8(ascii: "?")) {
            if let problem = check(bytes[(question + 1)..<end], allowing: isQueryOrFragment, part: "the query") {
                return problem
            }
            end = question
        }
        var rest = bytes[..<end]
        // A scheme is whatever comes before a ':' that precedes every '/'.
        let colon = rest.firstIndex(of: UInt8(ascii: ":"))
        let slash = rest.firstIndex(of: UInt8(ascii: "/"))
        if let colon, slash.map({ colon < $0 }) ?? true {
            let scheme = rest[..<colon]
            guard let first = scheme.first, isAlpha(first),
                scheme.allSatisfy({
                    isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
                        || $0 == UInt8(ascii: ".")
                })
            else {
                return "'\(String(decoding: scheme, as: UTF8.self))' before ':' is not a valid scheme "
                    + "(a letter, then letters, digits, '+', '-' or '.'); a relative reference may not have "
                    + "':' in its first segment"
            }
            rest = rest[(colon + 1)...]
        } else if requiringScheme {
            return "it has no scheme; it must be an absolute URI such as 'https://example.com/schema.json'"
        }
        if rest.starts(with: [UInt8(ascii: "/"), UInt8(ascii: "/")]) {
            let authorityStart = rest.startIndex + 2
            let authorityEnd = rest[authorityStart...].firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            if let problem = authorityProblem(rest[authorityStart..<authorityEnd]) {
                return problem
            }
            rest = rest[authorityEnd...]
        }
        return check(rest, allowing: isPathCharacter, part: "the path")
    }

    /// `[ userinfo "@" ] host [ ":" port ]`.
    private static func authorityProblem(_ authority: ArraySlice<UInt8>) -> String? {
        var hostAndPort = authority
        if let at = authority.firstIndex(of: UInt8(ascii: "@")) {
            let userInfo = authority[..<at]
            let isUserInfo = { (byte: UInt8) in isUnreserved(byte) || isSubDelimiter(byte) || byte == UInt8(ascii: ":")
            }
            if let problem = check(userInfo, allowing: isUserInfo, part: "the user information") {
                return problem
            }
            hostAndPort = authority[(at + 1)...]
        }
        var port = hostAndPort[hostAndPort.endIndex...]
        if hostAndPort.first == UInt8(ascii: "[") {
            guard let close = hostAndPort.firstIndex(of: UInt8(ascii: "]")) else {
                return "the IP literal of the host has no closing ']'"
            }
            let literal = hostAndPort[(hostAndPort.startIndex + 1)..<close]
            let isLiteral = { (byte: UInt8) in isUnreserved(byte) || isSubDelimiter(byte) || byte == UInt8(ascii: ":") }
            if literal.isEmpty || !literal.allSatisfy(isLiteral) {
                return "'[\(String(decoding: literal, as: UTF8.self))]' is not an IP literal"
            }
            let afterLiteral = hostAndPort[(close + 1)...]
            if let first = afterLiteral.first {
                guard first == UInt8(ascii: ":") else { return "the host's IP literal is followed by more than a port" }
                port = afterLiteral.dropFirst()
            }
        } else {
            var host = hostAndPort
            if let colon = hostAndPort.lastIndex(of: UInt8(ascii: ":")) {
                host = hostAndPort[..<colon]
                port = hostAndPort[(colon + 1)...]
            }
            let isRegisteredName = { (byte: UInt8) in isUnreserved(byte) || isSubDelimiter(byte) }
            if let problem = check(host, allowing: isRegisteredName, part: "the host") {
                return problem
            }
        }
        guard port.allSatisfy(isDigit) else {
            return "the port '\(String(decoding: port, as: UTF8.self))' is not a number"
        }
        return nil
    }

    /// The first character of `part` that `allowed` refuses, or a `%` not followed by two hex digits.
    private static func check(
        _ part: ArraySlice<UInt8>,
        allowing allowed: (UInt8) -> Bool,
        part name: String
    ) -> String? {
        var index = part.startIndex
        while index < part.endIndex {
            let byte = part[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < part.endIndex, isHexDigit(part[index + 1]), isHexDigit(part[index + 2])
                else {
                    return "'%' in \(name) is not followed by two hex digits"
                }
                index += 3
                continue
            }
            guard allowed(byte) else {
                return "\(name) contains \(describe(byte)), which a URI must percent-encode"
            }
            index += 1
        }
        return nil
    }

    private static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21, byte < 0x7F { return "'\(Unicode.Scalar(byte))'" }
        if byte == 0x20 { return "a space" }
        return byte < 0x80 ? "a control character" : "a non-ASCII character"
    }

    private static func isPathCharacter(_ byte: UInt8) -> Bool {
        isUnreserved(byte) || isSubDelimiter(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@")
            || byte == UInt8(ascii: "/")
    }

    private static func isQueryOrFragment(_ byte: UInt8) -> Bool {
        isPathCharacter(byte) || byte == UInt8(ascii: "?")
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            true
        default:
            false
        }
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
