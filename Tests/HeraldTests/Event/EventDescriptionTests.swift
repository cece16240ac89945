import Herald
import NIOCore
import Testing

@Suite("Event: description")
struct EventDescriptionTests {
    @Test("printing an event shows its attributes and a preview of its data, not storage internals")
    func readable() throws {
        let event = try Event(
            id: "evt-1", source: "/orders", type: "order.placed.v1", subject: "A-1", extensions: ["traceparent": "00-abc-def-01"],
            data: ByteBuffer(string: #"{"orderID":"A-1"}"#))
        let text = "\(event)"
        #expect(
            text == #"Event(id: evt-1, source: /orders, type: order.placed.v1, subject: A-1, traceparent: 00-abc-def-01, data: 17 bytes "{"orderID":"A-1"}")"#)
        #expect(!text.contains("storage"))
    }

    @Test("binary data is shown by its size only; long text is cut at 64 bytes")
    func dataPreview() throws {
        let binary = try Event(id: "b", source: "/s", type: "t.v1", data: ByteBuffer(bytes: [0, 1, 2, 0xFF]))
        #expect("\(binary)".hasSuffix("data: 4 bytes)"))
        let long = try Event(id: "l", source: "/s", type: "t.v1", data: ByteBuffer(string: String(repeating: "x", count: 100)))
        #expect("\(long)".hasSuffix("data: 100 bytes \"" + String(repeating: "x", count: 64) + "…\")"))
    }
}
