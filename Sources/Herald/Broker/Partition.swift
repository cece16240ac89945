/// The index of one partition of a topic, from 0 to the topic's partition count minus one.
public struct Partition: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The index.
    public var index: Int

    /// Creates a partition index.
    public init(_ index: Int) {
        self.index = index
    }

    /// Creates a partition index from a literal.
    public init(integerLiteral value: Int) {
        self.index = value
    }

    public static func < (lhs: Partition, rhs: Partition) -> Bool { lhs.index < rhs.index }

    public var description: String { String(index) }
}
