import Herald
import Testing

/// Inputs kept from fuzzing `CloudEventJSON` (``CloudEventJSONFuzzTests``), minimised by hand: each
/// reached an outcome of its own, and most would have crashed or been misread before issue 10 was fixed.
/// Every one must hold the fuzz properties and end as it says.
@Suite("Fuzz regressions: CloudEvents JSON")
struct CloudEventJSONRegressionTests {
    /// An input and how it must end: `"event"`, or a fragment of the error message.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: [UInt8]
        var expected: String

        init(_ name: String, _ text: String, _ expected: String) {
            self.init(name, Array(text.utf8), expected)
        }

        init(_ name: String, _ input: [UInt8], _ expected: String) {
            self.name = name
            self.input = input
            self.expected = expected
        }

        var testDescription: String { name }
    }

    private static let head = #"{"specversion":"1.0","id":"1","source":"/s","type":"t""#

    static let cases: [Case] = [
        Case("513 '[' at the end of data", head + #","data":"# + String(repeating: "[", count: 513), "deeper than 128"),
        Case("129 objects deep, unclosed", String(repeating: #"{"a":"#, count: 129), "an object opens level 129"),
        Case(
            "data exactly at the depth limit",
            head + #","data":"# + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}",
            "event"
        ),
        Case(
            "data one level beyond the depth limit",
            head + #","data":"# + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}",
            "deeper than 128"
        ),
        Case(
            "brackets in a string do not count",
            head + #","subject":""# + String(repeating: "[", count: 600) + #""}"#,
            "event"
        ),
        Case("an escaped quote before brackets", head + #","subject":"\"[[[[\\"}"#, "event"),
        Case(
            "not UTF-8 in a member name",
            Array(#"{"spec"#.utf8) + [0xC0, 0x80] + Array(#"version":"1.0"}"#.utf8),
            "not valid UTF-8"
        ),
        Case(
            "not UTF-8 in an attribute of a batch element",
            Array(("[" + head + "},").utf8) + Array(#"{"specversion":"1.0","id":"2","type":"t","source":"/s"#.utf8) + [
                0xF6
            ]
                + Array(#""}]"#.utf8),
            "batch element 1: attribute 'source' is not a valid CloudEvents string"
        ),
        Case("the replacement character is an ordinary one", head + #","subject":""# + "\u{FFFD}" + #""}"#, "event"),
        Case(
            "raw surrogate bytes",
            Array((head + #","subject":""#).utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),
            "not valid UTF-8"
        ),
        Case("an unpaired surrogate escape in a member name", #"{"\udc00":1}"#, "unpaired surrogate"),
        Case("a byte order mark before the document", [0xEF, 0xBB, 0xBF] + Array((head + "}").utf8), "event"),
        Case(
            "a byte order mark as source",
            Array(#"{"specversion":"1.0","id":"1","type":"t","source":"/"#.utf8) + [0xEF, 0xBB, 0xBF]
                + Array(#""}"#.utf8),
            "URI-reference"
        ),
        Case("a trailing comma in a batch", "[" + head + "},]", "where a value should begin"),
        Case(
            "a duplicate in the second batch element",
            "[" + head + "}," + head + #","id":"2"}]"#,
            "batch element 1: attribute 'id' appears more than once"
        ),
        Case("a duplicate member inside data", head + #","data":{"a":1,"b":{"c":1,"c":2}}}"#, "(in data.b)"),
        Case("an underflowing extension number", head + #","comexample":1e-400}"#, "event"),
        Case("negative zero as an extension", head + #","comexample":-0.0}"#, "event"),
        Case("an extension just beyond 32 bits", head + #","comexample":2147483648}"#, "-2147483648...2147483647"),
        Case("an extension beyond 64 bits", head + #","comexample":18446744073709551616}"#, "-2147483648...2147483647"),
        Case("data too large for a double", head + #","data":1e400}"#, "too large for a 64-bit floating-point value"),
        Case("a NUL escape in an extension value", head + #","comexample":"a\u0000"}"#, "U+0000, a control character"),
        Case("a NUL escape in an extension name", head + #","com\u0000x":"a"}"#, "extension attribute name"),
        Case(
            "base64 JSON data with a JSON type",
            head + #","datacontenttype":"application/json","data_base64":"eyJhIjpbMSwyXX0="}"#,
            "event"
        ),
        Case("escaped slashes and Unicode in data", head + #","data":{"a\/b":"\u00e9\ud83d\ude00"}}"#, "event"),
        Case("a dataschema without a scheme", head + #","dataschema":"//host/schema"}"#, "absolute URI"),
        Case(
            "a source with an empty port",
            #"{"specversion":"1.0","id":"1","type":"t","source":"http://h:/p"}"#,
            "event"
        ),
    ]

    @Test("a kept input holds the fuzz properties and ends as expected", arguments: cases)
    func regression(_ testCase: Case) {
        let (outcome, problems) = CloudEventJSONProperties.check(testCase.input)
        #expect(problems.isEmpty, "\(problems)")
        if testCase.expected == "event" {
            #expect(outcome == "event", "\(outcome)")
        } else {
            let message: String
            do {
                _ = try CloudEventJSON.decode(testCase.input)
                message = "(decoded)"
            } catch {
                message = error.message
            }
            let batchMessage: String
            do {
                _ = try CloudEventJSON.decodeBatch(testCase.input)
                batchMessage = "(decoded)"
            } catch {
                batchMessage = error.message
            }
            #expect(
                message.contains(testCase.expected) || batchMessage.contains(testCase.expected),
                "decode: \(message); decodeBatch: \(batchMessage)"
            )
        }
    }
}
