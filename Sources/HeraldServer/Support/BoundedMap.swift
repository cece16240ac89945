import DequeModule

/// A dictionary that keeps at most `capacity` keys, forgetting the oldest inserted first.
struct BoundedMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The most keys kept.
    let capacity: Int
    private var values: [Key: Value] = [:]
    private var order: Deque<Key> = []

    /// An empty map of at most `capacity` keys.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The value of `key`; setting one for a new key may forget the oldest.
    subscript(key: Key) -> Value? {
        get { values[key] }
        set {
            guard let newValue else {
                values[key] = nil
                return
            }
            if values.updateValue(newValue, forKey: key) == nil {
                order.append(key)
                while order.count > capacity, let oldest = order.popFirst() { values[oldest] = nil }
            }
        }
    }

    /// How many keys it holds.
    var count: Int { values.count }
}
