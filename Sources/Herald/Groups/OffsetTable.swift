/// A map from offsets to values for a dense, sliding range of offsets: what a consumer group keeps per
/// dispatched event between its acknowledged floor and its cursor.
///
/// Backed by a ring of optional slots (a plain array, so the compiler specialises every access for the
/// element type) indexed by `offset - base`, so lookups, inserts and removals at
/// either end cost no hashing and no rehashing; the slots of a partition's in-flight window sit next to
/// each other in memory. Leading and trailing empty slots are dropped, so the ring spans only from the
/// lowest to the highest offset held. Meant for windows that stay compact (the group's floor to its
/// furthest dispatch); a far-away lone offset costs a slot for every offset in between.
package struct OffsetTable<Value>: Sequence {
    /// The ring: slot `i` of the table (offset `base + i`) lives at `storage[(head + i) % storage.count]`.
    private var storage: [Value?] = []
    private var head = 0
    /// Slots in use, from the lowest to the highest offset held.
    private var span = 0
    /// The offset of slot 0.
    private var base: Int64 = 0
    /// Values held (non-empty slots).
    package private(set) var count = 0

    /// An empty table.
    package init() {}

    /// Whether the table holds no value.
    package var isEmpty: Bool { count == 0 }

    private func slotIndex(_ offset: Offset) -> Int? {
        let index = offset.value &- base
        return index >= 0 && index < Int64(span) ? Int(index) : nil
    }

    private func physical(_ slot: Int) -> Int {
        let position = head + slot
        return position < storage.count ? position : position - storage.count
    }

    /// The value at `offset`, if any.
    package subscript(offset: Offset) -> Value? {
        get {
            guard let index = slotIndex(offset) else { return nil }
            return storage[physical(index)]
        }
        _modify {
            if let index = slotIndex(offset) {
                let position = physical(index)
                let wasHeld = storage[position] != nil
                yield &storage[position]
                let isHeld = storage[position] != nil
                if wasHeld != isHeld {
                    count += isHeld ? 1 : -1
                    if !isHeld { trim() }
                }
            } else {
                var value: Value? = nil
                yield &value
                if let value { insert(value, at: offset) }
            }
        }
    }

    /// Removes and returns the value at `offset`.
    @discardableResult
    package mutating func removeValue(forKey offset: Offset) -> Value? {
        guard let index = slotIndex(offset) else { return nil }
        let position = physical(index)
        guard let value = storage[position] else { return nil }
        storage[position] = nil
        count -= 1
        trim()
        return value
    }

    /// The values held, in offset order.
    package var values: [Value] { map(\.value) }

    /// Makes room for at least `capacity` slots, keeping slot order and restarting the ring at 0.
    private mutating func grow(to capacity: Int) {
        var larger = [Value?](repeating: nil, count: Swift.max(capacity, storage.count * 2, 16))
        for slot in 0..<span {
            larger[slot] = storage[physical(slot)]
        }
        storage = larger
        head = 0
    }

    private mutating func insert(_ value: Value, at offset: Offset) {
        if span == 0 {
            if storage.isEmpty { grow(to: 16) }
            base = offset.value
            head = 0
            span = 1
            storage[0] = value
        } else if offset.value < base {
            let gap = Int(base - offset.value)
            if span + gap > storage.count { grow(to: span + gap) }
            head = (head - gap + storage.count) % storage.count
            for slot in 1..<Swift.max(1, gap) { storage[physical(slot)] = nil }
            storage[head] = value
            span += gap
            base = offset.value
        } else {
            let index = Int(offset.value - base)
            if index + 1 > storage.count { grow(to: index + 1) }
            for slot in span..<index { storage[physical(slot)] = nil }
            storage[physical(index)] = value
            span = Swift.max(span, index + 1)
        }
        count += 1
    }

    /// Drops empty slots at both ends.
    private mutating func trim() {
        while span > 0, storage[head] == nil {
            head = head + 1 == storage.count ? 0 : head + 1
            base &+= 1
            span -= 1
        }
        while span > 0, storage[physical(span - 1)] == nil {
            span -= 1
        }
    }

    /// Iterates the held values with their offsets, in offset order.
    package struct Iterator: IteratorProtocol {
        private let table: OffsetTable
        private var slot = 0

        init(table: OffsetTable) {
            self.table = table
        }

        /// The next held value and its offset.
        package mutating func next() -> (key: Offset, value: Value)? {
            while slot < table.span {
                defer { slot += 1 }
                if let value = table.storage[table.physical(slot)] {
                    return (Offset(table.base &+ Int64(slot)), value)
                }
            }
            return nil
        }
    }

    /// An iterator over the held values and their offsets.
    package func makeIterator() -> Iterator {
        Iterator(table: self)
    }
}
