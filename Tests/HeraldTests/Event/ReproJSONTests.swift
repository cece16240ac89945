import Herald
import NIOCore
import Testing

private struct Order: TypedEvent, Equatable {
    static let eventType = "test.order"
    var id: String
}

/// Issue 10, defect 1: 513 `[` crashed every place Herald's core decodes JSON it did not write.
@Suite("Foreign JSON in the core: the 513-bracket repro")
struct ReproJSONTests {
    private typealias Fixtures = CloudEventFixtures

    @Test("CloudEventJSON.decode refuses the repro with limitExceeded, in under 10 ms")
    func eventRefusesRepro() throws {
        let repro = try ForeignJSON.repro()
        let error = expectCloudEventError(Self.limitExceeded) {
            _ = try CloudEventJSON.decode(repro)
        }
        #expect(error?.message.contains("deeper than 128 levels") == true)
        let elapsed = ForeignJSON.fastest { _ = try? CloudEventJSON.decode(repro) }
        #expect(elapsed < ForeignJSON.refusalBound, "took \(elapsed)")
    }

    @Test("CloudEventJSON.decodeBatch refuses the repro with limitExceeded, in under 10 ms")
    func batchRefusesRepro() throws {
        let repro = try ForeignJSON.repro()
        let error = expectCloudEventError(Self.limitExceeded) {
            _ = try CloudEventJSON.decodeBatch(repro)
        }
        #expect(error?.batchIndex == nil)
        let elapsed = ForeignJSON.fastest { _ = try? CloudEventJSON.decodeBatch(repro) }
        #expect(elapsed < ForeignJSON.refusalBound, "took \(elapsed)")
    }

    @Test("the repro as an event's data is refused with limitExceeded")
    func reproAsData() throws {
        let repro = String(decoding: try ForeignJSON.repro(), as: UTF8.self)
        let text = String(Fixtures.document().dropLast()) + #","data":"# + repro + "]}"
        expectCloudEventError(Self.limitExceeded) {
            _ = try CloudEventJSON.decode(text)
        }
    }

    @Test("an event document nested 511 deep takes well under 10 ms (it took seconds)")
    func deepEventIsLinear() throws {
        let text = String(Fixtures.document().dropLast()) + #","data":"# + ForeignJSON.nestedArrays(depth: 510) + "}"
        let limits = JSONLimits(maximumDepth: 512)
        let event = try CloudEventJSON.decode(text, limits: limits)
        #expect(event.data?.readableBytes == 2 * 510 + 1)
        let elapsed = try ForeignJSON.fastest { _ = try CloudEventJSON.decode(text, limits: limits) }
        #expect(elapsed < .milliseconds(10), "took \(elapsed)")
        // The default limits refuse it.
        expectCloudEventError(Self.limitExceeded) {
            _ = try CloudEventJSON.decode(text)
        }
    }

    @Test("an event whose data is the repro is written with data_base64, and read back, without crashing")
    func encodesReproData() throws {
        let repro = try ForeignJSON.repro()
        let event = try Event(
            id: "1",
            source: "/s",
            type: "t",
            dataContentType: "application/json",
            data: ByteBuffer(bytes: repro)
        )
        let text = String(buffer: try CloudEventJSON.encode(event))
        #expect(text.contains(#""data_base64":""#))
        #expect(try CloudEventJSON.decode(text) == event)
    }

    @Test("typed-event data that is the repro is a contract error, in under 10 ms")
    func typedDataRefusesRepro() throws {
        let repro = try ForeignJSON.repro()
        let event = try Event(
            id: "deep-1",
            source: "/s",
            type: Order.cloudEventType,
            dataContentType: "application/json",
            data: ByteBuffer(bytes: repro)
        )
        do {
            _ = try event.decode(as: Order.self)
            Issue.record("expected an EventContractError")
        } catch {
            #expect(!error.isTypeMismatch)
            #expect(error.underlying is JSONLimitError)
            #expect(error.message.contains("deep-1"))
            #expect(error.message.contains("deeper than 128 levels"))
        }
        let elapsed = ForeignJSON.fastest { _ = try? event.decode(as: Order.self) }
        #expect(elapsed < ForeignJSON.refusalBound, "took \(elapsed)")
    }

    @Test("typed-event data deeper than the given limits is refused; within them it decodes")
    func typedDataLimits() throws {
        let event = try Event(Order(id: "o-1"), source: "/s")
        #expect(try event.decode(as: Order.self, limits: JSONLimits(maximumDepth: 1)) == Order(id: "o-1"))
        #expect(throws: EventContractError.self) {
            _ = try event.decode(as: Order.self, limits: JSONLimits(maximumBytes: 4))
        }
    }

    /// A `limitExceeded` error, for `expectCloudEventError`, which compares codes and attributes only.
    private static let limitExceeded: CloudEventError = {
        do throws(JSONLimitError) {
            try JSONLimits(maximumDepth: 0).check("[]".utf8)
        } catch {
            return .limitExceeded(error)
        }
        return .invalidJSON("JSONLimits(maximumDepth: 0) accepted '[]'")
    }()
}
