import Herald
import NIOCore
import Testing

@Suite("JSON limits")
struct JSONLimitsTests {
    /// The error `body` throws, or `nil` (recorded as an issue) when it throws none.
    private func limitError(_ body: () throws(JSONLimitError) -> Void) -> JSONLimitError? {
        do {
            try body()
            Issue.record("expected a JSONLimitError")
            return nil
        } catch {
            return error
        }
    }

    @Test("the repro is refused as too deep where its 129th bracket opens, in under 10 ms")
    func refusesRepro() throws {
        let repro = try ForeignJSON.repro()
        #expect(repro.count == 513)
        let error = limitError { () throws(JSONLimitError) in try JSONLimits().check(ByteBuffer(bytes: repro)) }
        #expect(error?.code == .tooDeep)
        #expect(error?.limit == 128)
        #expect(error?.offset == 128)
        #expect(error?.message.contains("deeper than 128 levels: an array opens level 129 at byte 128") == true)
        let elapsed = ForeignJSON.fastest { _ = try? JSONLimits().check(repro) }
        #expect(elapsed < ForeignJSON.refusalBound, "took \(elapsed)")
    }

    @Test("nesting up to the limit passes, one level more does not", arguments: [1, 16, 128])
    func depthBoundary(limit: Int) {
        let limits = JSONLimits(maximumDepth: limit)
        #expect(throws: Never.self) { try limits.check(ForeignJSON.nestedArrays(depth: limit).utf8) }
        let error = limitError { () throws(JSONLimitError) in
            try limits.check(ForeignJSON.nestedArrays(depth: limit + 1).utf8)
        }
        #expect(error?.code == .tooDeep)
        #expect(error?.offset == limit)
    }

    @Test("objects count as levels as arrays do")
    func objectsCount() {
        let deep = String(repeating: #"{"a":"#, count: 3) + "1" + String(repeating: "}", count: 3)
        let error = limitError { () throws(JSONLimitError) in try JSONLimits(maximumDepth: 2).check(deep.utf8) }
        #expect(error?.code == .tooDeep)
        #expect(error?.message.contains("an object opens level 3") == true)
    }

    @Test(
        "brackets inside strings do not count, escaped quotes included",
        arguments: [
            #"["\#(String(repeating: "[", count: 1000))"]"#,
            #"{"k\"[[[[":"\\", "v":"\"{{{{{{"}"#,
            #"["\u005b\u005b\u005b\u005b"]"#,
        ]
    )
    func stringsDoNotCount(text: String) {
        #expect(throws: Never.self) { try JSONLimits(maximumDepth: 2).check(text.utf8) }
    }

    @Test("closing brackets never make room for deeper nesting later")
    func strayClosingBrackets() {
        let text = String(repeating: "]", count: 100) + ForeignJSON.nestedArrays(depth: 5)
        let error = limitError { () throws(JSONLimitError) in try JSONLimits(maximumDepth: 4).check(text.utf8) }
        #expect(error?.code == .tooDeep)
    }

    @Test("a document larger than maximumBytes is refused with its size")
    func tooLarge() {
        let text = "[" + String(repeating: "1,", count: 100) + "1]"
        let error = limitError { () throws(JSONLimitError) in try JSONLimits(maximumBytes: 64).check(text.utf8) }
        #expect(error?.code == .tooLarge)
        #expect(error?.limit == 64)
        #expect(error?.message.contains("\(text.utf8.count) bytes exceeds the limit of 64 bytes") == true)
        #expect(throws: Never.self) { try JSONLimits(maximumBytes: text.utf8.count).check(text.utf8) }
    }

    @Test("a maximum depth above the ceiling counts as the ceiling, where Foundation's decoder stops")
    func depthCeiling() {
        let limits = JSONLimits(maximumDepth: 10_000)
        #expect(throws: Never.self) { try limits.check(ForeignJSON.nestedArrays(depth: JSONLimits.depthCeiling).utf8) }
        let error = limitError { () throws(JSONLimitError) in
            try limits.check(ForeignJSON.nestedArrays(depth: JSONLimits.depthCeiling + 1).utf8)
        }
        #expect(error?.limit == JSONLimits.depthCeiling)
    }

    @Test("malformed JSON within the limits passes: the check leaves syntax to the decoder")
    func syntaxIsNotChecked() {
        #expect(throws: Never.self) { try JSONLimits().check("{[}] not json \"".utf8) }
    }
}
