/// The position of an event within one partition of a topic: 0 for the first, rising by one.
public struct Offset: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The offset as a number.
    public var value: Int64

    /// Creates an offset.
    public init(_ value: Int64) {
        self.value = value
    }

    /// Creates an offset from a literal.
    public init(integerLiteral value: Int64) {
        self.value = value
    }

    /// The offset after this one.
    public var next: Offset { Offset(value + 1) }

    public static func < (lhs: Offset, rhs: Offset) -> Bool { lhs.value < rhs.value }

    public var description: String { String(value) }
}
