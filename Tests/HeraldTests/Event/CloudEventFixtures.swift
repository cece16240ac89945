import Herald
import NIOCore
import Testing

import struct Foundation.Date

/// Shared helpers for the CloudEvents tests.
enum CloudEventFixtures {
    /// A minimal valid event document with `members` merged in (a `nil` value removes the member).
    /// Values are raw JSON text.
    static func document(_ members: [String: String?] = [:]) -> String {
        var all: [String: String?] = [
            "specversion": #""1.0""#,
            "id": #""A234-1234-1234""#,
            "source": #""/cloudevents/spec/pull""#,
            "type": #""com.example.someevent""#,
        ]
        for (name, value) in members {
            all[name] = value
        }
        let body = all.compactMap { name, value in value.map { "\"\(name)\":\($0)" } }.sorted()
        return "{" + body.joined(separator: ",") + "}"
    }

    /// The readable bytes of `buffer` as UTF-8 text.
    static func text(_ buffer: ByteBuffer?) -> String? {
        buffer.map { String(buffer: $0) }
    }

    /// A time with whole milliseconds, which RFC 3339 with milliseconds round-trips exactly.
    static let time = Date(timeIntervalSince1970: 1_763_899_200.125)
}

/// Checks that `body` throws a ``CloudEventError`` with the same code and attribute as `expected`,
/// and returns it.
@discardableResult
func expectCloudEventError(
    _ expected: CloudEventError,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> CloudEventError? {
    do {
        try body()
        Issue.record("expected \(expected), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as CloudEventError {
        #expect(error.hasSameCode(as: expected), "got \(error), expected \(expected)", sourceLocation: sourceLocation)
        #expect(error.attribute == expected.attribute, "got \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected \(expected), but got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
