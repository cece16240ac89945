import DequeModule

/// A map from offsets to values for a dense, sliding range of offsets: what a consumer group keeps per
/// dispatched event between its acknowledged floor and its cursor.
///
/// Backed by a ring of optional slots indexed by `offset - base`, so lookups, inserts and removals at
/// either end cost no hashing and no rehashing; the slots of a partition's in-flight window sit next to
/// each other in memory. Leading and trailing empty slots are dropped, so the ring spans only from the
/// lowest to the highest offset held. Meant for windows that stay compact (the group's floor to its
/// furthest dispatch); a far-away lone offset costs a slot for every offset in between.
package struct OffsetTable<Value>: Sequence {
    private var slots: Deque<Value?> = []
    /// The offset of `slots[0]`.
    private var base: Int64 = 0
    /// Values held (non-empty slots).
    package private(set) var count = 0

    /// An empty table.
    package init() {}

    /// Whether the table holds no value.
    package var isEmpty: Bool { count == 0 }

    private func slotIndex(_ offset: Offset) -> Int? {
        let index = offset.value &- base
        return index >= 0 && index < Int64(slots.count) ? Int(index) : nil
    }

    /// The value at `offset`, if any.
    package subscript(offset: Offset) -> Value? {
        get {
            guard let index = slotIndex(offset) else { return nil }
            return slots[index]
        }
        _modify {
            if let index = slotIndex(offset) {
                let wasHeld = slots[index] != nil
                yield &slots[index]
                let isHeld = slots[index] != nil
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
        guard let index = slotIndex(offset), let value = slots[index] else { return nil }
        slots[index] = nil
        count -= 1
        trim()
        return value
    }

    /// The values held, in offset order.
    package var values: [Value] { slots.compactMap { $0 } }

    private mutating func insert(_ value: Value, at offset: Offset) {
        if slots.isEmpty {
            base = offset.value
            slots.append(value)
        } else if offset.value < base {
            let gap = Int(base - offset.value)
            slots.prepend(contentsOf: repeatElement(nil, count: gap - 1))
            slots.prepend(value)
            base = offset.value
        } else {
            let index = Int(offset.value - base)
            if index >= slots.count {
                slots.append(contentsOf: repeatElement(nil, count: index - slots.count))
                slots.append(value)
            } else {
                slots[index] = value
            }
        }
        count += 1
    }

    /// Drops empty slots at both ends.
    private mutating func trim() {
        while let first = slots.first, first == nil {
            slots.removeFirst()
            base &+= 1
        }
        while let last = slots.last, last == nil {
            slots.removeLast()
        }
    }

    /// Iterates the held values with their offsets, in offset order.
    package struct Iterator: IteratorProtocol {
        private var slots: Deque<Value?>.Iterator
        private var offset: Int64

        init(slots: Deque<Value?>, base: Int64) {
            self.slots = slots.makeIterator()
            self.offset = base
        }

        /// The next held value and its offset.
        package mutating func next() -> (key: Offset, value: Value)? {
            while let slot = slots.next() {
                defer { offset &+= 1 }
                if let value = slot { return (Offset(offset), value) }
            }
            return nil
        }
    }

    /// An iterator over the held values and their offsets.
    package func makeIterator() -> Iterator {
        Iterator(slots: slots, base: base)
    }
}
