import Herald
import NIOCore

/// One command the client sends to the server, and its encoding.
enum NATSClientCommand {
    /// `CONNECT {json}`: the client's options and credentials, right after the server's first `INFO`.
    case connect(NATSConnectOptions)
    /// `PUB`, or `HPUB` when `headers` is not `nil`.
    case publish(subject: String, replyTo: String?, headers: NATSHeaders?, payload: ByteBuffer)
    /// `SUB <subject> [queue group] <sid>`.
    case subscribe(subject: String, queueGroup: String?, sid: UInt64)
    /// `UNSUB <sid> [max_msgs]`: stop now, or after `maxMessages` more deliveries.
    case unsubscribe(sid: UInt64, maxMessages: Int?)
    /// `PING`.
    case ping
    /// `PONG`.
    case pong

    /// Appends the command's bytes to `buffer`. On error nothing is written.
    ///
    /// - Throws: ``NATSProtocolError`` (`invalidSubject`, `invalidQueueGroup`, `invalidHeaderField`) when
    ///   a subject, queue group or header cannot be sent.
    func encode(into buffer: inout ByteBuffer) throws(NATSProtocolError) {
        switch self {
        case .connect(let options):
            buffer.writeStaticString("CONNECT ")
            buffer.writeString(options.json())
            buffer.writeStaticString("\r\n")
        case .publish(let subject, let replyTo, let headers, let payload):
            try Self.validate(subject: subject)
            if let replyTo { try Self.validate(subject: replyTo, role: "reply subject") }
            // Written part by part straight into the buffer: no intermediate strings.
            guard let headers else {
                buffer.reserveCapacity(minimumWritableBytes: subject.utf8.count + (replyTo?.utf8.count ?? 0) + payload.readableBytes + 32)
                Self.writeUncheckedPublish(subject, replyTo: replyTo, payload: payload, into: &buffer)
                return
            }
            try headers.validate()
            let headerBytes = headers.encodedByteCount
            let total = headerBytes + payload.readableBytes
            buffer.reserveCapacity(minimumWritableBytes: subject.utf8.count + (replyTo?.utf8.count ?? 0) + total + 48)
            buffer.writeStaticString("HPUB ")
            Self.writeSubjects(subject, replyTo, into: &buffer)
            Self.writeDecimal(headerBytes, into: &buffer)
            buffer.writeStaticString(" ")
            Self.writeDecimal(total, into: &buffer)
            buffer.writeStaticString("\r\n")
            headers.write(into: &buffer)
            buffer.writeImmutableBuffer(payload)
            buffer.writeStaticString("\r\n")
        case .subscribe(let subject, let queueGroup, let sid):
            try Self.validate(subject: subject)
            if let queueGroup {
                guard Self.isToken(queueGroup) else { throw .invalidQueueGroup(queueGroup) }
                buffer.writeString("SUB \(subject) \(queueGroup) \(sid)\r\n")
            } else {
                buffer.writeString("SUB \(subject) \(sid)\r\n")
            }
        case .unsubscribe(let sid, let maxMessages):
            if let maxMessages {
                buffer.writeString("UNSUB \(sid) \(maxMessages)\r\n")
            } else {
                buffer.writeString("UNSUB \(sid)\r\n")
            }
        case .ping:
            buffer.writeStaticString("PING\r\n")
        case .pong:
            buffer.writeStaticString("PONG\r\n")
        }
    }

    /// Appends `PUB <subject> [<reply subject>] <size>` and `payload` without checking the subjects (check
    /// them first with ``validate(subject:role:)``).
    static func writeUncheckedPublish(_ subject: String, replyTo: String? = nil, payload: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("PUB ")
        writeSubjects(subject, replyTo, into: &buffer)
        writeDecimal(payload.readableBytes, into: &buffer)
        buffer.writeStaticString("\r\n")
        buffer.writeImmutableBuffer(payload)
        buffer.writeStaticString("\r\n")
    }

    /// The bytes ``writeUncheckedPublish(_:replyTo:payload:into:)`` writes without a reply subject.
    static func uncheckedPublishSize(_ subject: String, payload: ByteBuffer) -> Int {
        var digits = 1
        var remaining = payload.readableBytes / 10
        while remaining > 0 {
            digits += 1
            remaining /= 10
        }
        return 4 + subject.utf8.count + 1 + digits + 2 + payload.readableBytes + 2
    }

    /// `<subject> [<reply subject>] ` of a publish's control line.
    private static func writeSubjects(_ subject: String, _ replyTo: String?, into buffer: inout ByteBuffer) {
        buffer.writeString(subject)
        buffer.writeStaticString(" ")
        if let replyTo {
            buffer.writeString(replyTo)
            buffer.writeStaticString(" ")
        }
    }

    /// A non-negative number in decimal digits.
    static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var remaining = max(value, 0)
        var count = 0
        repeat {
            digits[19 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
            count += 1
        } while remaining > 0
        for index in (20 - count)..<20 { buffer.writeInteger(digits[index]) }
    }

    /// How many bytes a publish adds to a message's size as the server counts it against `max_payload`:
    /// headers plus payload.
    static func messageSize(headers: NATSHeaders?, payload: ByteBuffer) throws(NATSProtocolError) -> Int {
        guard let headers else { return payload.readableBytes }
        return headers.encodedByteCount + payload.readableBytes
    }

    /// Checks that `subject` can be sent: non-empty, no whitespace or control characters.
    ///
    /// - Throws: ``NATSProtocolError`` (`invalidSubject`) naming the subject.
    static func validate(subject: String, role: String = "subject") throws(NATSProtocolError) {
        guard isToken(subject) else { throw .invalidSubject(subject, role: role) }
    }

    /// Non-empty, and no byte is whitespace or a control character.
    private static func isToken(_ text: String) -> Bool {
        let isSeparator = { (byte: UInt8) in byte <= 0x20 || byte == 0x7F }
        return !text.isEmpty && !text.utf8Contains(where: isSeparator)
    }
}
