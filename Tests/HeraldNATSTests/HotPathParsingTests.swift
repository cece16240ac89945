import Foundation
import Herald
import NIOCore
import Testing

@testable import HeraldNATS

/// The byte-level parsers of the hot paths (ack subjects, publish replies, header blocks, CloudEvents
/// headers) read what the slower general code read, and refuse what it refused.
@Suite("NATS hot-path parsing")
struct HotPathParsingTests {
    @Test("a publish reply subject gives its batch and index; anything else is ignored")
    func publishReplySlot() throws {
        let prefix = "_INBOX.abc."
        let slot = try #require(PubAckCollector.slot(of: "_INBOX.abc.17.3", prefix: prefix))
        #expect(slot.id == 17 && slot.index == 3)
        let first = try #require(PubAckCollector.slot(of: "_INBOX.abc.0.0", prefix: prefix))
        #expect(first.id == 0 && first.index == 0)
        for bad in [
            "_INBOX.abd.17.3", "_INBOX.abc.17", "_INBOX.abc.17.3.1", "_INBOX.abc..3", "_INBOX.abc.17.", "_INBOX.abc.1x.3",
            "_INBOX.abc.", "_INBOX.abc.99999999999999999999.1",
        ] {
            #expect(PubAckCollector.slot(of: bad, prefix: prefix) == nil, "\(bad)")
        }
    }

    @Test("a delivery's ack subject gives its numbers and partition without strings, as the full metadata does")
    func deliveryNumbers() throws {
        let streams = ["HERALD_orders_0", "HERALD_orders_1", "HERALD_orders_10"]
        for subject in [
            "$JS.ACK.HERALD_orders_1.billing.2.41.40.1763900000000000000.7",
            "$JS.ACK._.ACCOUNTHASH.HERALD_orders_10.billing.1.5.5.1763900000000000000.0.token",
        ] {
            let metadata = try JetStreamMessageMetadata(replyTo: subject)
            let (partition, numbers) = try #require(JetStreamMessageMetadata.delivery(replyTo: subject, streams: streams))
            #expect(streams[partition] == metadata.stream)
            #expect(numbers.delivered == metadata.delivered && numbers.streamSequence == metadata.streamSequence)
            #expect(numbers.consumerSequence == metadata.consumerSequence && numbers.pending == metadata.pending)
            #expect(numbers.timestamp.date == metadata.timestamp)
        }
        // Another stream, a stream name that only starts like one, or no ack subject: not the group's.
        for subject in [
            "$JS.ACK.HERALD_other_0.billing.1.5.5.1763900000000000000.0", "$JS.ACK.HERALD_orders_.billing.1.5.5.1.0",
            "$JS.ACK.HERALD_orders_1.billing.x.5.5.1.0", "_INBOX.abc.1",
        ] {
            #expect(JetStreamMessageMetadata.delivery(replyTo: subject, streams: streams) == nil, "\(subject)")
        }
    }

    @Test("recent strings come back for the same bytes only, long or short")
    func recentStrings() {
        var recent = RecentStrings()
        var made = 0
        func string(_ text: String) -> String? {
            var bytes = text
            return bytes.withUTF8 { utf8 in
                recent.string(UnsafeRawBufferPointer(utf8)) { raw in
                    made += 1
                    return String(decoding: raw, as: UTF8.self)
                }
            }
        }
        let long = "application/octet-stream"
        #expect(string(long) == long && string(long) == long)
        #expect(made == 1)
        // Same length, same first and last eight bytes, different middle: a different string.
        let twin = "application/ectet-stream"
        #expect(string(twin) == twin && string(long) == long)
        // Short strings are made every time (they take no allocation); many long ones evict each other.
        #expect(string("short") == "short")
        for index in 0..<500 { #expect(string("herald.orders.partition.\(index)") == "herald.orders.partition.\(index)") }
        // A refusal is passed on.
        var bytes = "a value that is refused"
        let refused = bytes.withUTF8 { recent.string(UnsafeRawBufferPointer($0)) { _ in nil } }
        #expect(refused == nil)
    }

    @Test("an ack subject with too many tokens or a number past UInt64 is not JetStream metadata")
    func ackSubjectBounds() throws {
        #expect(throws: JetStreamError.self) {
            try JetStreamMessageMetadata(replyTo: "$JS.ACK.a.b.S.c.1.2.3.4.5.t.extra")
        }
        #expect(throws: JetStreamError.self) {
            try JetStreamMessageMetadata(replyTo: "$JS.ACK.S.c.1.18446744073709551616.3.4.5")
        }
        let metadata = try JetStreamMessageMetadata(replyTo: "$JS.ACK.S.c.1.18446744073709551615.3.4.5")
        #expect(metadata.streamSequence == UInt64.max)
    }

    @Test("header values outside ASCII decode as UTF-8; invalid UTF-8 is refused")
    func headerValueEncoding() throws {
        let block = "NATS/1.0\r\nce-source: /café\r\n\r\n"
        var buffer = ByteBuffer(string: block)
        let headers = try NATSHeaders.decode(buffer.readableBytesView)
        #expect(headers["ce-source"] == "/café")
        buffer = ByteBuffer(string: "NATS/1.0\r\nx: ")
        buffer.writeBytes([0xC3, 0x28])
        buffer.writeString("\r\n\r\n")
        #expect(throws: NATSProtocolError.self) { try NATSHeaders.decode(buffer.readableBytesView) }
    }

    @Test("a received header block reads as the decoded one, changes like it, and refuses what decoding refuses")
    func receivedHeaderBlock() throws {
        let text = "NATS/1.0 100 Idle Heartbeat\r\nce-id: e-1\r\nNats-Msg-Id: %2Fs e-1\r\nce-id:  e-2 \r\nX:\r\n\r\n"
        var recent = RecentStrings()
        let received = try NATSHeaders.received(ByteBuffer(string: text), reusing: &recent)
        let decoded = try NATSHeaders.decode(ByteBuffer(string: text).readableBytesView)
        #expect(received == decoded)
        #expect(received.hashValue == decoded.hashValue)
        #expect(received.status == 100 && received.statusDescription == "Idle Heartbeat")
        #expect(received.values(for: "ce-id") == ["e-1", "e-2"])
        #expect(received["X"] == "" && received.count == 4)
        var changed = received
        changed["ce-id"] = "e-3"
        #expect(changed.values(for: "ce-id") == ["e-3"] && changed["Nats-Msg-Id"] == "%2Fs e-1")
        #expect(received.values(for: "ce-id") == ["e-1", "e-2"])
        // Outside ASCII the block is decoded at once, as UTF-8.
        let accented = try NATSHeaders.received(ByteBuffer(string: "NATS/1.0\r\nce-source: /café\r\n\r\n"), reusing: &recent)
        #expect(accented["ce-source"] == "/café")
        for bad in [
            "NATS/1.0\r\nA: b\n\r\n", "NATS/1.0\r\nA: b\rc\r\n\r\n", "NATS/1.0\r\nAb\r\n\r\n", "NATS/1.0\r\n: b\r\n\r\n",
            "NATS/1.0\r\nA b: c\r\n\r\n", "NATS/1.0 12\r\n\r\n", "NATS/1.1\r\n\r\n", "NATS/1.0\r\nA: b\r\n", "NATS/1.0\r\n\r\nA: b\r\n\r\n",
        ] {
            #expect(throws: NATSProtocolError.self, "\(bad.debugDescription)") { try NATSHeaders.received(ByteBuffer(string: bad), reusing: &recent) }
            #expect(throws: NATSProtocolError.self, "\(bad.debugDescription)") { try NATSHeaders.decode(ByteBuffer(string: bad).readableBytesView) }
        }
    }

    @Test("an event read from a received block is the one read from its decoded headers")
    func eventFromReceivedBlock() throws {
        let event = try Event(
            id: "e 1", source: "/shop", type: "order.placed.v1", subject: "k-1", time: Date(timeIntervalSince1970: 1_700_000_000.25),
            dataContentType: "application/json", extensions: ["traceparent": "00-abc-def-01"], data: ByteBuffer(string: "{}")
        )
        var headers = CloudEventHeaders.headers(for: event)
        headers.append("Nats-Msg-Id", CloudEventHeaders.messageID(for: event))
        var block = ByteBuffer()
        try headers.encode(into: &block)
        var recent = RecentStrings()
        let received = try NATSHeaders.received(block, reusing: &recent)
        let fromBlock = CloudEventHeaders.event(headers: received, payload: ByteBuffer(string: "{}"), subject: "s", stream: "S", sequence: 1, reusing: &recent)
        #expect(fromBlock == event)
        #expect(fromBlock == CloudEventHeaders.event(headers: headers, payload: ByteBuffer(string: "{}"), subject: "s", stream: "S", sequence: 1))
    }

    @Test("CloudEvents headers are read whatever the case of their names, and percent-decoded")
    func cloudEventHeaderNames() {
        let headers: NATSHeaders = [
            "CE-ID": "order-1", "Ce-Source": "/shop%20front", "ce-type": "order.placed.v1", "CE-CorrelationID": "c%2F1",
        ]
        let event = CloudEventHeaders.event(headers: headers, payload: ByteBuffer(), subject: "orders", stream: "S", sequence: 1)
        #expect(event.id == "order-1")
        #expect(event.source == "/shop front")
        #expect(event.type == "order.placed.v1")
        #expect(event.extensions == ["correlationid": "c/1"])
    }
}
