import Herald
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The headers of a NATS message: an ordered list of `Name: Value` fields in which a name may repeat,
/// plus the status line a server adds to its own messages (`NATS/1.0 503`, `NATS/1.0 404 No Messages`).
///
/// Names are compared exactly (case-sensitive), as the NATS server does. A literal builds headers in
/// order and keeps repeated names: `["A": "1", "A": "2"]`.
public struct NATSHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One `Name: Value` field.
    public struct Field: Sendable, Hashable {
        /// The field's name.
        public var name: String
        /// The field's value.
        public var value: String

        /// Creates a field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Where the fields are: built here, or in a header block received (validated when it arrived, its
    /// fields decoded only when asked for: most readers want two or three of them, or none).
    private enum Storage: Sendable {
        case fields([Field])
        case received(ByteBuffer)
    }

    private var storage: Storage
    /// The status code of the status line (`503`, `404`, `408`, `100`, ...), `nil` when there is none.
    /// Only the server sets one; see ``NATSStatusCode``.
    public var status: Int?
    /// The text after the status code (`No Messages`, `Idle Heartbeat`), `nil` when there is none.
    public var statusDescription: String?

    /// Creates empty headers without a status.
    public init() {
        storage = .fields([])
    }

    /// Creates empty headers with room for `capacity` fields.
    init(reservingCapacity capacity: Int) {
        var fields: [Field] = []
        fields.reserveCapacity(capacity)
        storage = .fields(fields)
    }

    /// Headers whose fields are those of `block`, a complete header block already validated by
    /// ``received(_:reusing:)``.
    private init(validatedBlock block: ByteBuffer, status: Int?, statusDescription: String?) {
        storage = .received(block)
        self.status = status
        self.statusDescription = statusDescription
    }

    /// Creates headers from fields in order, keeping repeated names.
    public init(_ fields: some Sequence<(String, String)>, status: Int? = nil, statusDescription: String? = nil) {
        self.storage = .fields(fields.map { Field(name: $0.0, value: $0.1) })
        self.status = status
        self.statusDescription = statusDescription
    }

    /// Creates headers from a literal, in order, keeping repeated names.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The fields in order (decoded from a received block each time they are asked for).
    private var fields: [Field] {
        switch storage {
        case .fields(let fields): fields
        case .received(let block): Self.fields(ofValidated: block)
        }
    }

    /// Changes the fields, decoding a received block first.
    private mutating func modifyFields<Result>(_ change: (inout [Field]) -> Result) -> Result {
        var fields = self.fields
        // Released first, so that the array is not shared while it changes.
        storage = .fields([])
        defer { storage = .fields(fields) }
        return change(&fields)
    }

    /// The number of fields.
    public var count: Int { fields.count }
    /// Whether there are no fields (there may still be a status).
    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of `name`; setting replaces every value of `name` with one (or removes it for `nil`).
    public subscript(name: String) -> String? {
        get { fields.first { $0.name == name }?.value }
        set {
            guard let newValue else {
                removeAll(name)
                return
            }
            modifyFields { fields in
                if let index = fields.firstIndex(where: { $0.name == name }) {
                    fields[index].value = newValue
                    let next = fields.index(after: index)
                    fields[next...].removeAll { $0.name == name }
                } else {
                    fields.append(Field(name: name, value: newValue))
                }
            }
        }
    }

    /// Every value of `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// Adds a field after the existing ones, keeping other values of the same name.
    public mutating func append(_ name: String, _ value: String) {
        modifyFields { $0.append(Field(name: name, value: value)) }
    }

    /// Removes every field named `name`.
    public mutating func removeAll(_ name: String) {
        modifyFields { $0.removeAll { $0.name == name } }
    }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    /// Calls `body` with the bytes of each field's name and value, in order: for a received block without
    /// making a string of any of them.
    func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        switch storage {
        case .received(let block):
            block.withUnsafeReadableBytes { raw in
                // Validated when it arrived: the scan cannot fail.
                _ = try? Self.scan(raw) { name, value throws(NATSProtocolError) in
                    body(UnsafeRawBufferPointer(rebasing: raw[name]), UnsafeRawBufferPointer(rebasing: raw[value]))
                }
            }
        case .fields(let fields):
            for field in fields {
                var name = field.name
                var value = field.value
                name.withUTF8 { name in value.withUTF8 { value in body(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer(value)) } }
            }
        }
    }

    /// Equal when the fields (in order), the status and its description are.
    public static func == (lhs: NATSHeaders, rhs: NATSHeaders) -> Bool {
        lhs.status == rhs.status && lhs.statusDescription == rhs.statusDescription && lhs.fields == rhs.fields
    }

    /// Hashes the fields, the status and its description.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
        hasher.combine(status)
        hasher.combine(statusDescription)
    }
}

extension NATSHeaders {
    private static let version = Array("NATS/1.0".utf8)

    /// Appends the header block (`NATS/1.0…\r\n`, the fields, an empty line) to `buffer`.
    ///
    /// - Throws: ``NATSProtocolError`` (`invalidHeaderField`) when a name is empty or contains `:`,
    ///   whitespace or control characters, a value or the status description contains CR or LF, or the
    ///   status is not a three-digit number. Nothing is written then.
    func encode(into buffer: inout ByteBuffer) throws(NATSProtocolError) {
        try validate()
        write(into: &buffer)
    }

    /// Appends the header block to `buffer`, unchecked (call ``validate()`` first).
    func write(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("NATS/1.0")
        if let status {
            buffer.writeStaticString(" ")
            NATSClientCommand.writeDecimal(status, into: &buffer)
            if let statusDescription, !statusDescription.isEmpty {
                buffer.writeStaticString(" ")
                buffer.writeString(statusDescription)
            }
        }
        buffer.writeStaticString("\r\n")
        for field in fields {
            buffer.writeString(field.name)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// The size of the encoded header block in bytes (counted, not encoded).
    var encodedByteCount: Int {
        var count = Self.version.count + 2 + 2
        if status != nil {
            count += 4
            if let statusDescription, !statusDescription.isEmpty { count += 1 + statusDescription.utf8.count }
        }
        for field in fields {
            count += field.name.utf8.count + 2 + field.value.utf8.count + 2
        }
        return count
    }

    func validate() throws(NATSProtocolError) {
        if let status, !(100...999).contains(status) {
            throw .invalidHeaderField("\(status)", reason: "status \(status) is not a three-digit number")
        }
        if let statusDescription, statusDescription.utf8.contains(where: Self.isLineBreak) {
            throw .invalidHeaderField(statusDescription, reason: "status description contains CR or LF")
        }
        for field in fields {
            if field.name.isEmpty || field.name.utf8Contains(where: { !Self.isNameByte($0) }) {
                throw .invalidHeaderField(
                    field.name,
                    reason: "name '\(field.name)' is invalid: it must be non-empty printable ASCII without ':' "
                        + "or whitespace"
                )
            }
            if field.value.utf8Contains(where: Self.isLineBreak) {
                throw .invalidHeaderField(
                    field.value,
                    reason: "value of '\(field.name)' contains CR or LF; encode the value first"
                )
            }
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: ":")
    }

    private static func isLineBreak(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }

    /// Decodes a complete header block: the exact bytes an `HMSG` announces as headers.
    ///
    /// - Throws: ``NATSProtocolError`` (`invalidHeaders`) when the block does not start with `NATS/1.0`,
    ///   the status is not a number, a line has no `:` or an empty name, the block does not end with an
    ///   empty line, or it is not UTF-8.
    static func decode(_ bytes: ByteBufferView) throws(NATSProtocolError) -> NATSHeaders {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(NATSProtocolError) in try decode(raw) }
        }
        return try result.get()
    }

    /// Decodes a complete header block from raw bytes; see ``decode(_:)-(ByteBufferView)``.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(NATSProtocolError) -> NATSHeaders {
        var recent = RecentStrings()
        return try decode(bytes, reusing: &recent)
    }

    /// Decodes a complete header block from raw bytes, taking names and values from `recent` when it made
    /// them before; see ``decode(_:)-(ByteBufferView)``.
    static func decode(_ bytes: UnsafeRawBufferPointer, reusing recent: inout RecentStrings) throws(NATSProtocolError) -> NATSHeaders {
        var headers = NATSHeaders(reservingCapacity: 8)
        let (status, description) = try scan(bytes) { name, value throws(NATSProtocolError) in
            // The name's bytes are printable ASCII (checked by the scan): no UTF-8 validation needed.
            let nameString =
                recent.string(UnsafeRawBufferPointer(rebasing: bytes[name])) { String(decoding: $0.assumingMemoryBound(to: UInt8.self), as: UTF8.self) }
                ?? ""
            guard let valueString = recent.string(UnsafeRawBufferPointer(rebasing: bytes[value]), make: UTF8Text.string) else {
                throw .invalidHeaders("a header line is not UTF-8", bytes: bytes)
            }
            headers.append(nameString, valueString)
        }
        headers.status = status
        headers.statusDescription = description
        return headers
    }

    /// The headers of a complete header block received (`block` holds exactly its bytes), checked as
    /// ``decode(_:)-(ByteBufferView)`` checks them. A block of ASCII only (what NATS headers almost always
    /// are) keeps its bytes and decodes its fields when they are asked for; any other is decoded at once.
    ///
    /// - Throws: ``NATSProtocolError`` (`invalidHeaders`), as ``decode(_:)-(ByteBufferView)`` throws.
    static func received(_ block: ByteBuffer, reusing recent: inout RecentStrings) throws(NATSProtocolError) -> NATSHeaders {
        let result = block.withUnsafeReadableBytes { raw in
            Result { () throws(NATSProtocolError) -> NATSHeaders in
                guard UTF8Text.isASCII(raw) else { return try decode(raw, reusing: &recent) }
                let (status, description) = try scan(raw) { _, _ throws(NATSProtocolError) in }
                return NATSHeaders(validatedBlock: block, status: status, statusDescription: description)
            }
        }
        return try result.get()
    }

    /// The fields of a block ``received(_:reusing:)`` validated: decoded as ``decode(_:reusing:)`` does
    /// (which cannot fail on it).
    private static func fields(ofValidated block: ByteBuffer) -> [Field] {
        block.withUnsafeReadableBytes { raw in
            var recent = RecentStrings()
            return (try? decode(raw, reusing: &recent))?.fields ?? []
        }
    }

    /// Checks a complete header block and calls `field` with the byte ranges of each field's name (checked:
    /// printable ASCII without `:`) and value (blanks trimmed, not checked), in order; returns the status
    /// line's code and description.
    ///
    /// - Throws: ``NATSProtocolError`` (`invalidHeaders`) when the block does not start with `NATS/1.0`,
    ///   the status is not a number, a line has no `:` or an empty name, the block does not end with an
    ///   empty line, or the status description is not UTF-8; what `field` throws.
    private static func scan(
        _ bytes: UnsafeRawBufferPointer,
        field: (_ name: Range<Int>, _ value: Range<Int>) throws(NATSProtocolError) -> Void
    ) throws(NATSProtocolError) -> (status: Int?, description: String?) {
        let count = bytes.count
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        guard count >= version.count, version.indices.allSatisfy({ bytes[$0] == version[$0] }) else {
            throw .invalidHeaders("it does not start with NATS/1.0", bytes: bytes)
        }
        guard count >= version.count + 4, let base = bytes.baseAddress, bytes[count - 4] == cr, bytes[count - 3] == lf,
            bytes[count - 2] == cr, bytes[count - 1] == lf
        else {
            throw .invalidHeaders("it does not end with an empty line (CRLF CRLF)", bytes: bytes)
        }
        /// The offset of the first `byte` in `range`, found with `memchr`.
        func find(_ byte: UInt8, in range: Range<Int>) -> Int? {
            memchr(base + range.lowerBound, Int32(byte), range.count).map { base.distance(to: UnsafeRawPointer($0)) }
        }
        // The lines between the version and the final empty line, each ending with CRLF: the first is the
        // status line, the others fields. The last line's LF is at bodyEnd - 1 (checked above).
        let bodyEnd = count - 2
        var status: (code: Int?, description: String?)?
        var lineStart = version.count
        while lineStart < bodyEnd {
            guard let lineFeed = find(lf, in: lineStart..<bodyEnd), lineFeed > lineStart, bytes[lineFeed - 1] == cr else {
                throw .invalidHeaders("a line ends with LF without CR", bytes: bytes)
            }
            let line = lineStart..<(lineFeed - 1)
            guard find(cr, in: line) == nil else { throw .invalidHeaders("a CR is not followed by LF", bytes: bytes) }
            if status == nil {
                status = try decodeStatus(line, of: bytes)
            } else {
                let (name, value) = try splitField(line, of: bytes, colon: find(UInt8(ascii: ":"), in: line))
                try field(name, value)
            }
            lineStart = lineFeed + 1
        }
        guard let status else {
            throw .invalidHeaders("the last header line does not end with CRLF", bytes: bytes)
        }
        return (status.code, status.description)
    }

    /// Splits a `Name: Value` line, whose first `:` is at `colon`, into the ranges of its name (checked)
    /// and value (trimmed).
    private static func splitField(
        _ line: Range<Int>, of bytes: UnsafeRawBufferPointer, colon: Int?
    ) throws(NATSProtocolError) -> (Range<Int>, Range<Int>) {
        guard let colon else {
            throw .invalidHeaders("a line has no ':'", bytes: bytes)
        }
        let name = line.lowerBound..<colon
        guard !name.isEmpty, name.allSatisfy({ isNameByte(bytes[$0]) }) else {
            throw .invalidHeaders("a header name is empty or contains whitespace", bytes: bytes)
        }
        return (name, trimmed(bytes, (colon + 1)..<line.upperBound))
    }

    /// Parses `[ <status>[ <description>]]` after `NATS/1.0`.
    private static func decodeStatus(
        _ line: Range<Int>,
        of bytes: UnsafeRawBufferPointer
    ) throws(NATSProtocolError) -> (code: Int?, description: String?) {
        let rest = trimmed(bytes, line)
        guard !rest.isEmpty else { return (nil, nil) }
        guard isBlank(bytes[line.lowerBound]) else {
            throw .invalidHeaders("the version is followed by neither a space nor CRLF", bytes: bytes)
        }
        let codeEnd = rest.first(where: { isBlank(bytes[$0]) }) ?? rest.upperBound
        let code = rest.lowerBound..<codeEnd
        guard code.count == 3, code.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }) else {
            throw .invalidHeaders("the status is not a three-digit number", bytes: bytes)
        }
        let status = code.reduce(0) { $0 * 10 + Int(bytes[$1] - UInt8(ascii: "0")) }
        let description = trimmed(bytes, codeEnd..<rest.upperBound)
        guard !description.isEmpty else { return (status, nil) }
        guard let text = UTF8Text.string(UnsafeRawBufferPointer(rebasing: bytes[description])) else {
            throw .invalidHeaders("the status description is not UTF-8", bytes: bytes)
        }
        return (status, text)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isBlank(bytes[lower]) { lower += 1 }
        while upper > lower, isBlank(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}

/// Status codes a NATS server puts in the header line of its own messages.
public enum NATSStatusCode {
    /// `100 Idle Heartbeat` or `100 FlowControl Request`: a JetStream push consumer's control message.
    public static let idleHeartbeat = 100
    /// `400 Bad Request`: a JetStream pull request was invalid.
    public static let badRequest = 400
    /// `404 No Messages`: a JetStream pull request with `no_wait` found nothing.
    public static let noMessages = 404
    /// `408 Request Timeout`: a JetStream pull request expired.
    public static let requestTimeout = 408
    /// `409`: a JetStream pull request conflicts (consumer deleted, max waiting exceeded, ...).
    public static let conflict = 409
    /// `503`: nobody subscribes to the subject a request was sent to.
    public static let noResponders = 503
}
