import Foundation
import Herald
import NIOCore
import NIOFoundationCompat

/// An incremental parser of the frames a NATS server sends.
///
/// Feed it bytes as they arrive with ``append(_:)``, split anywhere, and take frames with ``next()``
/// until it returns `nil` (more bytes needed). Memory is bounded: a control line may not exceed
/// ``Limits/maximumControlLine`` (``Limits/maximumInfoLine`` for `INFO`), and a message may not announce
/// more than ``Limits/maximumPayload`` bytes; both are refused before their bytes are buffered. After an
/// error the stream cannot be trusted and the parser must be discarded.
struct NATSProtocolParser {
    /// The bounds the parser enforces.
    struct Limits: Sendable, Hashable {
        /// The longest control line other than `INFO`, without its CRLF. Default 4 KiB.
        var maximumControlLine = 4096
        /// The longest `INFO` line (it lists cluster URLs), without its CRLF. Default 64 KiB.
        var maximumInfoLine = 65536
        /// The most header plus payload bytes a message may announce: the server's `max_payload`.
        /// Default 1 MiB, the server's default, until the client learns the real value from `INFO`.
        var maximumPayload = NATSServerInfo.defaultMaxPayload
    }

    /// A parsed `MSG`/`HMSG` control line whose payload has not fully arrived.
    private struct PendingMessage {
        var subject: String
        var sid: UInt64
        var replyTo: String?
        var headerBytes: Int?
        var totalBytes: Int
    }

    /// The bounds enforced; the client raises ``Limits/maximumPayload`` to the server's `max_payload`.
    var limits: Limits
    private var buffer = ByteBuffer()
    private var pending: PendingMessage?
    private let allocator = ByteBufferAllocator()
    /// Subjects and header strings made lately, handed out again for the same bytes.
    private var recent = RecentStrings()

    /// Creates a parser with the given bounds.
    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// How many received bytes wait for the rest of their frame.
    var bufferedBytes: Int { buffer.readableBytes }

    /// Adds received bytes.
    mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// The next complete frame, or `nil` when more bytes are needed.
    ///
    /// - Throws: ``NATSProtocolError`` when the bytes break the protocol or a bound.
    mutating func next() throws(NATSProtocolError) -> NATSServerFrame? {
        if let pending {
            return try readPayload(pending)
        }
        let limits = self.limits
        let scanned = buffer.withUnsafeReadableBytes { raw in Self.scanControlLine(raw, limits: limits, recent: &recent) }
        guard let (line, consumed) = try scanned.get() else { return nil }
        buffer.moveReaderIndex(forwardBy: consumed)
        switch line {
        case .frame(let frame):
            compact()
            return frame
        case .message(let message):
            pending = message
            return try readPayload(message)
        }
    }

    /// What a control line announced.
    private enum ControlLine {
        /// A frame complete in its line.
        case frame(NATSServerFrame)
        /// A message whose payload follows.
        case message(PendingMessage)
    }

    /// Finds and parses the first control line of `raw`; `nil` when its LF has not arrived. Returns the
    /// line and the bytes it takes, CRLF included.
    private static func scanControlLine(
        _ raw: UnsafeRawBufferPointer,
        limits: Limits,
        recent: inout RecentStrings
    ) -> Result<(ControlLine, Int)?, NATSProtocolError> {
        let isInfo = raw.count >= 4 && matches(raw, 0..<4, "INFO")
        let limit = isInfo ? limits.maximumInfoLine : limits.maximumControlLine
        guard let base = raw.baseAddress, let found = memchr(base, Int32(UInt8(ascii: "\n")), raw.count) else {
            // Room for `limit` bytes and a CR whose LF has not arrived yet.
            return raw.count > limit + 1 ? .failure(.controlLineTooLong(limit: limit, bytes: raw)) : .success(nil)
        }
        let lineFeed = base.distance(to: UnsafeRawPointer(found))
        var end = lineFeed
        if end > 0, raw[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: raw[0..<end])
        guard line.count <= limit else { return .failure(.controlLineTooLong(limit: limit, bytes: line)) }
        return Result { () throws(NATSProtocolError) in (try parseControlLine(line, limits: limits, recent: &recent), lineFeed + 1) }
    }

    /// Parses one control line, without its CRLF.
    private static func parseControlLine(
        _ line: UnsafeRawBufferPointer,
        limits: Limits,
        recent: inout RecentStrings
    ) throws(NATSProtocolError) -> ControlLine {
        var verbEnd = 0
        while verbEnd < line.count, !isBlank(line[verbEnd]) { verbEnd += 1 }
        let verb = 0..<verbEnd
        if matches(line, verb, "MSG") {
            return .message(try parseMessage(fields(line, from: verbEnd), headers: false, line: line, limits: limits, recent: &recent))
        }
        if matches(line, verb, "HMSG") {
            return .message(try parseMessage(fields(line, from: verbEnd), headers: true, line: line, limits: limits, recent: &recent))
        }
        let bare: (String, NATSServerFrame)? =
            if matches(line, verb, "PING") { ("PING", .ping) } else if matches(line, verb, "PONG") { ("PONG", .pong) } else if matches(line, verb, "+OK") {
                ("+OK", .ok)
            } else { nil }
        if let (name, frame) = bare {
            let count = fields(line, from: verbEnd).count
            guard count == 0 else { throw .invalidArguments(name, expected: "0", found: count, line: line) }
            return .frame(frame)
        }
        let rest = trimmed(line, verbEnd..<line.count)
        let restBytes = UnsafeRawBufferPointer(rebasing: line[rest])
        if matches(line, verb, "-ERR") {
            var text = String(decoding: restBytes, as: UTF8.self)
            if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
                text = String(text.dropFirst().dropLast())
            }
            return .frame(.error(text))
        }
        if matches(line, verb, "INFO") {
            guard !rest.isEmpty else {
                throw .invalidArguments("INFO", expected: "a JSON object as", found: 0, line: line)
            }
            do {
                // Bounded first: Foundation's decoder crashes on JSON nested 513 deep.
                try JSONLimits().check(restBytes)
                return .frame(.info(try JSONDecoder().decode(NATSServerInfo.self, from: Data(restBytes))))
            } catch {
                throw .invalidInfo("\(error)", bytes: line)
            }
        }
        throw .unknownOperation(String(decoding: UnsafeRawBufferPointer(rebasing: line[verb]), as: UTF8.self), line: line)
    }

    private static func parseMessage(
        _ fields: LineFields,
        headers: Bool,
        line: UnsafeRawBufferPointer,
        limits: Limits,
        recent: inout RecentStrings
    ) throws(NATSProtocolError) -> PendingMessage {
        let operation = headers ? "HMSG" : "MSG"
        let sizeCount = headers ? 2 : 1
        guard fields.count == 2 + sizeCount || fields.count == 3 + sizeCount else {
            let expected = headers ? "4 or 5" : "3 or 4"
            throw .invalidArguments(operation, expected: expected, found: fields.count, line: line)
        }
        // Messages of a stream share a few subjects: made once (the reply subject is new every time).
        let subject = recent.string(UnsafeRawBufferPointer(rebasing: line[fields[0]])) { String(decoding: $0, as: UTF8.self) } ?? ""
        let sid = try number(line, fields[1], field: "subscription id")
        let replyTo = fields.count == 3 + sizeCount ? string(line, fields[2]) : nil
        let total = try number(line, fields[fields.count - 1], field: "total size")
        var headerBytes: Int?
        if headers {
            let size = try number(line, fields[fields.count - 2], field: "header size")
            guard size <= total else {
                throw .headerSizeExceedsTotal(headerBytes: size, totalBytes: total, line: line)
            }
            headerBytes = size
        }
        guard total <= limits.maximumPayload else {
            throw .payloadTooLarge(size: total, limit: limits.maximumPayload, line: line)
        }
        return PendingMessage(subject: subject, sid: UInt64(sid), replyTo: replyTo, headerBytes: headerBytes, totalBytes: total)
    }

    private mutating func readPayload(_ message: PendingMessage) throws(NATSProtocolError) -> NATSServerFrame? {
        guard buffer.readableBytes >= message.totalBytes + 2 else { return nil }
        let start = buffer.readerIndex
        guard buffer.getInteger(at: start + message.totalBytes, as: UInt16.self) == 0x0D0A else {
            let found = buffer.getSlice(at: start + message.totalBytes, length: buffer.readableBytes - message.totalBytes)
            throw .missingPayloadTerminator(size: message.totalBytes, found: found?.readableBytesView ?? ByteBuffer().readableBytesView)
        }
        // Headers and payload are copied into one buffer of their own (one allocation, not one for the
        // payload plus a string per header): the headers keep their bytes and decode a field when asked.
        var bytes = allocator.buffer(capacity: message.totalBytes)
        if message.totalBytes > 0, let slice = buffer.getSlice(at: start, length: message.totalBytes) {
            bytes.writeImmutableBuffer(slice)
        }
        var headers: NATSHeaders?
        var payload = bytes
        if let headerBytes = message.headerBytes {
            headers = try NATSHeaders.received(bytes.getSlice(at: 0, length: headerBytes) ?? ByteBuffer(), reusing: &recent)
            payload = bytes.getSlice(at: headerBytes, length: message.totalBytes - headerBytes) ?? ByteBuffer()
        }
        buffer.moveReaderIndex(forwardBy: message.totalBytes + 2)
        pending = nil
        compact()
        return .message(
            .init(
                subject: message.subject,
                sid: message.sid,
                replyTo: message.replyTo,
                headers: headers,
                payload: payload
            )
        )
    }

    /// Frees consumed bytes so that a long-lived connection does not grow its buffer.
    private mutating func compact() {
        if buffer.readableBytes == 0 {
            buffer.clear()
        } else if buffer.readerIndex > 65536, buffer.readerIndex > buffer.capacity / 2 {
            buffer.discardReadBytes()
        }
    }

    /// Whether the bytes in `range` equal `word`, ignoring the case of ASCII letters.
    private static func matches(_ line: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: StaticString) -> Bool {
        UTF8Text.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: line[range]), word)
    }

    /// The blank-separated fields of a control line: the ranges of the first ``capacity`` (no message
    /// has more) and how many there are, without allocating.
    struct LineFields {
        /// The most fields kept (`HMSG` has five).
        static let capacity = 6
        private var ranges = InlineArray<6, Range<Int>>(repeating: 0..<0)
        /// How many fields the line has (possibly more than are kept).
        private(set) var count = 0

        /// The range of field `index` (below ``capacity`` and ``count``).
        subscript(index: Int) -> Range<Int> { ranges[index] }

        /// Adds the next field (kept while there is room; counted anyway).
        mutating func append(_ range: Range<Int>) {
            if count < Self.capacity { ranges[count] = range }
            count += 1
        }
    }

    /// The ranges of the blank-separated fields of `line` after `start`.
    private static func fields(_ line: UnsafeRawBufferPointer, from start: Int) -> LineFields {
        var ranges = LineFields()
        var index = start
        while index < line.count {
            while index < line.count, isBlank(line[index]) { index += 1 }
            guard index < line.count else { break }
            let fieldStart = index
            while index < line.count, !isBlank(line[index]) { index += 1 }
            ranges.append(fieldStart..<index)
        }
        return ranges
    }

    private static func string(_ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: line[range]).assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    /// A decimal number of at most 15 digits (sizes are bounded far below that).
    private static func number(
        _ line: UnsafeRawBufferPointer, _ range: Range<Int>, field: String
    ) throws(NATSProtocolError)
        -> Int
    {
        var value = 0
        for index in range {
            let digit = line[index] &- UInt8(ascii: "0")
            guard digit < 10, range.count <= 15 else {
                throw .invalidNumber(field: field, value: string(line, range), line: line)
            }
            value = value * 10 + Int(digit)
        }
        guard !range.isEmpty else { throw .invalidNumber(field: field, value: "", line: line) }
        return value
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// `range` without leading and trailing blanks.
    private static func trimmed(_ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isBlank(line[lower]) { lower += 1 }
        while upper > lower, isBlank(line[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}
