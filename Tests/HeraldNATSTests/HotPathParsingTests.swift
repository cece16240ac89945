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
