import Foundation
import Herald
import NIOCore
import Testing

@testable import HeraldLog

@Suite("Record batch format")
struct RecordBatchTests {
    static func sampleEvent(_ index: Int) throws -> Event {
        try Event(
            id: "evt-\(index)",
            source: "/tests/log",
            type: "log.test.v1",
            subject: index.isMultiple(of: 2) ? "key-\(index % 5)" : nil,
            time: Date(timeIntervalSinceReferenceDate: 785_000_000.123_456_7 + Double(index)),
            dataContentType: "application/json",
            dataSchema: index.isMultiple(of: 3) ? "https://example.com/schema.json" : nil,
            extensions: ["correlationid": "flow-\(index)", "traceparent": "00-abc-def-01"],
            data: ByteBuffer(string: #"{"n":\#(index)}"#)
        )
    }

    static func encodedBatch(count: Int, base: Offset = 100) throws -> (ByteBuffer, [Event]) {
        let events = try (0..<count).map(sampleEvent)
        var buffer = ByteBuffer()
        let values = events.map { event -> (key: String?, value: ByteBuffer) in
            var value = ByteBuffer()
            EventEnvelope.encode(event, into: &value)
            return (event.partitionKey, value)
        }
        RecordBatch.encode(baseOffset: base, timestamp: 1_700_000_000_123, records: values, into: &buffer)
        return (buffer, events)
    }

    @Test("varints and zigzag values round-trip at their edges", arguments: [0, 1, 127, 128, 16_383, 16_384, Int64.max / 2, Int64.max])
    func varints(_ value: Int64) {
        let size = varintSize(UInt64(value)) + varintSize(zigZag(value)) + varintSize(zigZag(-value))
        var bytes = [UInt8](repeating: 0xEE, count: size + 1)
        let written = bytes.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return -1 }
            var writer = RawByteWriter(base)
            writer.writeVarint(UInt64(value))
            writer.writeZigZag(value)
            writer.writeZigZag(-value)
            return writer.written
        }
        // The computed sizes are exact: the encoders reserve space by them.
        #expect(written == size)
        #expect(bytes[size] == 0xEE)
        bytes.withUnsafeBytes { raw in
            var reader = RawByteReader(UnsafeRawBufferPointer(rebasing: raw[0..<size]))
            #expect(reader.readVarint() == UInt64(value))
            #expect(reader.readZigZag() == value)
            #expect(reader.readZigZag() == -value)
            #expect(reader.remaining == 0)
            #expect(reader.readVarint() == nil)
        }
    }

    @Test("an event envelope round-trips every attribute exactly, time to the bit")
    func envelopeRoundTrip() throws {
        for index in 0..<6 {
            let event = try Self.sampleEvent(index)
            var buffer = ByteBuffer()
            EventEnvelope.encode(event, into: &buffer)
            let decoded = try EventEnvelope.decode(buffer)
            #expect(decoded == event)
            #expect(decoded.time?.timeIntervalSinceReferenceDate.bitPattern == event.time?.timeIntervalSinceReferenceDate.bitPattern)
        }
        let bare = try Event(id: "1", source: "/s", type: "t")
        var buffer = ByteBuffer()
        EventEnvelope.encode(bare, into: &buffer)
        #expect(try EventEnvelope.decode(buffer) == bare)
    }

    @Test("a truncated envelope is an error, not a crash")
    func truncatedEnvelope() throws {
        var buffer = ByteBuffer()
        EventEnvelope.encode(try Self.sampleEvent(1), into: &buffer)
        for length in 0..<buffer.readableBytes {
            let prefix = buffer.getSlice(at: 0, length: length) ?? ByteBuffer()
            #expect(throws: EnvelopeError.self) { try EventEnvelope.decode(prefix) }
        }
    }

    @Test("a batch round-trips its records, offsets, keys and timestamps")
    func batchRoundTrip() throws {
        let (buffer, events) = try Self.encodedBatch(count: 7)
        guard case .batch(let batch, let header) = RecordBatch.parse(buffer) else {
            Issue.record("a freshly encoded batch did not parse")
            return
        }
        #expect(header.size == buffer.readableBytes)
        #expect(header.baseOffset == 100)
        #expect(header.lastOffset == 106)
        #expect(header.recordCount == 7)
        #expect(batch.records.map(\.offset.value) == Array(100...106))
        #expect(batch.records.map(\.key) == events.map(\.partitionKey))
        #expect(batch.records.allSatisfy { $0.timestamp == 1_700_000_000_123 })
        #expect(try batch.records.map { try EventEnvelope.decode($0.value) } == events)
    }

    @Test("every torn prefix of a batch is incomplete, never accepted")
    func tornBatch() throws {
        let (buffer, _) = try Self.encodedBatch(count: 3)
        for length in 0..<buffer.readableBytes {
            let prefix = buffer.getSlice(at: 0, length: length) ?? ByteBuffer()
            switch RecordBatch.parse(prefix) {
            case .incomplete: continue
            case .batch: Issue.record("a \(length)-byte prefix of a \(buffer.readableBytes)-byte batch parsed")
            case .corrupt(let reason): Issue.record("a torn prefix read as corrupt: \(reason)")
            }
        }
    }

    @Test("a flipped bit anywhere in a batch is detected")
    func flippedBits() throws {
        let (buffer, _) = try Self.encodedBatch(count: 3)
        for position in 0..<buffer.readableBytes {
            for bit in [0, 3, 7] {
                var damaged = buffer
                let byte: UInt8 = damaged.getInteger(at: position) ?? 0
                damaged.setInteger(byte ^ UInt8(1 << bit), at: position)
                if case .batch = RecordBatch.parse(damaged) {
                    Issue.record("a flipped bit at byte \(position) went unnoticed")
                }
            }
        }
    }
}
