import Herald
import NIOCore
import Testing

import struct Foundation.Date

@Suite("CloudEvents JSON batch format")
struct CloudEventBatchTests {
    private typealias Fixtures = CloudEventFixtures

    @Test("an empty array is an empty batch", arguments: ["[]", " [ ]\n"])
    func emptyBatch(text: String) throws {
        #expect(try CloudEventJSON.decodeBatch(text).isEmpty)
    }

    @Test("an empty batch encodes as []")
    func encodeEmptyBatch() throws {
        #expect(String(buffer: try CloudEventJSON.encodeBatch([])) == "[]")
    }

    @Test("decodes a batch in order")
    func decodesBatch() throws {
        let text = "[" + ["1", "2", "3"].map { Fixtures.document(["id": "\"\($0)\""]) }.joined(separator: ",") + "]"
        let events = try CloudEventJSON.decodeBatch(text)
        #expect(events.map(\.id) == ["1", "2", "3"])
        #expect(try CloudEventJSON.decodeBatch(Array(text.utf8)) == events)
        #expect(try CloudEventJSON.decodeBatch(ByteBuffer(string: text)) == events)
    }

    @Test("decodeBatch(encodeBatch(events)) == events")
    func roundTrip() throws {
        let events = [
            try Event(id: "1", source: "/s", type: "t"),
            try Event(
                id: "2",
                source: "/s",
                type: "t",
                subject: "x",
                time: Fixtures.time,
                dataContentType: "application/json",
                extensions: ["correlationid": "c"],
                data: ByteBuffer(string: #"{"a":[true,null]}"#)
            ),
            try Event(id: "3", source: "/s", type: "t", dataContentType: "text/plain", data: ByteBuffer(string: "hi")),
            try Event(id: "4", source: "/s", type: "t", data: ByteBuffer(bytes: [0xDE, 0xAD, 0xBE, 0xEF])),
        ]
        let encoded = try CloudEventJSON.encodeBatch(events)
        #expect(try CloudEventJSON.decodeBatch(encoded) == events)
        // Each element is also a valid single event on its own.
        #expect(try events.map { try CloudEventJSON.decode(CloudEventJSON.encode($0)) } == events)
    }

    @Test("a batch that is not a JSON array is rejected", arguments: ["{}", Fixtures.document(), #""x""#, "5", "null"])
    func notAnArray(text: String) {
        let error = expectCloudEventError(.invalidJSON("")) {
            _ = try CloudEventJSON.decodeBatch(text)
        }
        #expect(error?.message.contains("JSON array") == true)
        #expect(error?.batchIndex == nil)
    }

    @Test("malformed batch JSON is rejected", arguments: ["", "[", "[{]", "[1,]", "[] []"])
    func malformed(text: String) {
        expectCloudEventError(.invalidJSON("")) {
            _ = try CloudEventJSON.decodeBatch(text)
        }
    }

    @Test("an invalid element is reported with its index and keeps its code and attribute")
    func invalidElement() {
        let text = "[" + Fixtures.document() + "," + Fixtures.document(["id": nil]) + "]"
        let error = expectCloudEventError(.missingAttribute("id")) {
            _ = try CloudEventJSON.decodeBatch(text)
        }
        #expect(error?.batchIndex == 1)
        #expect(error?.message == "batch element 1: required attribute 'id' is missing")
    }

    @Test("an element that is not an object is reported with its index", arguments: ["5", "[]", #""e""#, "null"])
    func elementNotObject(element: String) {
        let text = "[" + Fixtures.document() + "," + Fixtures.document() + "," + element + "]"
        let error = expectCloudEventError(.invalidJSON("")) {
            _ = try CloudEventJSON.decodeBatch(text)
        }
        #expect(error?.batchIndex == 2)
        #expect(error?.message.hasPrefix("batch element 2: ") == true)
    }

    @Test("the first invalid element is the one reported")
    func firstInvalidElement() {
        let text = "[" + Fixtures.document(["specversion": #""0.3""#]) + "," + Fixtures.document(["id": "1"]) + "]"
        let error = expectCloudEventError(.unsupportedSpecVersion("0.3")) {
            _ = try CloudEventJSON.decodeBatch(text)
        }
        #expect(error?.batchIndex == 0)
    }

    @Test("encoding a batch names the element that cannot be written")
    func encodeInvalidElement() throws {
        var broken = try Event(id: "1", source: "/s", type: "t")
        broken.source = ""
        let error = expectCloudEventError(.emptyAttribute("source")) {
            _ = try CloudEventJSON.encodeBatch([try Event(id: "0", source: "/s", type: "t"), broken])
        }
        #expect(error?.batchIndex == 1)
        #expect(error?.message.contains("batch element 1") == true)
    }
}
