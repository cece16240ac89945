import Herald
import NIOCore
import Testing

/// What the CloudEvents 1.0 spec forbids and the JSON format reader used to accept (issue 10, defect 9).
@Suite("CloudEvents JSON: what the spec forbids")
struct CloudEventValidationTests {
    private typealias Fixtures = CloudEventFixtures

    /// A minimal event document with the member `name` replaced by `value`: raw bytes, not text.
    private func document(_ name: String, rawValue value: [UInt8]) -> [UInt8] {
        let base = Array(Fixtures.document([name: nil]).utf8)
        return base.dropLast() + Array(",\"\(name)\":".utf8) + value + Array("}".utf8)
    }

    // MARK: Strings

    @Test(
        "bytes that are not UTF-8 in a string attribute are refused, naming it",
        arguments: ["id", "type", "subject", "datacontenttype", "comexample"],
        [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0xE2, 0x82]] as [[UInt8]]
    )
    func invalidUTF8(name: String, bytes: [UInt8]) {
        let text = document(name, rawValue: Array("\"a".utf8) + bytes + Array("\"".utf8))
        let error = expectCloudEventError(.invalidCharacters(name, reason: "")) {
            _ = try CloudEventJSON.decode(text)
        }
        #expect(error?.message.contains("not valid UTF-8") == true, "\(String(describing: error))")
    }

    @Test(
        "an unpaired surrogate escape in a string attribute is refused, naming it",
        arguments: [#"\ud800"#, #"\udfff"#]
    )
    func unpairedSurrogate(escape: String) {
        expectCloudEventError(.invalidCharacters("subject", reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["subject": "\"x\(escape)\""]))
        }
    }

    @Test(
        "control characters and noncharacters in string attributes are refused, naming them",
        arguments: ["id", "type", "subject", "datacontenttype", "comexample"],
        [
            (#"\u0000"#, "U+0000"), (#"\u0001"#, "U+0001"), (#"\n"#, "U+000A"), (#"\u001f"#, "U+001F"),
            (#"\u007f"#, "U+007F"), (#"\u0085"#, "U+0085"), (#"\u009f"#, "U+009F"), (#"\ufdd0"#, "U+FDD0"),
            (#"\ufdef"#, "U+FDEF"), (#"\ufffe"#, "U+FFFE"), (#"\uffff"#, "U+FFFF"), (#"\ud83f\udffe"#, "U+1FFFE"),
            (#"\udbff\udfff"#, "U+10FFFF"),
        ]
    )
    func forbiddenCharacters(name: String, character: (escape: String, codePoint: String)) {
        let error = expectCloudEventError(.invalidCharacters(name, reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document([name: "\"a\(character.escape)b\""]))
        }
        #expect(error?.message.contains(character.codePoint) == true, "\(String(describing: error))")
    }

    @Test(
        "a forbidden character is refused while its allowed neighbour is accepted",
        arguments: [
            (#"\u0020"#, #"\u001f"#), (#"\u007e"#, #"\u007f"#), (#"\u00a0"#, #"\u009f"#), (#"\ufdcf"#, #"\ufdd0"#),
            (#"\ufdf0"#, #"\ufdef"#), (#"\ufffd"#, #"\ufffe"#), (#"\ud83d\ude00"#, #"\ud83f\udfff"#),
        ]
    )
    func characterBoundaries(allowed: String, forbidden: String) throws {
        let event = try CloudEventJSON.decode(Fixtures.document(["subject": "\"a\(allowed)b\""]))
        #expect(event.subject?.hasPrefix("a") == true)
        expectCloudEventError(.invalidCharacters("subject", reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["subject": "\"a\(forbidden)b\""]))
        }
    }

    // MARK: Duplicate members

    @Test(
        "an attribute named twice is refused, naming it",
        arguments: ["id", "source", "type", "subject", "comexample"]
    )
    func duplicateAttribute(name: String) {
        let text = String(Fixtures.document().dropLast()) + #","\#(name)":"a","\#(name)":"b"}"#
        let error = expectCloudEventError(.duplicateAttribute(name)) {
            _ = try CloudEventJSON.decode(text)
        }
        #expect(error?.message.contains("'\(name)' appears more than once") == true)
    }

    @Test("a duplicate attribute in a batch element is refused with the element's index")
    func duplicateInBatch() {
        let bad = String(Fixtures.document().dropLast()) + #","id":"again"}"#
        let error = expectCloudEventError(.duplicateAttribute("id")) {
            _ = try CloudEventJSON.decodeBatch("[" + Fixtures.document() + "," + bad + "]")
        }
        #expect(error?.batchIndex == 1)
    }

    @Test("a member named twice inside JSON data is refused, not silently dropped")
    func duplicateInData() {
        let error = expectCloudEventError(.invalidJSON("")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["data": #"{"qty":1,"qty":100}"#]))
        }
        #expect(error?.message.contains("'qty' appears twice") == true)
        #expect(error?.message.contains("(in data)") == true)
    }

    // MARK: Extension integers

    @Test(
        "integer extension values outside 32 bits are refused, naming the attribute",
        arguments: ["2147483648", "-2147483649", "9223372036854775807", "1e10", "1e30", "-9223372036854775809"]
    )
    func integerOutOfRange(json: String) {
        let error = expectCloudEventError(.invalidAttributeValue("comexample", value: "", reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["comexample": json]))
        }
        #expect(error?.message.contains("-2147483648...2147483647") == true)
    }

    @Test(
        "integer extension values at the 32-bit bounds are accepted, one beyond is refused",
        arguments: [("2147483647", "2147483648"), ("-2147483648", "-2147483649")]
    )
    func integerBounds(bound: String, beyond: String) throws {
        #expect(try CloudEventJSON.decode(Fixtures.document(["comexample": bound])).extensions["comexample"] == bound)
        expectCloudEventError(.invalidAttributeValue("comexample", value: "", reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["comexample": beyond]))
        }
    }

    // MARK: URIs

    @Test(
        "a source that is not a URI-reference is refused",
        arguments: [
            "with space", "/path with space", "http://exa mple.com/", "/bad%zz", "/bad%4", "1a:b", "/café",
            "http://[::1/x", "http://host:port/", "a\\\\b", "/x#y#z", "<x>", "/a\\u0001",
        ]
    )
    func invalidSource(source: String) {
        let error = expectCloudEventError(.invalidAttributeValue("source", value: "", reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["source": "\"\(source)\""]))
        }
        #expect(error?.message.contains("URI-reference") == true, "\(String(describing: error))")
    }

    @Test(
        "sources from the spec and other URI-references are accepted; with a space added they are refused",
        arguments: [
            "https://github.com/cloudevents", "mailto:cncf-wg-serverless@lists.cncf.io",
            "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "cloudevents/spec/pull/123",
            "/sensors/tn-1234567/alerts", "1-555-123-4567", "http://[::1]:8080/a?b=c#d", "//host/p", "/a%20b",
            "file:///tmp/x", "./x:y", "?q", "#f",
        ]
    )
    func validSource(source: String) throws {
        #expect(try CloudEventJSON.decode(Fixtures.document(["source": "\"\(source)\""])).source == source)
        expectCloudEventError(.invalidAttributeValue("source", value: "", reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["source": "\"\(source) \""]))
        }
    }

    @Test(
        "a dataschema that is not an absolute URI is refused",
        arguments: ["/schemas/order.json", "order.json", "//example.com/schema", "not a uri", "https://x/a b"]
    )
    func invalidDataSchema(dataSchema: String) {
        let error = expectCloudEventError(.invalidAttributeValue("dataschema", value: "", reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["dataschema": "\"\(dataSchema)\""]))
        }
        #expect(error?.message.contains("absolute URI") == true, "\(String(describing: error))")
    }

    @Test(
        "absolute URIs are accepted as dataschema; without their scheme they are refused",
        arguments: [("https://example.com/s.json", "//example.com/s.json"), ("urn:example:order:v1", "order/v1")]
    )
    func validDataSchema(dataSchema: String, withoutScheme: String) throws {
        let event = try CloudEventJSON.decode(Fixtures.document(["dataschema": "\"\(dataSchema)\""]))
        #expect(event.dataSchema == dataSchema)
        expectCloudEventError(.invalidAttributeValue("dataschema", value: "", reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["dataschema": "\"\(withoutScheme)\""]))
        }
    }

    // MARK: data_base64

    @Test(
        "data read from data_base64 is written back as data_base64 even when its bytes are JSON or text",
        arguments: [nil, "application/json", "application/vnd.x+json", "text/plain"] as [String?]
    )
    func base64StaysBase64(contentType: String?) throws {
        // {"b":1,"a":[2]} — JSON, but not in the canonical form Herald would write.
        let encoded = "eyJiIjoxLCJhIjpbMl19"
        let event = try CloudEventJSON.decode(
            Fixtures.document(["datacontenttype": contentType.map { "\"\($0)\"" }, "data_base64": "\"\(encoded)\""])
        )
        #expect(event.data == ByteBuffer(string: #"{"b":1,"a":[2]}"#))
        let text = String(buffer: try CloudEventJSON.encode(event))
        #expect(text.contains(#""data_base64":"\#(encoded)""#), "\(text)")
        #expect(!text.contains(#""data":"#))
        let again = try CloudEventJSON.decode(text)
        #expect(again.data == event.data)
        #expect(String(buffer: try CloudEventJSON.encode(again)) == text)
        #expect(String(buffer: try CloudEventJSON.encodeBatch([event])) == "[\(text)]")

        // New data is written by what it is again.
        var changed = event
        changed.data = ByteBuffer(string: #"{"a":2}"#)
        let written = String(buffer: try CloudEventJSON.encode(changed))
        let member = contentType == "text/plain" ? #""data":"{\"a\":2}""# : #""data":{"a":2}"#
        #expect(written.contains(member), "\(written)")
    }
}
