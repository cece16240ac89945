import NIOCore

/// Bytes broke the NATS client protocol: a frame from the server could not be parsed, or a command
/// could not be encoded because a subject or header was invalid.
///
/// The ``message`` says what was wrong and what to do; ``offendingBytes`` quotes (truncated, with
/// control characters escaped) the bytes that broke the rule. A parse error means the byte stream can
/// no longer be trusted: the client closes the connection and reconnects.
public struct NATSProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule that was broken; compare with the static members (`error.code == .unknownOperation`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case controlLineTooLong
            case payloadTooLarge
            case unknownOperation
            case invalidArguments
            case invalidNumber
            case headerSizeExceedsTotal
            case missingPayloadTerminator
            case invalidHeaders
            case invalidInfo
            case invalidSubject
            case invalidQueueGroup
            case invalidHeaderField
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// A control line (everything before CRLF) was longer than the parser accepts.
        public static let controlLineTooLong = Code(.controlLineTooLong)
        /// A message announced more bytes than the server's `max_payload`.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// A control line started with a word that is not a NATS operation.
        public static let unknownOperation = Code(.unknownOperation)
        /// An operation had the wrong number of arguments.
        public static let invalidArguments = Code(.invalidArguments)
        /// A size or subscription id was not a non-negative decimal number.
        public static let invalidNumber = Code(.invalidNumber)
        /// An `HMSG` announced more header bytes than total bytes.
        public static let headerSizeExceedsTotal = Code(.headerSizeExceedsTotal)
        /// The bytes after a payload were not CRLF: the announced size was wrong.
        public static let missingPayloadTerminator = Code(.missingPayloadTerminator)
        /// A header block was not `NATS/1.0[ status [description]]` followed by `Name: Value` lines and
        /// an empty line.
        public static let invalidHeaders = Code(.invalidHeaders)
        /// The JSON of an `INFO` could not be decoded.
        public static let invalidInfo = Code(.invalidInfo)
        /// A subject was empty or contained whitespace or control characters.
        public static let invalidSubject = Code(.invalidSubject)
        /// A queue group name was empty or contained whitespace or control characters.
        public static let invalidQueueGroup = Code(.invalidQueueGroup)
        /// A header name was empty or contained `:`, whitespace or control characters, or a header value
        /// contained CR or LF.
        public static let invalidHeaderField = Code(.invalidHeaderField)

        /// The code's name, such as `unknownOperation`.
        public var description: String { base.rawValue }
    }

    /// The rule that was broken.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// The offending bytes, quoted: truncated to ``quoteLimit`` bytes, non-printable bytes escaped.
    public let offendingBytes: String

    /// How many offending bytes an error quotes at most.
    public static let quoteLimit = 64

    private init(_ code: Code, _ message: String, offending: String) {
        self.code = code
        self.message = message
        self.offendingBytes = offending
    }

    /// The code, the message and the quoted bytes.
    public var description: String {
        "NATSProtocolError.\(code): \(message) (offending bytes: \"\(offendingBytes)\")"
    }

    /// No CRLF within `limit` bytes of a control line.
    static func controlLineTooLong(limit: Int, bytes: some Sequence<UInt8>) -> Self {
        Self(
            .controlLineTooLong,
            "a control line from the server is longer than \(limit) bytes without CRLF; "
                + "the stream is not NATS or is corrupt, the connection is closed",
            offending: quote(bytes)
        )
    }

    /// A message of `size` bytes is larger than `limit`.
    static func payloadTooLarge(size: Int, limit: Int, line: some Sequence<UInt8>) -> Self {
        Self(
            .payloadTooLarge,
            "a message of \(size) bytes exceeds the server's max_payload of \(limit) bytes; "
                + "the stream is corrupt, the connection is closed",
            offending: quote(line)
        )
    }

    /// The control line starts with an unknown operation.
    static func unknownOperation(_ operation: String, line: some Sequence<UInt8>) -> Self {
        Self(
            .unknownOperation,
            "unknown operation '\(quote(operation.utf8))'; expected INFO, MSG, HMSG, PING, PONG, +OK or -ERR",
            offending: quote(line)
        )
    }

    /// An operation has the wrong number of arguments.
    static func invalidArguments(_ operation: String, expected: String, found: Int, line: some Sequence<UInt8>) -> Self {
        Self(
            .invalidArguments,
            "\(operation) needs \(expected) arguments, found \(found)",
            offending: quote(line)
        )
    }

    /// A field that must be a number is not one.
    static func invalidNumber(field: String, value: String, line: some Sequence<UInt8>) -> Self {
        Self(
            .invalidNumber,
            "\(field) '\(quote(value.utf8))' is not a non-negative decimal number",
            offending: quote(line)
        )
    }

    /// `HMSG` header size exceeds total size.
    static func headerSizeExceedsTotal(headerBytes: Int, totalBytes: Int, line: some Sequence<UInt8>) -> Self {
        Self(
            .headerSizeExceedsTotal,
            "HMSG announces \(headerBytes) header bytes but only \(totalBytes) total bytes",
            offending: quote(line)
        )
    }

    /// The two bytes after a payload are not CRLF.
    static func missingPayloadTerminator(size: Int, found: some Sequence<UInt8>) -> Self {
        Self(
            .missingPayloadTerminator,
            "the \(size) payload bytes announced are not followed by CRLF; the announced size is wrong",
            offending: quote(found)
        )
    }

    /// A header block is malformed.
    static func invalidHeaders(_ reason: String, bytes: some Sequence<UInt8>) -> Self {
        Self(.invalidHeaders, "invalid header block: \(reason)", offending: quote(bytes))
    }

    /// The INFO JSON did not decode.
    static func invalidInfo(_ reason: String, bytes: some Sequence<UInt8>) -> Self {
        Self(.invalidInfo, "INFO JSON could not be decoded: \(reason)", offending: quote(bytes))
    }

    /// A subject is empty or contains whitespace or control characters.
    static func invalidSubject(_ subject: String, role: String = "subject") -> Self {
        Self(
            .invalidSubject,
            "\(role) '\(quote(subject.utf8))' is invalid: it must be non-empty and contain no whitespace or "
                + "control characters",
            offending: quote(subject.utf8)
        )
    }

    /// A queue group name is empty or contains whitespace or control characters.
    static func invalidQueueGroup(_ group: String) -> Self {
        Self(
            .invalidQueueGroup,
            "queue group '\(quote(group.utf8))' is invalid: it must be non-empty and contain no whitespace or "
                + "control characters",
            offending: quote(group.utf8)
        )
    }

    /// A header name or value cannot be encoded.
    static func invalidHeaderField(_ field: String, reason: String) -> Self {
        Self(.invalidHeaderField, "header \(reason)", offending: quote(field.utf8))
    }

    /// Quotes up to ``quoteLimit`` bytes, escaping CR, LF, tab and other non-printable bytes.
    static func quote<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var result = ""
        var count = 0
        for byte in bytes {
            if count == quoteLimit {
                result += "…"
                break
            }
            count += 1
            switch byte {
            case UInt8(ascii: "\r"): result += "\\r"
            case UInt8(ascii: "\n"): result += "\\n"
            case UInt8(ascii: "\t"): result += "\\t"
            case UInt8(ascii: "\\"): result += "\\\\"
            case 0x20..<0x7F: result.unicodeScalars.append(Unicode.Scalar(byte))
            default: result += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return result
    }
}
