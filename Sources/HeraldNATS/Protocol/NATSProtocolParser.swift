import Foundation
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
        let view = buffer.readableBytesView
        let limit = Self.isInfo(view) ? limits.maximumInfoLine : limits.maximumControlLine
        guard let lineFeed = view.firstIndex(of: UInt8(ascii: "\n")) else {
            // Room for `limit` bytes and a CR whose LF has not arrived yet.
            if view.count > limit + 1 {
                throw .controlLineTooLong(limit: limit, bytes: view)
            }
            return nil
        }
        var line = view[view.startIndex..<lineFeed]
        if line.last == UInt8(ascii: "\r") {
            line = line[line.startIndex..<(line.endIndex - 1)]
        }
        if line.count > limit {
            throw .controlLineTooLong(limit: limit, bytes: line)
        }
        let consumed = lineFeed - view.startIndex + 1
        let frame = try parseControlLine(line)
        buffer.moveReaderIndex(forwardBy: consumed)
        if let frame {
            compact()
            return frame
        }
        guard let pending else { return nil }
        return try readPayload(pending)
    }

    private static func isInfo(_ view: ByteBufferView) -> Bool {
        guard view.count >= 4 else { return false }
        return view.prefix(4).map { $0 & 0xDF }.elementsEqual("INFO".utf8)
    }

    /// Parses one control line; returns the frame, or `nil` after recording a pending message.
    private mutating func parseControlLine(_ line: ByteBufferView) throws(NATSProtocolError) -> NATSServerFrame? {
        let verbEnd = line.firstIndex(where: Self.isBlank) ?? line.endIndex
        let verb = String(decoding: line[line.startIndex..<verbEnd], as: UTF8.self)
        let rest = line[verbEnd...]
        switch verb.uppercased() {
        case "MSG":
            try parseMessage(Self.fields(rest), headers: false, line: line)
            return nil
        case "HMSG":
            try parseMessage(Self.fields(rest), headers: true, line: line)
            return nil
        case "PING":
            try Self.expectNoArguments("PING", rest, line: line)
            return .ping
        case "PONG":
            try Self.expectNoArguments("PONG", rest, line: line)
            return .pong
        case "+OK":
            try Self.expectNoArguments("+OK", rest, line: line)
            return .ok
        case "-ERR":
            var text = String(decoding: Self.trimmed(rest), as: UTF8.self)
            if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
                text = String(text.dropFirst().dropLast())
            }
            return .error(text)
        case "INFO":
            let json = Self.trimmed(rest)
            guard !json.isEmpty else {
                throw .invalidArguments("INFO", expected: "a JSON object as", found: 0, line: line)
            }
            do {
                return .info(try JSONDecoder().decode(NATSServerInfo.self, from: ByteBuffer(json)))
            } catch {
                throw .invalidInfo("\(error)", bytes: line)
            }
        default:
            throw .unknownOperation(verb, line: line)
        }
    }

    private mutating func parseMessage(
        _ fields: [ByteBufferView],
        headers: Bool,
        line: ByteBufferView
    ) throws(NATSProtocolError) {
        let operation = headers ? "HMSG" : "MSG"
        let sizeCount = headers ? 2 : 1
        guard fields.count == 2 + sizeCount || fields.count == 3 + sizeCount else {
            let expected = headers ? "4 or 5" : "3 or 4"
            throw .invalidArguments(operation, expected: expected, found: fields.count, line: line)
        }
        let subject = String(decoding: fields[0], as: UTF8.self)
        let sid = try Self.number(fields[1], field: "subscription id", line: line)
        let replyTo = fields.count == 3 + sizeCount ? String(decoding: fields[2], as: UTF8.self) : nil
        let total = try Self.number(fields[fields.count - 1], field: "total size", line: line)
        var headerBytes: Int?
        if headers {
            let size = try Self.number(fields[fields.count - 2], field: "header size", line: line)
            guard size <= total else {
                throw .headerSizeExceedsTotal(headerBytes: size, totalBytes: total, line: line)
            }
            headerBytes = size
        }
        guard total <= limits.maximumPayload else {
            throw .payloadTooLarge(size: total, limit: limits.maximumPayload, line: line)
        }
        pending = PendingMessage(
            subject: subject,
            sid: UInt64(sid),
            replyTo: replyTo,
            headerBytes: headerBytes,
            totalBytes: total
        )
    }

    private mutating func readPayload(_ message: PendingMessage) throws(NATSProtocolError) -> NATSServerFrame? {
        guard buffer.readableBytes >= message.totalBytes + 2 else { return nil }
        let start = buffer.readerIndex
        let view = buffer.readableBytesView
        let terminator = view.index(view.startIndex, offsetBy: message.totalBytes)
        guard view[terminator] == UInt8(ascii: "\r"), view[terminator + 1] == UInt8(ascii: "\n") else {
            throw .missingPayloadTerminator(size: message.totalBytes, found: view[terminator...])
        }
        var headers: NATSHeaders?
        var payloadStart = start
        if let headerBytes = message.headerBytes {
            let headerView = view[view.startIndex..<(view.startIndex + headerBytes)]
            headers = try NATSHeaders.decode(headerView)
            payloadStart += headerBytes
        }
        let payloadLength = start + message.totalBytes - payloadStart
        var payload = allocator.buffer(capacity: payloadLength)
        if payloadLength > 0, let slice = buffer.getSlice(at: payloadStart, length: payloadLength) {
            payload.writeImmutableBuffer(slice)
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

    private static func expectNoArguments(
        _ operation: String,
        _ rest: ByteBufferView,
        line: ByteBufferView
    ) throws(NATSProtocolError) {
        let count = fields(rest).count
        if count != 0 {
            throw .invalidArguments(operation, expected: "0", found: count, line: line)
        }
    }

    /// A decimal number of at most 15 digits (sizes are bounded far below that).
    private static func number(_ bytes: ByteBufferView, field: String, line: ByteBufferView) throws(NATSProtocolError)
        -> Int
    {
        guard !bytes.isEmpty, bytes.count <= 15,
            bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else {
            throw .invalidNumber(field: field, value: String(decoding: bytes, as: UTF8.self), line: line)
        }
        return bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    private static func fields(_ bytes: ByteBufferView) -> [ByteBufferView] {
        bytes.split(whereSeparator: isBlank)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    private static func trimmed(_ bytes: ByteBufferView) -> ByteBufferView {
        guard let first = bytes.firstIndex(where: { !isBlank($0) }),
            let last = bytes.lastIndex(where: { !isBlank($0) })
        else { return bytes[bytes.endIndex...] }
        return bytes[first...last]
    }
}
