import Foundation
import Herald

/// The topics a grant covers: a topic name in which `*` stands for any run of characters (none included),
/// so `orders` is one topic, `orders.*` every topic under `orders.`, and `*` every topic.
public struct TopicPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    private let pieces: [Substring]

    /// The pattern `text`.
    ///
    /// - Throws: ``TopicPatternError`` when `text` is empty, too long, or holds a character no topic name
    ///   holds (see ``Herald/TopicName``) other than `*`.
    public init(_ text: String) throws(TopicPatternError) {
        guard !text.isEmpty, text.utf8.count <= TopicName.maximumLength else {
            throw TopicPatternError(pattern: text, reason: "must hold 1 to \(TopicName.maximumLength) characters")
        }
        if let bad = text.first(where: { !$0.isASCII || !($0.isLetter || $0.isNumber || "._-*".contains($0)) }) {
            throw TopicPatternError(pattern: text, reason: "holds '\(bad)'; a pattern holds letters, digits, '.', '_', '-' and '*'")
        }
        self.text = text
        self.pieces = text.split(separator: "*", omittingEmptySubsequences: false)
    }

    /// Whether `topic` is one of the topics the pattern covers.
    public func matches(_ topic: String) -> Bool {
        guard pieces.count > 1 else { return topic == text }
        var rest = Substring(topic)
        guard let first = pieces.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        let last = pieces[pieces.count - 1]
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let range = rest.range(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.count >= last.count && rest.hasSuffix(last)
    }

    /// Whether the pattern covers every topic.
    public var coversEveryTopic: Bool { pieces.allSatisfy(\.isEmpty) }

    public var description: String { text }
}

/// A topic pattern that cannot be one.
public struct TopicPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public var pattern: String
    /// What is wrong with it.
    public var reason: String

    public var description: String { "the topic pattern '\(pattern)' \(reason)" }
}
