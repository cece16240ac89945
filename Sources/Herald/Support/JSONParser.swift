/// A strict RFC 8259 JSON parser into ``JSONValue``, in time linear in the document's size.
///
/// It is iterative (open arrays and objects live on explicit stacks, not on the call stack), checks
/// ``JSONLimits`` before it starts, and refuses what Foundation's parser lets through: a trailing comma,
/// a member name given twice in one object, and a `\u` escape of an unpaired surrogate. Strings must be
/// valid UTF-8. A UTF-8 byte order mark before the value is ignored, as RFC 8259 allows.
///
/// Numbers without a fraction or exponent that fit in `Int64` are kept exactly as
/// ``JSONValue/integer(_:)``, and so is any other number whose `Double` value is integral and fits;
/// the rest become ``JSONValue/number(_:)``. Numbers too large for a `Double` are refused.
struct JSONParser {
    /// Whether an open container is an array or an object; its contents are on `arrays` or `objects`.
    private enum Container {
        case array
        case object
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var containers: [Container] = []
    private var arrays: [[JSONValue]] = []
    private var objects: [[String: JSONValue]] = []
    /// The name of the member being read, per open object.
    private var names: [String] = []
    /// The unescaped bytes of a string with escapes, reused from one string to the next.
    private var scratch: [UInt8] = []

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Parses `bytes` as one JSON text.
    ///
    /// - Throws: ``JSONParseError`` naming what is wrong, the byte offset and the path to it.
    static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits) throws(JSONParseError) -> JSONValue {
        do {
            try limits.scan(bytes)
        } catch {
            throw JSONParseError(kind: .limit(error), reason: error.message, offset: error.offset, path: [])
        }
        var parser = JSONParser(bytes)
        return try parser.document()
    }

    private mutating func document() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            index = 3
        }
        let value = try value()
        skipWhitespace()
        guard index == bytes.count else {
            throw failure("unexpected \(describeByte()) after the JSON value")
        }
        return value
    }

    // MARK: Values

    /// Reads one value, with every array and object it opens.
    private mutating func value() throws(JSONParseError) -> JSONValue {
        reading: while true {
            skipWhitespace()
            guard index < bytes.count else {
                throw failure("the document ends where a value should begin")
            }
            var value: JSONValue
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                skipWhitespace()
                if consume(UInt8(ascii: "}")) {
                    value = .object([:])
                } else {
                    containers.append(.object)
                    objects.append([:])
                    names.append("")
                    names[names.count - 1] = try memberName(after: "'{'")
                    continue reading
                }
            case UInt8(ascii: "["):
                index += 1
                skipWhitespace()
                if consume(UInt8(ascii: "]")) {
                    value = .array([])
                } else {
                    containers.append(.array)
                    arrays.append([])
                    continue reading
                }
            case UInt8(ascii: "\""):
                value = .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try number()
            default:
                throw failure("unexpected \(describeByte()) where a value should begin")
            }

            // Put the value into its container, and close every container it completes.
            while let container = containers.last {
                skipWhitespace()
                switch container {
                case .array:
                    arrays[arrays.count - 1].append(value)
                    if consume(UInt8(ascii: ",")) { continue reading }
                    guard consume(UInt8(ascii: "]")) else {
                        throw failure("expected ',' or ']' after an array element, found \(describeByte())")
                    }
                    containers.removeLast()
                    value = .array(arrays.removeLast())
                case .object:
                    objects[objects.count - 1][names[names.count - 1]] = value
                    if consume(UInt8(ascii: ",")) {
                        skipWhitespace()
                        names[names.count - 1] = try memberName(after: "','")
                        continue reading
                    }
                    guard consume(UInt8(ascii: "}")) else {
                        throw failure("expected ',' or '}' after an object member, found \(describeByte())")
                    }
                    containers.removeLast()
                    names.removeLast()
                    value = .object(objects.removeLast())
                }
            }
            return value
        }
    }

    /// Reads `"name" :` of the next member of the innermost object, whose name in `names` is still the
    /// previous member's (or empty): errors here are reported at the object, not at that member.
    private mutating func memberName(after what: String) throws(JSONParseError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw failure("expected a member name after \(what), found \(describeByte())", path: objectPath)
        }
        let start = index
        let name: String
        do {
            name = try string()
        } catch {
            throw JSONParseError(kind: error.kind, reason: error.reason, offset: error.offset, path: objectPath)
        }
        if objects[objects.count - 1][name] != nil {
            throw JSONParseError(
                kind: .duplicateMember(name),
                reason: "member '\(name)' appears twice in one object",
                offset: start,
                path: objectPath
            )
        }
        skipWhitespace()
        guard consume(UInt8(ascii: ":")) else {
            throw failure("expected ':' after member name '\(name)', found \(describeByte())", path: objectPath)
        }
        return name
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let start = index
        let expected = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for byte in expected {
            guard index < bytes.count, bytes[index] == byte else {
                throw failure("invalid literal; expected '\(word)'", at: start)
            }
            index += 1
        }
    }

    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
            if index < bytes.count, isDigit(bytes[index]) {
                throw failure("a number must not have a leading zero", at: start)
            }
        } else {
            try digits(in: start)
        }
        var isInteger = true
        if consume(UInt8(ascii: ".")) {
            isInteger = false
            try digits(in: start)
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            isInteger = false
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            try digits(in: start)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let integer = Int64(text) {
            return .integer(integer)
        }
        guard let number = Double(text), number.isFinite else {
            throw failure("number \(text) is too large for a 64-bit floating-point value", at: start)
        }
        if let integer = Int64(exactly: number) {
            return .integer(integer)
        }
        return .number(number)
    }

    /// One or more decimal digits.
    private mutating func digits(in number: Int) throws(JSONParseError) {
        let start = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        guard index > start else {
            throw failure("invalid number: expected a digit, found \(describeByte())", at: number)
        }
    }

    // MARK: Strings

    /// Reads a string, from its opening quote to its closing quote.
    private mutating func string() throws(JSONParseError) -> String {
        let start = index
        index += 1
        let contentStart = index
        // Most strings have no escapes: validate their bytes where they are.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeRawBufferPointer(rebasing: bytes[contentStart..<index])
                index += 1
                return try validated(content, start: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw unescapedControlCharacter(byte) }
            index += 1
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[contentStart..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try validated(scratch, start: start)
            case UInt8(ascii: "\\"):
                try escape()
            case 0..<0x20:
                throw unescapedControlCharacter(byte)
            default:
                scratch.append(byte)
                index += 1
            }
        }
        throw failure("unterminated string", at: start)
    }

    /// Appends the character of the escape at `index` to `scratch`.
    private mutating func escape() throws(JSONParseError) {
        let start = index
        index += 1
        guard index < bytes.count else { throw failure("unterminated string", at: start) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var value = try hexQuad(escapeStart: start)
            if (0xD800...0xDBFF).contains(value) {
                // A high surrogate must be followed by the escape of a low one.
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw unpairedSurrogate(value, at: start) }
                index += 2
                let low = try hexQuad(escapeStart: index - 2)
                guard (0xDC00...0xDFFF).contains(low) else { throw unpairedSurrogate(value, at: start) }
                value = 0x10000 + (value - 0xD800) << 10 + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(value) {
                throw unpairedSurrogate(value, at: start)
            }
            guard let scalar = Unicode.Scalar(value) else { throw unpairedSurrogate(value, at: start) }
            UTF8.encode(scalar) { scratch.append($0) }
        default:
            throw failure("invalid escape '\\\(Unicode.Scalar(byte))' in a string", at: start)
        }
    }

    /// The four hex digits after `\u`.
    private mutating func hexQuad(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("incomplete \\u escape", at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape: \(describeByte()) is not a hex digit", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// `content` as a string, if it is valid UTF-8.
    private func validated(_ content: some Sequence<UInt8>, start: Int) throws(JSONParseError) -> String {
        guard let string = String(validating: content, as: UTF8.self) else {
            throw JSONParseError(
                kind: .invalidString,
                reason: "a string is not valid UTF-8",
                offset: start,
                path: path
            )
        }
        return string
    }

    private func unescapedControlCharacter(_ byte: UInt8) -> JSONParseError {
        failure("unescaped control character \(hex(byte)) in a string; write it as a \\u escape")
    }

    private func unpairedSurrogate(_ value: UInt32, at offset: Int) -> JSONParseError {
        JSONParseError(
            kind: .invalidString,
            reason: "\\u escape of \(hex(value)) is an unpaired surrogate, which is not a character",
            offset: offset,
            path: path
        )
    }

    // MARK: Bytes

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    /// Steps over `byte` if it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The byte at `index` for a message: `'x'`, a code like `0xFF`, or "the end of the document".
    private func describeByte() -> String {
        guard index < bytes.count else { return "the end of the document" }
        let byte = bytes[index]
        return byte >= 0x20 && byte < 0x7F ? "'\(Unicode.Scalar(byte))'" : "byte \(hex(byte))"
    }

    private func hex(_ value: some BinaryInteger) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 2 - digits.count)) + digits
    }

    // MARK: Errors

    /// The path of the innermost object (without the member being read), for errors in a member name.
    /// Computed only for an error: it takes time linear in the depth.
    private var objectPath: [JSONParseError.PathComponent] {
        Array(path.dropLast())
    }

    /// Where the parser is: the member or element being read in each open container.
    private var path: [JSONParseError.PathComponent] {
        var path: [JSONParseError.PathComponent] = []
        path.reserveCapacity(containers.count)
        var arrayIndex = 0
        var objectIndex = 0
        for container in containers {
            switch container {
            case .array:
                path.append(.index(arrays[arrayIndex].count))
                arrayIndex += 1
            case .object:
                path.append(.member(names[objectIndex]))
                objectIndex += 1
            }
        }
        return path
    }

    private func failure(
        _ reason: String,
        at offset: Int? = nil,
        path: [JSONParseError.PathComponent]? = nil
    ) -> JSONParseError {
        JSONParseError(kind: .syntax, reason: reason, offset: offset ?? index, path: path ?? self.path)
    }
}
