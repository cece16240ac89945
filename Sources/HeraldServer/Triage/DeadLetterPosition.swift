import Herald

/// Where a dead letter is stored: its partition and offset in the group's dead-letter topic, written
/// `<partition>:<offset>`.
public struct DeadLetterPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The dead-letter topic's partition.
    public var partition: Int
    /// The offset there.
    public var offset: Int64

    /// The position `offset` of `partition`.
    public init(partition: Int, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }

    /// The position written `<partition>:<offset>`, or `nil` when `text` is not one.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 9, let partition = Int(parts[0]), partition >= 0, let offset = Int64(parts[1]), offset >= 0
        else { return nil }
        self.init(partition: partition, offset: offset)
    }

    public var description: String { "\(partition):\(offset)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.partition, lhs.offset) < (rhs.partition, rhs.offset)
    }
}

/// A set of dead-letter positions, kept as ranges of offsets per partition (a redrive of 100,000
/// consecutive dead letters is one range), as the audit log records them.
struct DeadLetterPositions: Sendable, Hashable, Codable {
    /// Per partition, sorted disjoint half-open ranges `[start, end)`.
    private(set) var ranges: [Int: [[Int64]]] = [:]

    init() {}

    init(_ positions: some Sequence<DeadLetterPosition>) {
        for partition in Dictionary(grouping: positions, by: \.partition) {
            var list: [[Int64]] = []
            for offset in partition.value.map(\.offset).sorted() {
                if let last = list.last, last[1] == offset {
                    list[list.count - 1][1] = offset + 1
                } else if let last = list.last, last[1] > offset {
                    continue
                } else {
                    list.append([offset, offset + 1])
                }
            }
            ranges[partition.key] = list
        }
    }

    /// How many positions the set holds.
    var count: Int {
        ranges.values.reduce(0) { total, list in total + list.reduce(0) { $0 + Int($1[1] - $1[0]) } }
    }

    func contains(_ position: DeadLetterPosition) -> Bool {
        guard let list = ranges[position.partition] else { return false }
        // Binary search for the last range starting at or before the offset.
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle][0] <= position.offset { low = middle + 1 } else { high = middle }
        }
        return low > 0 && position.offset < list[low - 1][1]
    }

    /// Adds every position of `other`.
    mutating func formUnion(_ other: DeadLetterPositions) {
        for (partition, list) in other.ranges {
            let merged = ((ranges[partition] ?? []) + list.filter { $0.count == 2 && $0[0] < $0[1] }).sorted { $0[0] < $1[0] }
            var result: [[Int64]] = []
            for range in merged {
                if let last = result.last, range[0] <= last[1] {
                    result[result.count - 1][1] = max(last[1], range[1])
                } else {
                    result.append(range)
                }
            }
            ranges[partition] = result
        }
    }

    // Encoded as {"0": [[start, end], …]}: JSON keys are strings.
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let keyed = try container.decode([String: [[Int64]]].self)
        var decoded = DeadLetterPositions()
        for (key, list) in keyed {
            guard let partition = Int(key) else { continue }
            var one = DeadLetterPositions()
            one.ranges[partition] = list
            decoded.formUnion(one)
        }
        self = decoded
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: ranges.map { (String($0.key), $0.value) }))
    }
}
