import NIOCore
import Testing

@testable import Herald

@Suite("JSON parser")
struct JSONParserTests {
    private func parse(_ text: String, limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
        try JSONValue(parsing: ByteBuffer(string: text), limits: limits)
    }

    private func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try JSONValue(parsing: ByteBuffer(bytes: bytes))
    }

    /// The error `body` throws, or `nil` (recorded as an issue) when it throws none.
    private func parseError(_ body: () throws(JSONParseError) -> JSONValue) -> JSONParseError? {
        do {
            let value = try body()
            Issue.record("expected a JSONParseError, parsed \(value)")
            return nil
        } catch {
            return error
        }
    }

    @Test("a document nested 511 deep parses in linear time, well under 10 ms")
    func deepDocumentIsLinear() throws {
        // Codable over JSONDecoder took 1.4–3.6 s for this 1 KB document.
        let text = ForeignJSON.nestedArrays(depth: 511)
        let limits = JSONLimits(maximumDepth: 512)
        var value = try parse(text, limits: limits)
        var depth = 0
        while case .array(let elements) = value, let first = elements.first {
            depth += 1
            value = first
        }
        #expect(depth == 511)
        #expect(value == .integer(1))
        let elapsed = try ForeignJSON.fastest { _ = try parse(text, limits: limits) }
        #expect(elapsed < .milliseconds(10), "took \(elapsed)")
    }

    @Test(
        "parsing time grows linearly with depth and width, for arrays and objects",
        arguments: ["nested arrays", "nested objects", "object members", "array elements"]
    )
    func linearGrowth(shape: String) throws {
        func document(_ size: Int) -> String {
            switch shape {
            case "nested arrays": ForeignJSON.nestedArrays(depth: size)
            case "nested objects": String(repeating: #"{"a":"#, count: size) + "1" + String(repeating: "}", count: size)
            case "object members": "{" + (0..<size).map { #""m\#($0)":[\#($0)]"# }.joined(separator: ",") + "}"
            default: "[" + (0..<size).map { #"{"e":\#($0)}"# }.joined(separator: ",") + "]"
            }
        }
        let isDeep = shape.hasPrefix("nested")
        let (small, large) = isDeep ? (64, 512) : (1_000, 8_000)
        let limits = JSONLimits(maximumDepth: 512)
        let smallText = document(small)
        let largeText = document(large)
        let smallTime = try ForeignJSON.fastest(of: 7) { _ = try parse(smallText, limits: limits) }
        let largeTime = try ForeignJSON.fastest(of: 7) { _ = try parse(largeText, limits: limits) }
        // Eight times the size: about 8 times the time when linear, 64 when quadratic.
        let ratio = largeTime / smallTime
        #expect(ratio < 24, "\(shape): \(small) took \(smallTime), \(large) took \(largeTime)")
    }

    @Test("the repro is refused by the limits before parsing")
    func refusesRepro() throws {
        let repro = try ForeignJSON.repro()
        let error = parseError { () throws(JSONParseError) in try parse(repro) }
        guard case .limit(let limit)? = error?.kind else {
            Issue.record("expected a limit error, got \(String(describing: error))")
            return
        }
        #expect(limit.code == .tooDeep)
    }

    @Test(
        "what Foundation's parser let through is refused",
        arguments: [
            ("[1,]", "where a value should begin"),
            (#"{"a":1,}"#, "expected a member name after ','"),
            (#"{"a":1,"a":2}"#, "member 'a' appears twice"),
            (#""\ud800""#, "unpaired surrogate"),
            (#""\udc00\ud800""#, "unpaired surrogate"),
            (#""\ud800x""#, "unpaired surrogate"),
        ]
    )
    func foundationLeniencyRefused(text: String, reason: String) {
        let error = parseError { () throws(JSONParseError) in try parse(text) }
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(
        "bytes that are not UTF-8 inside strings are refused, not replaced",
        arguments: [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xFF]]
            as [[UInt8]]
    )
    func invalidUTF8(bytes: [UInt8]) {
        let error = parseError { () throws(JSONParseError) in try parse([0x22] + bytes + [0x22]) }
        #expect(error?.kind == .invalidString)
    }

    @Test("a duplicate member is reported at the object that holds it")
    func duplicatePath() {
        let error = parseError { () throws(JSONParseError) in try parse(#"{"a":[0,{"b":1,"b":2}]}"#) }
        #expect(error?.kind == .duplicateMember("b"))
        #expect(error?.pathDescription == "a[1]")
        #expect(error?.offset == 15)
    }

    @Test("errors name the path to the value being read")
    func errorPath() {
        let error = parseError { () throws(JSONParseError) in try parse(#"{"data":{"items":[1,2,tru]}}"#) }
        #expect(error?.kind == .syntax)
        #expect(error?.pathDescription == "data.items[2]")
        #expect(error?.description.contains("at byte 22") == true)
    }

    @Test("escapes, surrogate pairs and a byte order mark are read")
    func escapes() throws {
        #expect(try parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#) == .string("a\"\\/\u{8}\u{C}\n\r\té😀"))
        #expect(try parse([0xEF, 0xBB, 0xBF] + Array("[true]".utf8)) == .array([.bool(true)]))
    }

    @Test("serialising what was parsed and parsing it again gives the same value")
    func roundTrip() throws {
        let text = #"{"z":[1,-2.5,1e300,"é\u0001",null,false,{}],"a":{"b":[]},"s":"x/y"}"#
        let value = try parse(text)
        let serialized = try value.serialized()
        #expect(String(buffer: serialized) == #"{"a":{"b":[]},"s":"x/y","z":[1,-2.5,1e+300,"é\u0001",null,false,{}]}"#)
        #expect(try JSONValue(parsing: serialized) == value)
    }
}
