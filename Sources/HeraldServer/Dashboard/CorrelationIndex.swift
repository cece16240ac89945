import DequeModule
import Herald

/// Where the events of each correlation id are stored, for the trace view: bounded in the ids it keeps
/// (the oldest is forgotten first) and in the positions per id.
struct CorrelationIndex: Sendable {
    /// Where one event is stored.
    struct Position: Hashable, Sendable {
        var topic: String
        var partition: Partition
        var offset: Offset
    }

    /// The most correlation ids kept.
    let maximumIDs: Int
    /// The most positions kept per id; more are counted as ``truncated(_:)``.
    let maximumPositions: Int
    private var positions: [String: [Position]] = [:]
    private var order: Deque<String> = []
    private var overflowing: Set<String> = []

    /// An empty index of at most `maximumIDs` ids with `maximumPositions` positions each.
    init(maximumIDs: Int = 100_000, maximumPositions: Int = 1_000) {
        self.maximumIDs = maximumIDs
        self.maximumPositions = maximumPositions
    }

    /// Records that an event of flow `correlationID` is stored at `position`.
    mutating func record(_ correlationID: String, at position: Position) {
        if positions[correlationID] == nil {
            if order.count >= maximumIDs, let oldest = order.popFirst() {
                positions[oldest] = nil
                overflowing.remove(oldest)
            }
            order.append(correlationID)
        }
        if positions[correlationID, default: []].count < maximumPositions {
            positions[correlationID, default: []].append(position)
        } else {
            overflowing.insert(correlationID)
        }
    }

    /// The positions of `correlationID`'s events, in the order they were seen.
    func positions(of correlationID: String) -> [Position] {
        positions[correlationID] ?? []
    }

    /// Whether `correlationID` had more events than the index keeps.
    func truncated(_ correlationID: String) -> Bool {
        overflowing.contains(correlationID)
    }

    /// The ids known, newest first, at most `limit`.
    func recent(_ limit: Int) -> [String] {
        Array(order.suffix(limit).reversed())
    }
}
