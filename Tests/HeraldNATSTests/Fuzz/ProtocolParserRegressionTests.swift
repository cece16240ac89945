import Testing

@testable import HeraldNATS

/// Inputs kept from fuzzing the NATS protocol parser (``ProtocolParserFuzzTests``), minimised by hand:
/// each reached an outcome of its own, and the `INFO` ones crashed the client before issue 10 was fixed.
/// Every one must hold the fuzz properties, split at every byte, and end as it says.
@Suite("Fuzz regressions: NATS protocol parser")
struct ProtocolParserRegressionTests {
    /// An input and how it must end: ``ProtocolParserProperties/Outcome``'s description.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: [UInt8]
        var expected: String

        init(_ name: String, _ text: String, _ expected: String) {
            self.name = name
            self.input = Array(text.utf8)
            self.expected = expected
        }

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case("INFO of 513 '['", "INFO " + String(repeating: "[", count: 513) + "\r\n", "error invalidInfo"),
        Case(
            "INFO of 513 '[' closed",
            "INFO " + String(repeating: "[", count: 513) + String(repeating: "]", count: 513) + "\r\n",
            "error invalidInfo"
        ),
        Case(
            "INFO of 600 objects",
            "INFO " + String(repeating: #"{"a":"#, count: 600) + "\r\nPING\r\n",
            "error invalidInfo"
        ),
        Case(
            "INFO with brackets inside a string",
            #"INFO {"server_id":""# + String(repeating: "[", count: 600) + #"","version":"2.10.0"}"# + "\r\nPING\r\n",
            "INFO PING done"
        ),
        Case(
            "INFO with an escaped quote before brackets",
            #"INFO {"server_id":"\"[[[","version":"2.10.0","max_payload":64}"# + "\r\n",
            "INFO done"
        ),
        Case("INFO that is not JSON", "INFO {\"server_id\":\u{FF}}\r\n", "error invalidInfo"),
        Case("INFO without its line feed yet", #"INFO {"server_id":"S","version":"2"}"# + "\r", "waiting"),
        Case("a size of seventeen digits", "MSG a 1 99999999999999999\r\n", "error invalidNumber"),
        Case("more header bytes than total bytes", "HMSG a 1 77 43\r\n", "error headerSizeExceedsTotal"),
        Case("a payload without its CRLF", "MSG a 1 3\r\nabcd\r\n", "error missingPayloadTerminator"),
        Case("a header block without its version line", "HMSG a 1 6 6\r\nX: 1\r\n\r\n", "error invalidHeaders"),
        Case("a NUL inside an operation", "PI\u{0}NG\r\n", "error unknownOperation"),
        Case("frames before an unknown operation", "PING\r\n+OK\r\nMSGSG x 1 3\r\n", "+OK PING error unknownOperation"),
        Case("an empty stream", "", "done"),
    ]

    @Test("a kept input holds the fuzz properties at every split and ends as expected", arguments: cases)
    func regression(_ testCase: Case) {
        for cut in 0...testCase.input.count {
            let (outcome, problems) = ProtocolParserProperties.check(testCase.input, cuts: [cut])
            #expect(problems.isEmpty, "split at \(cut): \(problems)")
            #expect(outcome == testCase.expected)
            if !problems.isEmpty || outcome != testCase.expected { break }
        }
    }
}
