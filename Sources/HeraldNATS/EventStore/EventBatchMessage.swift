import Herald
import NIOCore

import struct Foundation.Date

/// One append as one JetStream message, so that it is stored whole or not at all (JetStream has no
/// atomic multi-message publish before 2.12): headers `Herald-Revision` (the first event's revision) and
/// `Herald-Count`, and a payload of the events, each as its CloudEvents binary-mode NATS headers
/// (`ce-*`, the encoding ``NATSBroker`` publishes) followed by its data, with length prefixes:
///
/// ```text
/// version u8 = 1, then per event: headers length u32, header block,
///                                 time flag u8 (0 none, 1 some), [time u64: the Double's bits],
///                                 data flag u8 (0 none, 1 some), [data length u32, data]
/// ```
///
/// The time is kept as its bits beside `ce-time` (RFC 3339 text, for other readers), so it round-trips
/// exactly.
///
/// Decoding is bounded by the payload: every length is checked against the bytes left.
struct EventBatchMessage {
    static let version: UInt8 = 1
    /// The media type of the payload.
    static let contentType = "application/vnd.herald.event-batch"
    /// The most events in one append: a position keeps the event's index in 16 bits.
    static let maximumEvents = 65_535

    /// The header names.
    enum Header {
        static let revision = "Herald-Revision"
        static let count = "Herald-Count"
        static let contentType = "Content-Type"
    }

    var firstRevision: UInt64
    var events: [Event]

    /// The headers and payload to publish.
    func encoded() throws(NATSProtocolError) -> (headers: NATSHeaders, payload: ByteBuffer) {
        var payload = ByteBuffer()
        payload.writeInteger(Self.version)
        for event in events {
            var block = ByteBuffer()
            try CloudEventHeaders.headers(for: event).encode(into: &block)
            payload.writeInteger(UInt32(block.readableBytes))
            payload.writeImmutableBuffer(block)
            if let time = event.time {
                payload.writeInteger(UInt8(1))
                payload.writeInteger(time.timeIntervalSince1970.bitPattern)
            } else {
                payload.writeInteger(UInt8(0))
            }
            if let data = event.data {
                payload.writeInteger(UInt8(1))
                payload.writeInteger(UInt32(data.readableBytes))
                payload.writeImmutableBuffer(data)
            } else {
                payload.writeInteger(UInt8(0))
            }
        }
        var headers = NATSHeaders()
        headers.append(Header.revision, String(firstRevision))
        headers.append(Header.count, String(events.count))
        headers.append(Header.contentType, Self.contentType)
        return (headers, payload)
    }

    /// The first revision and event count a stored message's headers name, `nil` when they do not.
    static func range(of message: StoredMessage) -> (first: UInt64, count: Int)? {
        guard let first = message.headers?[Header.revision].flatMap(UInt64.init), let count = message.headers?[Header.count].flatMap(Int.init),
            (1...maximumEvents).contains(count), first <= UInt64.max - UInt64(count)
        else { return nil }
        return (first, count)
    }

    /// The append a stored message holds.
    ///
    /// - Throws: a description of what is malformed.
    static func decode(_ message: StoredMessage, stream: String) throws(EventStoreError) -> EventBatchMessage {
        func malformed(_ reason: String) -> EventStoreError {
            .unavailable("the JetStream message \(message.sequence) on '\(message.subject)' is not an event-store append: \(reason)", isRetryable: false)
        }
        guard let (first, count) = range(of: message) else { throw malformed("its Herald-Revision or Herald-Count header is missing or invalid") }
        var payload = message.payload
        guard payload.readInteger(as: UInt8.self) == version else { throw malformed("unknown payload version") }
        var events: [Event] = []
        events.reserveCapacity(count)
        for index in 0..<count {
            guard let length = payload.readInteger(as: UInt32.self), let block = payload.readSlice(length: Int(length)) else {
                throw malformed("event \(index)'s headers are cut short")
            }
            let headers: NATSHeaders
            do {
                headers = try NATSHeaders.decode(block.readableBytesView)
            } catch {
                throw malformed("event \(index)'s headers do not parse: \(error)")
            }
            guard let timeFlag = payload.readInteger(as: UInt8.self), timeFlag <= 1 else { throw malformed("event \(index)'s time flag is missing or invalid") }
            var time: Date?
            if timeFlag == 1 {
                guard let bits = payload.readInteger(as: UInt64.self) else { throw malformed("event \(index)'s time is cut short") }
                time = Date(timeIntervalSince1970: Double(bitPattern: bits))
            }
            guard let flag = payload.readInteger(as: UInt8.self), flag <= 1 else { throw malformed("event \(index)'s data flag is missing or invalid") }
            var data = ByteBuffer()
            if flag == 1 {
                guard let dataLength = payload.readInteger(as: UInt32.self), let slice = payload.readSlice(length: Int(dataLength)) else {
                    throw malformed("event \(index)'s data is cut short")
                }
                data = slice
            }
            guard headers["ce-id"] != nil, headers["ce-source"] != nil, headers["ce-type"] != nil else {
                throw malformed("event \(index) lacks ce-id, ce-source or ce-type")
            }
            var event = CloudEventHeaders.event(headers: headers, payload: data, subject: message.subject, stream: stream, sequence: message.sequence)
            guard event.type != CloudEventHeaders.foreignMessageType || headers["ce-type"] == CloudEventHeaders.foreignMessageType else {
                throw malformed("event \(index)'s attributes do not decode")
            }
            if flag == 1, data.readableBytes == 0 { event.data = ByteBuffer() }
            if let time { event.time = time }
            events.append(event)
        }
        guard payload.readableBytes == 0 else { throw malformed("\(payload.readableBytes) bytes follow the last event") }
        return EventBatchMessage(firstRevision: first, events: events)
    }
}
