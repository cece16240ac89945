/// The messages a group runtime holds, by key, counting those awaiting a local redelivery so that a
/// member's take looks for due redeliveries only when there are any (instead of scanning every held
/// message on every take).
struct EntryTable: Sequence {
    private var storage: [MessageKey: Entry] = [:]
    /// Entries whose status is ``EntryStatus/awaiting(_:)``.
    private(set) var awaitingCount = 0

    /// The entry of `key`, if held.
    subscript(key: MessageKey) -> Entry? {
        get { storage[key] }
        set {
            if let old = storage[key], old.status.isAwaiting { awaitingCount -= 1 }
            if let new = newValue, new.status.isAwaiting { awaitingCount += 1 }
            storage[key] = newValue
        }
    }

    /// Entries held.
    var count: Int { storage.count }

    /// Whether none is held.
    var isEmpty: Bool { storage.isEmpty }

    /// The keys held.
    var keys: Dictionary<MessageKey, Entry>.Keys { storage.keys }

    /// Forgets every entry.
    mutating func removeAll() {
        storage.removeAll()
        awaitingCount = 0
    }

    /// Iterates the entries with their keys.
    func makeIterator() -> Dictionary<MessageKey, Entry>.Iterator {
        storage.makeIterator()
    }
}

extension EntryStatus {
    /// Whether the entry waits for a local redelivery.
    var isAwaiting: Bool {
        if case .awaiting = self { return true }
        return false
    }
}
