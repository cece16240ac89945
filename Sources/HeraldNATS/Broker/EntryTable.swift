/// The messages a group runtime holds, by key, counting those awaiting a local redelivery so that a
/// member's take looks for due redeliveries only when there are any (instead of scanning every held
/// message on every take).
struct EntryTable: Sequence {
    private var storage: [MessageKey: Entry] = [:]
    /// Entries whose status is ``EntryStatus/awaiting(_:)``.
    private(set) var awaitingCount = 0

    /// The entry of `key`, if held. Setting moves the old entry out instead of copying it.
    subscript(key: MessageKey) -> Entry? {
        get { storage[key] }
        set {
            guard let newValue else {
                _ = remove(key)
                return
            }
            if newValue.status.isAwaiting { awaitingCount += 1 }
            if let old = storage.updateValue(newValue, forKey: key), old.status.isAwaiting { awaitingCount -= 1 }
        }
    }

    /// Changes the entry of `key` in place (without copying it) and returns what `change` returns; `nil`
    /// when none is held.
    mutating func modify<Result>(_ key: MessageKey, _ change: (inout Entry) -> Result) -> Result? {
        guard let index = storage.index(forKey: key) else { return nil }
        let (wasAwaiting, result, isAwaiting) = Self.apply(change, to: &storage.values[index])
        if wasAwaiting != isAwaiting { awaitingCount += isAwaiting ? 1 : -1 }
        return result
    }

    private static func apply<Result>(_ change: (inout Entry) -> Result, to entry: inout Entry) -> (Bool, Result, Bool) {
        let wasAwaiting = entry.status.isAwaiting
        let result = change(&entry)
        return (wasAwaiting, result, entry.status.isAwaiting)
    }

    /// Removes and returns the entry of `key` (moved out, not copied).
    mutating func remove(_ key: MessageKey) -> Entry? {
        guard let old = storage.removeValue(forKey: key) else { return nil }
        if old.status.isAwaiting { awaitingCount -= 1 }
        return old
    }

    /// What ``remove(_:unless:)`` found.
    enum Removal {
        /// No entry of the key is held.
        case absent
        /// The entry is held and stays (the condition kept it).
        case kept
        /// The entry, removed.
        case removed(Entry)
    }

    /// Removes the entry of `key` unless `keep` says to keep it, with one lookup.
    mutating func remove(_ key: MessageKey, unless keep: (Entry) -> Bool) -> Removal {
        guard let index = storage.index(forKey: key) else { return .absent }
        if keep(storage.values[index]) { return .kept }
        let old = storage.remove(at: index).value
        if old.status.isAwaiting { awaitingCount -= 1 }
        return .removed(old)
    }

    /// Whether an entry of `key` is held.
    func contains(_ key: MessageKey) -> Bool {
        storage.index(forKey: key) != nil
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

    /// Whether the entry is being moved to the dead-letter topic.
    var isDeadLettering: Bool {
        if case .deadLettering = self { return true }
        return false
    }
}
