import HeraldTesting
import NIOCore
import Testing

@testable import HeraldNATS

/// Parses `chunks` in order, returning every frame; fails if bytes are left over.
private func parse(_ chunks: [ByteBuffer], limits: NATSProtocolParser.Limits = .init()) throws -> [NATSServerFrame] {
    var parser = NATSProtocolParser(limits: limits)
    var frames: [NATSServerFrame] = []
    for chunk in chunks {
        parser.append(chunk)
        while let frame = try parser.next() { frames.append(frame) }
    }
    #expect(parser.bufferedBytes == 0, "bytes left over after the last frame")
    return frames
}

/// Parses `text` in one piece and returns the error it raises.
private func parseError(_ text: String, limits: NATSProtocolParser.Limits = .init()) -> NATSProtocolError? {
    do {
        _ = try parse([ByteBuffer(string: text)], limits: limits)
        return nil
    } catch let error as NATSProtocolError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// `HMSG` text for a header block and payload, with the sizes computed.
private func hmsg(_ subject: String, sid: Int, replyTo: String? = nil, headers: String, payload: String) -> String {
    let headerBytes = headers.utf8.count
    let total = headerBytes + payload.utf8.count
    let reply = replyTo.map { "\($0) " } ?? ""
    return "HMSG \(subject) \(sid) \(reply)\(headerBytes) \(total)\r\n\(headers)\(payload)\r\n"
}

/// A stream of every kind of frame, with payloads that contain CRLF and protocol words.
private let trickyPayload = "MSG x 1 3\r\n\r\nPING\r\nMSG"
private let streamText: String = {
    var text = #"INFO {"server_id":"S1","version":"2.9.10","max_payload":1048576,"headers":true,"#
    text += #""tls_required":false,"connect_urls":["10.0.0.1:4222"],"auth_required":true,"nonce":"abc"}"# + "\r\n"
    text += "MSG foo.bar 1 5\r\nhello\r\n"
    text += "MSG tricky 2 reply.to \(trickyPayload.utf8.count)\r\n\(trickyPayload)\r\n"
    text += hmsg("with.headers", sid: 3, replyTo: "_INBOX.a.1", headers: "NATS/1.0\r\nA: 1\r\nA: 2\r\nB:  spaced value \r\n\r\n", payload: "body\r\n")
    text += hmsg("_INBOX.a.2", sid: 4, headers: "NATS/1.0 503\r\n\r\n", payload: "")
    text += hmsg("pull", sid: 5, headers: "NATS/1.0 404 No Messages\r\n\r\n", payload: "")
    text += hmsg("hb", sid: 6, headers: "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 7\r\n\r\n", payload: "")
    text += "PING\r\nPONG\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\n"
    text += "MSG empty 7 0\r\n\r\n"
    text += "msg\tlower.case\t8  3\r\nabc\r\n"
    text += "pong\r\n"
    return text
}()

private func headers(_ fields: [(String, String)], status: Int? = nil, description: String? = nil) -> NATSHeaders {
    NATSHeaders(fields, status: status, statusDescription: description)
}

private func message(
    _ subject: String, _ sid: UInt64, replyTo: String? = nil, headers: NATSHeaders? = nil, _ payload: String
)
    -> NATSServerFrame
{
    .message(.init(subject: subject, sid: sid, replyTo: replyTo, headers: headers, payload: ByteBuffer(string: payload)))
}

private let expectedFrames: [NATSServerFrame] = {
    var info = NATSServerInfo(serverID: "S1", version: "2.9.10")
    info.proto = nil
    info.connectURLs = ["10.0.0.1:4222"]
    info.authRequired = true
    info.nonce = "abc"
    return [
        .info(info),
        message("foo.bar", 1, "hello"),
        message("tricky", 2, replyTo: "reply.to", trickyPayload),
        message(
            "with.headers",
            3,
            replyTo: "_INBOX.a.1",
            headers: headers([("A", "1"), ("A", "2"), ("B", "spaced value")]),
            "body\r\n"
        ),
        message("_INBOX.a.2", 4, headers: headers([], status: 503), ""),
        message("pull", 5, headers: headers([], status: 404, description: "No Messages"), ""),
        message("hb", 6, headers: headers([("Nats-Last-Consumer", "7")], status: 100, description: "Idle Heartbeat"), ""),
        .ping,
        .pong,
        .ok,
        .error("Unknown Protocol Operation"),
        message("empty", 7, ""),
        message("lower.case", 8, "abc"),
        .pong,
    ]
}()

@Suite("NATS protocol parser")
struct ProtocolParserTests {
    private let bytes = Array(streamText.utf8)

    private func chunks(splittingAt cuts: [Int]) -> [ByteBuffer] {
        var result: [ByteBuffer] = []
        var start = 0
        for cut in cuts.sorted() + [bytes.count] {
            result.append(ByteBuffer(bytes: bytes[start..<cut]))
            start = cut
        }
        return result
    }

    @Test("the whole stream in one buffer gives every frame")
    func wholeStream() throws {
        #expect(try parse([ByteBuffer(bytes: bytes)]) == expectedFrames)
    }

    @Test("a split at every byte position gives the same frames")
    func everyTwoPieceSplit() throws {
        for cut in 0...bytes.count {
            let frames = try parse(chunks(splittingAt: [cut]))
            #expect(frames == expectedFrames, "split at byte \(cut)")
        }
    }

    @Test("seeded random splits into many pieces give the same frames")
    func randomSplits() throws {
        var generator = SeededRandomGenerator(seed: 0x4E41_5453)
        for round in 0..<500 {
            let pieces = Int.random(in: 2...40, using: &generator)
            let cuts = (1..<pieces).map { _ in Int.random(in: 0...bytes.count, using: &generator) }
            let frames = try parse(chunks(splittingAt: cuts))
            #expect(frames == expectedFrames, "round \(round), cuts \(cuts.sorted())")
        }
    }

    @Test("byte by byte gives the same frames")
    func byteByByte() throws {
        #expect(try parse(bytes.map { ByteBuffer(bytes: [$0]) }) == expectedFrames)
    }

    @Test(
        "malformed frames raise the specific error",
        arguments: [
            ("FOO bar\r\n", NATSProtocolError.Code.unknownOperation),
            ("\r\n", .unknownOperation),
            ("MSG a 1\r\n", .invalidArguments),
            ("MSG a 1 b c 5\r\n", .invalidArguments),
            ("HMSG a 1 5\r\n", .invalidArguments),
            ("PING now\r\n", .invalidArguments),
            ("INFO\r\n", .invalidArguments),
            ("MSG a x 5\r\nhello\r\n", .invalidNumber),
            ("MSG a 1 -5\r\n", .invalidNumber),
            ("MSG a 1 5x\r\n", .invalidNumber),
            ("MSG a 1 99999999999999999999\r\n", .invalidNumber),
            ("HMSG a 1 ten 20\r\n", .invalidNumber),
            ("HMSG a 1 10 5\r\n", .headerSizeExceedsTotal),
            ("MSG a 1 3\r\nabcde\r\n", .missingPayloadTerminator),
            ("MSG a 1 4\r\nabc\r\n\r\n", .missingPayloadTerminator),
            ("INFO {not json\r\n", .invalidInfo),
            (hmsg("a", sid: 1, headers: "NATS/1.1\r\n\r\n", payload: ""), .invalidHeaders),
            (hmsg("a", sid: 1, headers: "NATS/1.0\r\nA: 1\r\n", payload: "xy"), .invalidHeaders),
            (hmsg("a", sid: 1, headers: "NATS/1.0\r\nNo colon\r\n\r\n", payload: ""), .invalidHeaders),
            (hmsg("a", sid: 1, headers: "NATS/1.0\r\n: empty\r\n\r\n", payload: ""), .invalidHeaders),
            (hmsg("a", sid: 1, headers: "NATS/1.0 ABC\r\n\r\n", payload: ""), .invalidHeaders),
            (hmsg("a", sid: 1, headers: "NATS/1.0 5030\r\n\r\n", payload: ""), .invalidHeaders),
            (hmsg("a", sid: 1, headers: "NATS/1.0\nA: 1\r\n\r\n", payload: ""), .invalidHeaders),
            (hmsg("a", sid: 1, headers: "", payload: "abc"), .invalidHeaders),
        ]
    )
    func malformed(text: String, code: NATSProtocolError.Code) {
        let error = parseError(text)
        #expect(error?.code == code, "\(error.map { "\($0)" } ?? "no error") for \(text.debugDescription)")
    }

    @Test("an error quotes the offending bytes, escaped and truncated")
    func errorQuotesBytes() throws {
        let error = try #require(parseError("BOGUS \(String(repeating: "x", count: 200))\r\n"))
        #expect(error.code == .unknownOperation)
        #expect(error.offendingBytes.hasPrefix("BOGUS xxx"))
        #expect(error.offendingBytes.count <= NATSProtocolError.quoteLimit + 1)
        #expect(error.message.contains("BOGUS"))
        let crlf = try #require(parseError("MSG a 1 3\r\nabc\tX\r\n"))
        #expect(crlf.offendingBytes.hasPrefix("\\tX\\r\\n"))
    }

    @Test("a control line over the limit is refused, with or without its CRLF")
    func controlLineTooLong() {
        let long = "MSG " + String(repeating: "a", count: 5000)
        #expect(parseError(long)?.code == .controlLineTooLong)
        #expect(parseError(long + " 1 0\r\n\r\n")?.code == .controlLineTooLong)
        // Refused before the limit's worth of bytes is exceeded by much: one piece at a time.
        var parser = NATSProtocolParser()
        var raised: NATSProtocolError?
        for _ in 0..<100 where raised == nil {
            parser.append(ByteBuffer(string: String(repeating: "b", count: 100)))
            do { _ = try parser.next() } catch { raised = error }
        }
        #expect(raised?.code == .controlLineTooLong)
        #expect(parser.bufferedBytes <= 4096 + 100)
    }

    @Test("an INFO longer than other control lines is accepted up to its own limit")
    func longInfo() throws {
        let urls = (0..<300).map { "\"10.0.\($0 / 256).\($0 % 256):4222\"" }.joined(separator: ",")
        let text = #"INFO {"server_id":"S","version":"2.9.10","connect_urls":["# + urls + "]}\r\n"
        #expect(text.utf8.count > 4096)
        let frames = try parse([ByteBuffer(string: text)])
        guard case .info(let info) = frames.first else {
            Issue.record("expected INFO, got \(frames)")
            return
        }
        #expect(info.connectURLs.count == 300)
        #expect(parseError(text, limits: .init(maximumInfoLine: 1000))?.code == .controlLineTooLong)
    }

    @Test("a message above max_payload is refused before its payload arrives")
    func payloadTooLarge() {
        let limits = NATSProtocolParser.Limits(maximumPayload: 100)
        #expect(parseError("MSG a 1 101\r\n", limits: limits)?.code == .payloadTooLarge)
        #expect(
            parseError(hmsg("a", sid: 1, headers: "NATS/1.0\r\n\r\n", payload: String(repeating: "x", count: 95)), limits: limits)?.code == .payloadTooLarge)
        let fits = "MSG a 1 100\r\n" + String(repeating: "x", count: 100) + "\r\n"
        #expect(parseError(fits, limits: limits) == nil)
    }

    @Test("a frame waits for its last byte")
    func incomplete() throws {
        var parser = NATSProtocolParser()
        parser.append(ByteBuffer(string: "MSG a 1 5\r\nhel"))
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "lo\r"))
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "\nPI"))
        #expect(try parser.next() == message("a", 1, "hello"))
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "NG\r\n"))
        #expect(try parser.next() == .ping)
    }
}
