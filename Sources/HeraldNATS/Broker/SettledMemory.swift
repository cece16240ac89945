/// How a group runtime settled its latest messages, per partition, so that a copy the server still sends
/// (a redelivery it queued before the settlement reached it) is settled again instead of handed out twice.
///
/// Each partition has a fixed number of slots, a power of two; a message lives in the slot its stream
/// sequence selects and stays until a later settlement of the same slot replaces it. Messages settle
/// mostly in sequence order, so a partition remembers about its latest `slotsPerPartition` settlements —
/// in constant time and without hashing, which matters because this is noted for every acknowledgement
/// and looked up for every arriving message.
struct SettledMemory: Sendable {
    /// One remembered settlement; sequence 0 (which JetStream never uses) marks an empty slot.
    private struct Slot: Sendable {
        var sequence: UInt64 = 0
        var terminated = false
    }

    private var slots: [Slot]
    private let slotsPerPartition: Int
    /// The partitions remembered.
    let partitions: Int

    /// A memory of about `capacity` settlements spread over `partitions` (at least 256 per partition).
    init(partitions: Int, capacity: Int = 4_096) {
        self.partitions = max(partitions, 1)
        let wanted = max(256, capacity / self.partitions)
        var size = 256
        while size < wanted { size <<= 1 }
        slotsPerPartition = size
        slots = Array(repeating: Slot(), count: size * self.partitions)
    }

    private func index(of key: MessageKey) -> Int? {
        guard key.partition >= 0, key.partition < partitions else { return nil }
        return key.partition * slotsPerPartition + Int(key.sequence & UInt64(slotsPerPartition - 1))
    }

    /// How the message of `key` was settled, if it is remembered: `.ack` or `.term`.
    func settlement(of key: MessageKey) -> JetStreamAck? {
        guard let index = index(of: key), slots[index].sequence == key.sequence, key.sequence != 0 else { return nil }
        return slots[index].terminated ? .term : .ack
    }

    /// Remembers that the message of `key` was acknowledged (`.ack`) or terminated (any other verb).
    mutating func note(_ key: MessageKey, _ ack: JetStreamAck) {
        guard let index = index(of: key) else { return }
        slots[index] = Slot(sequence: key.sequence, terminated: ack != .ack)
    }

    /// Forgets what is remembered of `partition` (its consumer was re-created).
    mutating func forget(partition: Int) {
        guard partition >= 0, partition < partitions else { return }
        let start = partition * slotsPerPartition
        for index in start..<(start + slotsPerPartition) { slots[index] = Slot() }
    }

    /// Whether nothing is remembered.
    var isEmpty: Bool { !slots.contains { $0.sequence != 0 } }
}
