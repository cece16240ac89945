import Foundation
import NIOCore

@testable import Herald

/// What must hold for any bytes given to the JSON parser and `CloudEventJSON`, fuzzed or kept as
/// regression cases: no crash, no hang, and whatever is accepted round-trips.
enum CloudEventJSONProperties {
    /// The longest any one decode may take before it counts as a hang (debug builds on a busy machine
    /// included; the inputs are a few KB).
    static let hangBound = Duration.milliseconds(100)

    /// A short description of what `input` led to (to tell new outcomes from seen ones), and every
    /// property it broke.
    static func check(_ input: [UInt8]) -> (outcome: String, problems: [String]) {
        let buffer = ByteBuffer(bytes: input)
        let (decoded, decodeProblems) = timed("CloudEventJSON.decode") { () -> (String, [String]) in
            do throws(CloudEventError) {
                return ("event", roundTripProblems(try CloudEventJSON.decode(buffer)))
            } catch {
                return (signature(error.message), [])
            }
        }
        let (_, batchProblems) = timed("CloudEventJSON.decodeBatch") { () -> (Void, [String]) in
            guard let events = try? CloudEventJSON.decodeBatch(buffer) else { return ((), []) }
            return ((), batchRoundTripProblems(events))
        }
        let (_, parserProblems) = timed("JSONValue(parsing:)") { () -> (Void, [String]) in
            ((), valueProblems(buffer))
        }
        return (decoded, decodeProblems + batchProblems + parserProblems)
    }

    private static func roundTripProblems(_ event: Event) -> [String] {
        do {
            let encoded = try CloudEventJSON.encode(event)
            let again = try CloudEventJSON.decode(encoded)
            var problems: [String] = []
            if again != event { problems.append("decode(encode(event)) != event: \(String(buffer: encoded))") }
            if try CloudEventJSON.encode(again) != encoded {
                problems.append("encode(decode(encode(event))) != encode(event): \(String(buffer: encoded))")
            }
            return problems
        } catch {
            return ["an accepted event does not round-trip: \(error)"]
        }
    }

    private static func batchRoundTripProblems(_ events: [Event]) -> [String] {
        do {
            let again = try CloudEventJSON.decodeBatch(try CloudEventJSON.encodeBatch(events))
            return again == events ? [] : ["decodeBatch(encodeBatch(events)) != events"]
        } catch {
            return ["an accepted batch does not round-trip: \(error)"]
        }
    }

    /// The parser against its own writer and against Foundation's parser: what it accepts, it writes in a
    /// form it reads back as the same value, and Foundation accepts too (the parser is the stricter one).
    private static func valueProblems(_ buffer: ByteBuffer) -> [String] {
        let withinLimits = (try? JSONLimits().check(buffer)) != nil
        let value: JSONValue
        do {
            value = try JSONValue(parsing: buffer)
        } catch {
            let isLimit = if case .limit = error.kind { true } else { false }
            return isLimit == withinLimits ? ["the limit check and the parser disagree: \(error)"] : []
        }
        var problems: [String] = []
        if !withinLimits { problems.append("the parser accepted what the limit check refused") }
        do {
            let serialized = try value.serialized()
            if try JSONValue(parsing: serialized) != value {
                problems.append("parse(serialize(value)) != value: \(String(buffer: serialized))")
            }
        } catch {
            problems.append("a parsed value does not serialise and parse again: \(error)")
        }
        let bytes = Data(buffer.readableBytesView)
        if (try? JSONSerialization.jsonObject(with: bytes, options: .fragmentsAllowed)) == nil {
            problems.append("the parser accepted what Foundation's JSONSerialization refuses")
        }
        return problems
    }

    /// The message with digits and quoted values blanked, so that outcomes differing only in them match.
    private static func signature(_ message: String) -> String {
        var result = ""
        var quoted = false
        for character in message {
            if character == "'" {
                quoted.toggle()
                result.append("'")
            } else if !quoted {
                result.append(character.isNumber ? "#" : character)
            }
        }
        return String(result.prefix(90))
    }

    /// `body`'s result and problems, with one more problem when it took longer than ``hangBound`` three
    /// times running (once could be the machine: the fuzzer shares it with builds).
    private static func timed<Result>(
        _ what: String,
        _ body: () -> (Result, [String])
    ) -> (Result, [String]) {
        var fastest = Duration.seconds(3600)
        var outcome: (Result, [String])?
        for _ in 0..<3 {
            let start = ContinuousClock.now
            outcome = body()
            fastest = min(fastest, ContinuousClock.now - start)
            if fastest <= hangBound { break }
        }
        guard let (result, problems) = outcome else { return body() }
        let slow = fastest > hangBound ? ["\(what) took \(fastest), three times running"] : []
        return (result, problems + slow)
    }
}
