import Foundation
import Herald
import NIOCore

/// A filter over events, as the message browser takes it: clauses joined by `and`, each
/// `name operator value`. The name is a CloudEvents attribute (`id`, `type`, `source`, `subject`,
/// `time`, `datacontenttype`, `dataschema`), an extension (`correlationid`, any other), or a path into
/// the JSON data (`data.order.id`, `data.items.0.sku`). The operators are `==`, `!=`, `~=` (contains)
/// and `^=` (starts with); the value is a bare word or a double-quoted string (`\"` and `\\` inside).
/// For example `type == coffee.order-placed.v1 and data.size ~= large`.
///
/// Bounded: at most ``maximumLength`` characters and ``maximumClauses`` clauses; data is parsed only up
/// to ``dataLimits`` (deeper or larger data matches no data clause).
struct EventFilter: Sendable, Hashable, CustomStringConvertible {
    /// One comparison.
    struct Clause: Sendable, Hashable {
        /// How it compares.
        enum Operator: String, Sendable, Hashable {
            case equals = "=="
            case differs = "!="
            case contains = "~="
            case startsWith = "^="
        }

        /// The attribute, extension or `data.` path.
        var name: String
        /// How it compares.
        var comparison: Operator
        /// What it compares with.
        var value: String
    }

    /// The most characters a filter may have.
    static let maximumLength = 1_000
    /// The most clauses.
    static let maximumClauses = 16
    /// How much data a data clause parses.
    static let dataLimits = JSONLimits(maximumDepth: 32, maximumBytes: 1 << 20)

    /// The clauses, all of which must hold.
    var clauses: [Clause]

    /// Parses `text`.
    ///
    /// - Throws: ``EventFilterError`` saying where and what is wrong.
    init(parsing text: String) throws(EventFilterError) {
        guard text.count <= Self.maximumLength else { throw .tooLong(text.count) }
        var scanner = Scanner(text)
        var clauses: [Clause] = []
        while true {
            scanner.skipSpaces()
            if scanner.atEnd {
                if clauses.isEmpty { throw .expected("a clause such as type == coffee.order-placed.v1", at: scanner.position) }
                break
            }
            if !clauses.isEmpty {
                guard scanner.consumeWord("and") else { throw .expected("'and' between clauses", at: scanner.position) }
                scanner.skipSpaces()
            }
            let name = scanner.name()
            guard !name.isEmpty else { throw .expected("an attribute, extension or data.path", at: scanner.position) }
            scanner.skipSpaces()
            guard let comparison = scanner.comparison() else { throw .expected("==, !=, ~= or ^=", at: scanner.position) }
            scanner.skipSpaces()
            let value = try scanner.value()
            clauses.append(Clause(name: name, comparison: comparison, value: value))
            guard clauses.count <= Self.maximumClauses else { throw .tooManyClauses(Self.maximumClauses) }
        }
        self.clauses = clauses
    }

    /// Whether `event` passes every clause.
    func matches(_ event: Event) -> Bool {
        var data: JSONValue?? = nil
        for clause in clauses {
            let actual: String?
            if clause.name == "data" || clause.name.hasPrefix("data.") {
                if data == nil { data = .some(Self.parsedData(of: event)) }
                actual = (data ?? nil).flatMap { Self.value(at: clause.name.split(separator: ".").dropFirst(), in: $0) }
            } else {
                actual = Self.attribute(clause.name, of: event)
            }
            guard Self.holds(clause, actual) else { return false }
        }
        return true
    }

    var description: String {
        clauses.map { "\($0.name) \($0.comparison.rawValue) \"\($0.value)\"" }.joined(separator: " and ")
    }

    private static func holds(_ clause: Clause, _ actual: String?) -> Bool {
        switch clause.comparison {
        case .equals: actual == clause.value
        case .differs: actual != clause.value
        case .contains: actual?.contains(clause.value) ?? false
        case .startsWith: actual?.hasPrefix(clause.value) ?? false
        }
    }

    private static func attribute(_ name: String, of event: Event) -> String? {
        switch name {
        case "id": event.id
        case "type": event.type
        case "source": event.source
        case "subject": event.subject
        case "specversion": "1.0"
        case "time": event.time.map { RFC3339.format($0) }
        case "datacontenttype": event.dataContentType
        default: event.extensionValue(name)
        }
    }

    private static func parsedData(of event: Event) -> JSONValue? {
        guard let data = event.data else { return nil }
        return try? JSONValue(parsing: data, limits: dataLimits)
    }

    private static func value(at path: ArraySlice<Substring>, in document: JSONValue) -> String? {
        var current = document
        for step in path {
            switch current {
            case .object(let members):
                guard let next = members[String(step)] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(step), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        switch current {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .string(let value): return value
        case .array, .object: return (try? current.serialized()).map { String(buffer: $0) }
        }
    }
}

/// A message-browser filter could not be read.
enum EventFilterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// It is longer than ``EventFilter/maximumLength``.
    case tooLong(Int)
    /// It has more clauses than allowed.
    case tooManyClauses(Int)
    /// Something else was expected at a character position.
    case expected(String, at: Int)
    /// A quoted value does not end.
    case unterminatedString(at: Int)

    var description: String {
        switch self {
        case .tooLong(let count): "the filter has \(count) characters; at most \(EventFilter.maximumLength) are allowed"
        case .tooManyClauses(let most): "the filter has more than \(most) clauses; narrow it down"
        case .expected(let what, let position): "expected \(what) at character \(position + 1)"
        case .unterminatedString(let position): "the string starting at character \(position + 1) has no closing quote"
        }
    }
}

/// Reads a filter's text character by character.
private struct Scanner {
    private let characters: [Character]
    private(set) var position = 0

    init(_ text: String) {
        self.characters = Array(text)
    }

    var atEnd: Bool { position >= characters.count }

    mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    mutating func consumeWord(_ word: String) -> Bool {
        let letters = Array(word)
        guard position + letters.count <= characters.count,
            characters[position..<position + letters.count].map({ Character($0.lowercased()) }) == letters
        else { return false }
        let after = position + letters.count
        guard after == characters.count || characters[after].isWhitespace else { return false }
        position = after
        return true
    }

    mutating func name() -> String {
        let start = position
        while position < characters.count, characters[position].isLetter || characters[position].isNumber || "._-$".contains(characters[position]) {
            position += 1
        }
        return String(characters[start..<position])
    }

    mutating func comparison() -> EventFilter.Clause.Operator? {
        guard position + 2 <= characters.count else { return nil }
        let text = String(characters[position..<position + 2])
        guard let comparison = EventFilter.Clause.Operator(rawValue: text) else { return nil }
        position += 2
        return comparison
    }

    mutating func value() throws(EventFilterError) -> String {
        guard position < characters.count else { throw .expected("a value", at: position) }
        if characters[position] == "\"" {
            let start = position
            position += 1
            var value = ""
            while position < characters.count {
                let character = characters[position]
                position += 1
                if character == "\"" { return value }
                if character == "\\", position < characters.count {
                    value.append(characters[position])
                    position += 1
                } else {
                    value.append(character)
                }
            }
            throw .unterminatedString(at: start)
        }
        let start = position
        while position < characters.count, !characters[position].isWhitespace { position += 1 }
        return String(characters[start..<position])
    }
}
