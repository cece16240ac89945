import Herald
import NIOCore
import NIOFoundationCompat
import Testing

import struct Foundation.Date
import class Foundation.JSONDecoder

@Suite("CloudEvents JSON event format")
struct CloudEventJSONTests {
    private typealias Fixtures = CloudEventFixtures

    // MARK: Spec sample

    @Test("decodes the sample from the CloudEvents JSON format spec")
    func decodesSpecSample() throws {
        let sample = #"""
            {
                "specversion" : "1.0",
                "type" : "com.github.pull_request.opened",
                "source" : "https://github.com/cloudevents/spec/pull",
                "subject" : "123",
                "id" : "A234-1234-1234",
                "time" : "2018-04-05T17:31:00Z",
                "comexampleextension1" : "value",
                "comexampleothervalue" : 5,
                "datacontenttype" : "text/xml",
                "data" : "<much wow=\"xml\"/>"
            }
            """#
        let event = try CloudEventJSON.decode(sample)
        #expect(event.specVersion == "1.0")
        #expect(event.type == "com.github.pull_request.opened")
        #expect(event.source == "https://github.com/cloudevents/spec/pull")
        #expect(event.subject == "123")
        #expect(event.id == "A234-1234-1234")
        #expect(event.time == Date(timeIntervalSince1970: 1_522_949_460))
        #expect(event.extensions == ["comexampleextension1": "value", "comexampleothervalue": "5"])
        #expect(event.dataContentType == "text/xml")
        #expect(Fixtures.text(event.data) == #"<much wow="xml"/>"#)
        #expect(event.dataSchema == nil)
    }

    @Test("decodes the base64 sample from the spec")
    func decodesSpecBase64Sample() throws {
        let sample = #"""
            {
                "specversion" : "1.0",
                "type" : "com.example.someevent",
                "source" : "/mycontext",
                "id" : "A234-1234-1234",
                "time" : "2018-04-05T17:31:00Z",
                "comexampleextension1" : "value",
                "datacontenttype" : "application/vnd.apache.thrift.binary",
                "data_base64" : "Zm9vYmFy"
            }
            """#
        let event = try CloudEventJSON.decode(sample)
        #expect(event.data == ByteBuffer(string: "foobar"))
        #expect(event.dataContentType == "application/vnd.apache.thrift.binary")
    }

    @Test("decodes raw-byte and text overloads alike")
    func overloads() throws {
        let text = Fixtures.document()
        let fromText = try CloudEventJSON.decode(text)
        #expect(try CloudEventJSON.decode(Array(text.utf8)) == fromText)
        #expect(try CloudEventJSON.decode(ByteBuffer(string: text)) == fromText)
        #expect(fromText.id == "A234-1234-1234")
        #expect(fromText.data == nil)
        #expect(fromText.time == nil)
        #expect(fromText.extensions.isEmpty)
    }

    // MARK: Required attributes

    @Test("a missing required attribute is named", arguments: ["id", "source", "specversion", "type"])
    func missingRequiredAttribute(name: String) {
        let error = expectCloudEventError(.missingAttribute(name)) {
            _ = try CloudEventJSON.decode(Fixtures.document([name: nil]))
        }
        #expect(error?.message.contains("'\(name)'") == true)
    }

    @Test("a null required attribute counts as missing", arguments: ["id", "source", "specversion", "type"])
    func nullRequiredAttribute(name: String) {
        expectCloudEventError(.missingAttribute(name)) {
            _ = try CloudEventJSON.decode(Fixtures.document([name: "null"]))
        }
    }

    @Test("an empty required attribute is named", arguments: ["id", "source", "specversion", "type"])
    func emptyRequiredAttribute(name: String) {
        let error = expectCloudEventError(.emptyAttribute(name)) {
            _ = try CloudEventJSON.decode(Fixtures.document([name: #""""#]))
        }
        #expect(error?.message.contains("'\(name)'") == true)
    }

    @Test(
        "a required attribute of the wrong JSON type is named",
        arguments: [("id", "42"), ("id", "true"), ("source", "{}"), ("type", "[]"), ("specversion", "1.0")]
    )
    func wrongTypeRequiredAttribute(name: String, value: String) {
        let error = expectCloudEventError(.invalidAttributeType(name, expected: "a string")) {
            _ = try CloudEventJSON.decode(Fixtures.document([name: value]))
        }
        #expect(error?.message == "attribute '\(name)' must be a string")
    }

    @Test("a specversion other than 1.0 is rejected", arguments: ["0.3", "2.0", "1", "1.0.0"])
    func unsupportedSpecVersion(version: String) {
        let error = expectCloudEventError(.unsupportedSpecVersion(version)) {
            _ = try CloudEventJSON.decode(Fixtures.document(["specversion": "\"\(version)\""]))
        }
        #expect(error?.message.contains("'\(version)'") == true)
    }

    // MARK: Optional attributes

    @Test("optional attributes are read")
    func optionalAttributes() throws {
        let event = try CloudEventJSON.decode(
            Fixtures.document([
                "subject": #""order-1""#,
                "dataschema": #""https://example.com/schema.json""#,
                "datacontenttype": #""application/json""#,
                "time": #""2025-11-23T12:00:00.125Z""#,
            ])
        )
        #expect(event.subject == "order-1")
        #expect(event.dataSchema == "https://example.com/schema.json")
        #expect(event.dataContentType == "application/json")
        #expect(event.time == Fixtures.time)
    }

    @Test("null optional attributes are absent")
    func nullOptionalAttributes() throws {
        let event = try CloudEventJSON.decode(
            Fixtures.document([
                "subject": "null", "dataschema": "null", "datacontenttype": "null", "time": "null", "data": "null",
                "comexample": "null",
            ])
        )
        #expect(event.subject == nil)
        #expect(event.dataSchema == nil)
        #expect(event.dataContentType == nil)
        #expect(event.time == nil)
        #expect(event.data == nil)
        #expect(event.extensions.isEmpty)
    }

    @Test(
        "an optional attribute of the wrong JSON type is named",
        arguments: ["subject", "datacontenttype", "dataschema"]
    )
    func wrongTypeOptionalAttribute(name: String) {
        expectCloudEventError(.invalidAttributeType(name, expected: "a string")) {
            _ = try CloudEventJSON.decode(Fixtures.document([name: "7"]))
        }
    }

    @Test("an empty optional attribute is named", arguments: ["subject", "datacontenttype", "dataschema"])
    func emptyOptionalAttribute(name: String) {
        expectCloudEventError(.emptyAttribute(name)) {
            _ = try CloudEventJSON.decode(Fixtures.document([name: #""""#]))
        }
    }

    @Test("time with a numeric offset is read as the same instant")
    func timeWithOffset() throws {
        let event = try CloudEventJSON.decode(Fixtures.document(["time": #""2018-04-05T19:31:00+02:00""#]))
        #expect(event.time == Date(timeIntervalSince1970: 1_522_949_460))
    }

    @Test(
        "a time that is not RFC 3339 is rejected",
        arguments: ["yesterday", "", "2018-04-05", "2018-13-05T17:31:00Z", "2018-04-05 17:31:00", "1522949460"]
    )
    func invalidTime(value: String) {
        let error = expectCloudEventError(.invalidAttributeValue("time", value: value, reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["time": "\"\(value)\""]))
        }
        #expect(error?.message.contains("'time'") == true)
    }

    @Test("a time that is not a string is rejected")
    func timeOfWrongType() {
        expectCloudEventError(.invalidAttributeType("time", expected: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["time": "1522949460"]))
        }
    }

    // MARK: Extensions

    @Test(
        "extension values are kept as canonical strings",
        arguments: [
            (#""value""#, "value"), (#""""#, ""), ("5", "5"), ("-12", "-12"), ("5.0", "5"), ("2.5", "2.5"),
            ("true", "true"), ("false", "false"),
        ]
    )
    func extensionValues(json: String, expected: String) throws {
        let event = try CloudEventJSON.decode(Fixtures.document(["comexample": json]))
        #expect(event.extensions == ["comexample": expected])
    }

    @Test("an object or array extension value is rejected", arguments: ["{}", #"{"a":1}"#, "[]", "[1]"])
    func structuredExtensionValue(json: String) {
        let error = expectCloudEventError(.invalidAttributeType("comexample", expected: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["comexample": json]))
        }
        #expect(error?.message.contains("'comexample'") == true)
    }

    @Test(
        "a member with an invalid extension name is rejected",
        arguments: [
            "comExample", "SUBJECT", "com_example", "com-example", "abcdefghijklmnopqrstu", "", "café",
            "with space",
        ]
    )
    func invalidExtensionName(name: String) {
        expectCloudEventError(.invalidExtensionName(name, reason: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document([name: #""x""#]))
        }
    }

    @Test("valid extension names are accepted", arguments: ["a", "traceparent", "x1", "abcdefghijklmnopqrst"])
    func validExtensionName(name: String) throws {
        let event = try CloudEventJSON.decode(Fixtures.document([name: #""x""#]))
        #expect(event.extensionValue(name) == "x")
    }

    // MARK: Data

    @Test("JSON data embedded as an object holds the same JSON")
    func embeddedObjectData() throws {
        struct Payload: Decodable, Equatable {
            var name: String
            var tags: [Int]
            var nested: [String: Bool]
        }
        let event = try CloudEventJSON.decode(
            Fixtures.document([
                "datacontenttype": #""application/json""#,
                "data": #"{ "tags": [1, 2, 3], "name": "a/b \"q\"", "nested": { "ok": true } }"#,
            ])
        )
        let data = try #require(event.data)
        #expect(String(buffer: data) == #"{"name":"a/b \"q\"","nested":{"ok":true},"tags":[1,2,3]}"#)
        let payload = try JSONDecoder().decode(Payload.self, from: data)
        #expect(payload == Payload(name: #"a/b "q""#, tags: [1, 2, 3], nested: ["ok": true]))
    }

    @Test(
        "data is JSON when datacontenttype is absent or a JSON type",
        arguments: [
            nil, "application/json", "application/json; charset=utf-8", "Application/JSON", "text/json",
            "application/vnd.example+json", "application/cloudevents+json ; x=y",
        ] as [String?]
    )
    func jsonContentTypes(contentType: String?) throws {
        let event = try CloudEventJSON.decode(
            Fixtures.document([
                "datacontenttype": contentType.map { "\"\($0)\"" },
                "data": #"{"n":1.5,"big":9007199254740993,"s":"x","z":null}"#,
            ])
        )
        #expect(Fixtures.text(event.data) == #"{"big":9007199254740993,"n":1.5,"s":"x","z":null}"#)
    }

    @Test("JSON data may be any JSON value", arguments: [#""hello""#, "42", "true", "[1,\"a\"]", "-0.5"])
    func jsonScalarData(json: String) throws {
        let event = try CloudEventJSON.decode(Fixtures.document(["data": json]))
        #expect(Fixtures.text(event.data) == json)
    }

    @Test("string data with a text type holds the string's UTF-8 bytes")
    func textData() throws {
        let event = try CloudEventJSON.decode(
            Fixtures.document(["datacontenttype": #""text/plain; charset=utf-8""#, "data": #""héllo\nwörld ✓""#])
        )
        #expect(event.data == ByteBuffer(string: "héllo\nwörld ✓"))
    }

    @Test("non-string data with a non-JSON type is rejected")
    func structuredDataWithTextType() {
        expectCloudEventError(.invalidAttributeType("data", expected: "")) {
            _ = try CloudEventJSON.decode(Fixtures.document(["datacontenttype": #""text/plain""#, "data": "{}"]))
        }
    }

    @Test(
        "invalid base64 in data_base64 is rejected",
        arguments: [
            #""not base64!""#, #""Zm9vYmF""#, #""Zm9v YmFy""#, #""Zm=vYmFy""#, #""Z===""#, #""Zg=""#, #""====""#,
            #""Zm9vYmFy\n""#, #""Zm9-YmFy""#, "42", "{}",
        ]
    )
    func invalidBase64(json: String) {
        expectCloudEventError(.invalidBase64()) {
            _ = try CloudEventJSON.decode(Fixtures.document(["data_base64": json]))
        }
    }

    @Test(
        "valid base64 decodes",
        arguments: [("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYmE=", "fooba")]
    )
    func validBase64(encoded: String, decoded: String) throws {
        let event = try CloudEventJSON.decode(Fixtures.document(["data_base64": "\"\(encoded)\""]))
        #expect(event.data == ByteBuffer(string: decoded))
    }

    @Test("data and data_base64 together are rejected")
    func conflictingData() {
        expectCloudEventError(.conflictingData()) {
            _ = try CloudEventJSON.decode(Fixtures.document(["data": #""x""#, "data_base64": #""eA==""#]))
        }
    }

    // MARK: Malformed documents

    @Test(
        "malformed JSON is rejected",
        arguments: [
            "", "   ", "{", #"{"id":}"#, "nope", #"{"id":"a"} x"#, "{'id':'a'}", #"{"id":"a\x"}"#,
            "{\"id\":\"a\u{01}\"}", #"{"id":01}"#, #"{"id":NaN}"#, #"{"id":1e400}"#, #"{"id":"a" /* c */}"#,
        ]
    )
    func malformedJSON(text: String) {
        expectCloudEventError(.invalidJSON("")) {
            _ = try CloudEventJSON.decode(text)
        }
    }

    @Test("a trailing comma is rejected, as RFC 8259 says (Foundation's parser tolerated it)")
    func trailingComma() {
        let text = String(Fixtures.document().dropLast()) + ",}"
        let error = expectCloudEventError(.invalidJSON("")) {
            _ = try CloudEventJSON.decode(text)
        }
        #expect(error?.message.contains("expected a member name after ','") == true)
    }

    @Test(
        "a top-level value other than an object is rejected",
        arguments: ["[]", "[\(CloudEventFixtures.document())]", "42", #""event""#, "null"]
    )
    func topLevelNotObject(text: String) {
        let error = expectCloudEventError(.invalidJSON("")) {
            _ = try CloudEventJSON.decode(text)
        }
        #expect(error?.message.contains("JSON object") == true)
    }

    @Test("bytes that are not UTF-8 are rejected")
    func invalidUTF8() {
        expectCloudEventError(.invalidJSON("")) {
            _ = try CloudEventJSON.decode([0x7B, 0xFF, 0xFE, 0x7D])
        }
    }

    // MARK: Encoding

    @Test("encodes attributes as top-level members and JSON data as an embedded value")
    func encodesJSONData() throws {
        let event = try Event(
            id: "1",
            source: "/orders",
            type: "order.placed.v1",
            subject: "o-1",
            time: Fixtures.time,
            dataContentType: "application/json",
            dataSchema: "https://example.com/s",
            extensions: ["correlationid": "c-1"],
            data: ByteBuffer(string: #"{"b":[1,2],"a":"x/y"}"#)
        )
        let text = String(buffer: try CloudEventJSON.encode(event))
        #expect(
            text == #"{"correlationid":"c-1","data":{"a":"x/y","b":[1,2]},"datacontenttype":"application/json","#
                + #""dataschema":"https://example.com/s","id":"1","source":"/orders","specversion":"1.0","#
                + #""subject":"o-1","time":"2025-11-23T12:00:00.125Z","type":"order.placed.v1"}"#
        )
    }

    @Test(
        "how data is written depends on datacontenttype and the bytes",
        arguments: [
            ("application/json", Array(#"{"a":1}"#.utf8), #""data":{"a":1}"#),
            ("application/json", Array("not json".utf8), #""data_base64":"bm90IGpzb24=""#),
            (nil, Array("[1,2]".utf8), #""data":[1,2]"#),
            (nil, Array("plain".utf8), #""data_base64":"cGxhaW4=""#),
            ("text/plain", Array("héllo \"q\"".utf8), #""data":"héllo \"q\"""#),
            ("text/plain", [0xFF, 0xFE], #""data_base64":"//4=""#),
            ("application/xml", Array("<a/>".utf8), #""data":"<a/>""#),
            ("application/atom+xml", Array("<a/>".utf8), #""data":"<a/>""#),
            ("application/octet-stream", Array("abc".utf8), #""data_base64":"YWJj""#),
            ("image/png", [0x89, 0x50, 0x4E, 0x47], #""data_base64":"iVBORw==""#),
        ] as [(String?, [UInt8], String)]
    )
    func encodesData(contentType: String?, bytes: [UInt8], expectedMember: String) throws {
        let event = try Event(
            id: "1",
            source: "/s",
            type: "t",
            dataContentType: contentType,
            data: ByteBuffer(bytes: bytes)
        )
        let text = String(buffer: try CloudEventJSON.encode(event))
        #expect(text.contains(expectedMember), "\(text)")
        #expect(try CloudEventJSON.decode(text).data == ByteBuffer(bytes: bytes))
    }

    @Test("encoding an event whose required attribute was emptied names it", arguments: ["id", "source", "type"])
    func encodeEmptiedRequiredAttribute(name: String) throws {
        var event = try Event(id: "1", source: "/s", type: "t")
        switch name {
        case "id": event.id = ""
        case "source": event.source = ""
        default: event.type = ""
        }
        expectCloudEventError(.emptyAttribute(name)) {
            _ = try CloudEventJSON.encode(event)
        }
    }

    @Test("encoding an event with an empty optional attribute names it")
    func encodeEmptyOptionalAttribute() throws {
        let event = try Event(id: "1", source: "/s", type: "t", subject: "")
        expectCloudEventError(.emptyAttribute("subject")) {
            _ = try CloudEventJSON.encode(event)
        }
    }

    // MARK: Round trips

    static let roundTripEvents: [Event] = {
        do {
            return [
                try Event(id: "1", source: "/s", type: "t"),
                try Event(
                    id: "2",
                    source: "https://example.com/orders",
                    type: "com.example.order.placed.v1",
                    subject: "order/42",
                    time: CloudEventFixtures.time,
                    dataContentType: "application/json",
                    dataSchema: "https://example.com/schemas/order.json",
                    extensions: ["traceparent": "00-abc-def-01", "partitionkey": "k", "comexampleint": "5"],
                    data: ByteBuffer(string: #"{"items":[{"qty":2,"sku":"A/1"}],"total":12.5}"#)
                ),
                try Event(
                    id: "3",
                    source: "/s",
                    type: "t",
                    time: Date(timeIntervalSince1970: 0),
                    dataContentType: "text/plain",
                    data: ByteBuffer(string: "line 1\nline 2 ✓")
                ),
                try Event(
                    id: "4",
                    source: "/s",
                    type: "t",
                    dataContentType: "application/octet-stream",
                    data: ByteBuffer(bytes: Array(0...255))
                ),
                try Event(id: "5", source: "/s", type: "t", data: ByteBuffer(bytes: [0, 1, 2, 0xFF])),
                try Event(id: "6", source: "/s", type: "t", dataContentType: "application/json", data: ByteBuffer()),
                try Event(id: "7", source: "/s", type: "t", time: Date(timeIntervalSince1970: 1_522_949_460.5)),
            ]
        } catch {
            Issue.record("could not build the round-trip events: \(error)")
            return []
        }
    }()

    @Test("decode(encode(event)) == event", arguments: 0..<7)
    func roundTrip(index: Int) throws {
        let event = try #require(Self.roundTripEvents.indices.contains(index) ? Self.roundTripEvents[index] : nil)
        let decoded = try CloudEventJSON.decode(try CloudEventJSON.encode(event))
        #expect(decoded == event)
    }

    @Test("binary data survives a round trip through data_base64")
    func binaryRoundTrip() throws {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        let event = try Event(
            id: "bin",
            source: "/s",
            type: "t",
            dataContentType: "application/octet-stream",
            data: ByteBuffer(bytes: bytes)
        )
        let encoded = try CloudEventJSON.encode(event)
        #expect(String(buffer: encoded).contains(#""data_base64":""#))
        #expect(!String(buffer: encoded).contains(#""data":"#))
        let decoded = try CloudEventJSON.decode(encoded)
        #expect(decoded.data.map { Array($0.readableBytesView) } == bytes)
        #expect(decoded == event)
    }
}
