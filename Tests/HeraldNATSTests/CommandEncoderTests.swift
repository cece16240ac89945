import Foundation
import NIOCore
import Testing

@testable import HeraldNATS

private func encoded(_ command: NATSClientCommand) throws -> String {
    var buffer = ByteBuffer()
    try command.encode(into: &buffer)
    return String(buffer: buffer)
}

private func encodingError(_ command: NATSClientCommand) -> NATSProtocolError? {
    var buffer = ByteBuffer(string: "before")
    do {
        try command.encode(into: &buffer)
        return nil
    } catch {
        #expect(String(buffer: buffer) == "before", "a failed encoding wrote bytes")
        return error
    }
}

@Suite("NATS command encoder")
struct CommandEncoderTests {
    @Test("PUB with and without a reply subject")
    func publish() throws {
        let payload = ByteBuffer(string: "hello")
        #expect(try encoded(.publish(subject: "a.b", replyTo: nil, headers: nil, payload: payload)) == "PUB a.b 5\r\nhello\r\n")
        #expect(
            try encoded(.publish(subject: "a.b", replyTo: "_INBOX.x", headers: nil, payload: payload))
                == "PUB a.b _INBOX.x 5\r\nhello\r\n"
        )
        #expect(try encoded(.publish(subject: "e", replyTo: nil, headers: nil, payload: ByteBuffer())) == "PUB e 0\r\n\r\n")
    }

    @Test("HPUB counts header and total bytes")
    func publishWithHeaders() throws {
        let headers: NATSHeaders = ["Nats-Msg-Id": "42", "X": "1", "X": "2"]
        let block = "NATS/1.0\r\nNats-Msg-Id: 42\r\nX: 1\r\nX: 2\r\n\r\n"
        let text = try encoded(.publish(subject: "s", replyTo: "r", headers: headers, payload: ByteBuffer(string: "body")))
        #expect(text == "HPUB s r \(block.utf8.count) \(block.utf8.count + 4)\r\n\(block)body\r\n")
        #expect(try NATSClientCommand.messageSize(headers: headers, payload: ByteBuffer(string: "body")) == block.utf8.count + 4)
    }

    @Test("SUB, UNSUB, PING, PONG")
    func control() throws {
        #expect(try encoded(.subscribe(subject: "a.*", queueGroup: nil, sid: 7)) == "SUB a.* 7\r\n")
        #expect(try encoded(.subscribe(subject: "a.>", queueGroup: "workers", sid: 8)) == "SUB a.> workers 8\r\n")
        #expect(try encoded(.unsubscribe(sid: 7, maxMessages: nil)) == "UNSUB 7\r\n")
        #expect(try encoded(.unsubscribe(sid: 7, maxMessages: 3)) == "UNSUB 7 3\r\n")
        #expect(try encoded(.ping) == "PING\r\n")
        #expect(try encoded(.pong) == "PONG\r\n")
    }

    @Test("CONNECT sends the options as JSON")
    func connect() throws {
        var options = NATSConnectOptions()
        options.name = "herald"
        options.user = "alice"
        options.pass = "p/w"
        let text = try encoded(.connect(options))
        #expect(text.hasPrefix("CONNECT {"))
        #expect(text.hasSuffix("}\r\n"))
        let json = try #require(text.dropFirst("CONNECT ".count).dropLast(1).data(using: .utf8))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["verbose"] as? Bool == false)
        #expect(object["pedantic"] as? Bool == false)
        #expect(object["headers"] as? Bool == true)
        #expect(object["no_responders"] as? Bool == true)
        #expect(object["protocol"] as? Int == 1)
        #expect(object["lang"] as? String == "swift")
        #expect(object["user"] as? String == "alice")
        #expect(object["pass"] as? String == "p/w")
        #expect(object["name"] as? String == "herald")
        #expect(object["auth_token"] == nil)
    }

    @Test(
        "invalid subjects are refused naming the subject",
        arguments: ["", "a b", "a\tb", "a\r\nb", "a\u{7F}"]
    )
    func invalidSubject(subject: String) {
        let error = encodingError(.publish(subject: subject, replyTo: nil, headers: nil, payload: ByteBuffer()))
        #expect(error?.code == .invalidSubject)
        #expect(encodingError(.subscribe(subject: subject, queueGroup: nil, sid: 1))?.code == .invalidSubject)
        #expect(encodingError(.publish(subject: "ok", replyTo: subject, headers: nil, payload: ByteBuffer()))?.code == .invalidSubject)
    }

    @Test("an invalid queue group is refused")
    func invalidQueueGroup() {
        #expect(encodingError(.subscribe(subject: "a", queueGroup: "two words", sid: 1))?.code == .invalidQueueGroup)
        #expect(encodingError(.subscribe(subject: "a", queueGroup: "", sid: 1))?.code == .invalidQueueGroup)
    }

    @Test(
        "invalid header fields are refused",
        arguments: [
            NATSHeaders([("Bad Name", "v")]), NATSHeaders([("a:b", "v")]), NATSHeaders([("", "v")]),
            NATSHeaders([("Name", "line\r\nbreak")]), NATSHeaders([], status: 42),
            NATSHeaders([], status: 503, statusDescription: "a\nb"),
        ]
    )
    func invalidHeaders(headers: NATSHeaders) {
        let error = encodingError(.publish(subject: "a", replyTo: nil, headers: headers, payload: ByteBuffer()))
        #expect(error?.code == .invalidHeaderField)
    }
}

@Suite("NATS headers")
struct HeadersTests {
    @Test("encoding then decoding gives the same headers, status included")
    func roundTrip() throws {
        let cases: [NATSHeaders] = [
            NATSHeaders(),
            ["A": "1", "B": "two words", "A": "3"],
            NATSHeaders([("Nats-Last-Consumer", "7")], status: 100, statusDescription: "Idle Heartbeat"),
            NATSHeaders([], status: 503),
            NATSHeaders([("Empty", "")], status: 404, statusDescription: "No Messages"),
        ]
        for headers in cases {
            var buffer = ByteBuffer()
            try headers.encode(into: &buffer)
            #expect(try NATSHeaders.decode(buffer.readableBytesView) == headers)
        }
    }

    @Test("repeated names keep their order; the subscript reads the first and replaces all")
    func multiValue() {
        var headers: NATSHeaders = ["A": "1", "B": "x", "A": "2"]
        #expect(headers.values(for: "A") == ["1", "2"])
        #expect(headers["A"] == "1")
        #expect(headers["a"] == nil)
        headers["A"] = "3"
        #expect(headers.values(for: "A") == ["3"])
        #expect(headers.map(\.name) == ["A", "B"])
        headers.append("B", "y")
        #expect(headers.values(for: "B") == ["x", "y"])
        headers["B"] = nil
        #expect(headers.count == 1)
    }
}
