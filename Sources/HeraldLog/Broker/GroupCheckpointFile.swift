import Foundation
import Herald
import NIOCore
import NIOFoundationCompat

/// A consumer group's persisted state: its settings and, per partition, the acknowledged floor, the
/// acknowledged offsets above it and the delivery counts of unacknowledged events, and whether it is paused
/// (`groups/<topic>/<group>.json`).
struct GroupCheckpointFile: Codable {
    struct PartitionState: Codable {
        var floor: Int64
        var acknowledged: [Int64]
        /// (offset, deliveries) pairs.
        var attempts: [[Int64]]
    }

    var version = 1
    var topic: String
    var group: String
    var ackDeadlineMilliseconds: Int64
    var maximumDeliveries: Int
    var deadLetterTopic: String?
    var startsAtLatest: Bool
    var perKeyOrdering: Bool
    /// Whether an operator paused the group; absent (files written before pausing existed) means no.
    var paused: Bool?
    var partitions: [PartitionState]

    init(topic: String, checkpoint group: GroupCheckpoint) {
        self.topic = topic
        self.group = group.group
        let options = group.options
        let checkpoint = group.partitions
        paused = group.isPaused ? true : nil
        ackDeadlineMilliseconds = options.ackDeadline.milliseconds
        maximumDeliveries = options.maximumDeliveries
        deadLetterTopic = options.deadLetterTopic
        startsAtLatest = options.startPosition == .latest
        perKeyOrdering = options.ordering == .perKey
        partitions = checkpoint.map { partition in
            PartitionState(
                floor: partition.floor.value,
                acknowledged: partition.acknowledged.map(\.value),
                attempts: partition.attempts.sorted { $0.key < $1.key }.map { [$0.key.value, Int64($0.value)] }
            )
        }
    }

    var options: SubscriptionOptions {
        SubscriptionOptions(
            ackDeadline: .milliseconds(ackDeadlineMilliseconds),
            maximumDeliveries: maximumDeliveries,
            deadLetterTopic: deadLetterTopic,
            startPosition: startsAtLatest ? .latest : .earliest,
            ordering: perKeyOrdering ? .perKey : .unordered
        )
    }

    var checkpoint: [PartitionCheckpoint] {
        partitions.map { partition in
            var attempts: [Offset: Int] = [:]
            for pair in partition.attempts where pair.count == 2 {
                attempts[Offset(pair[0])] = Int(pair[1])
            }
            return PartitionCheckpoint(
                floor: Offset(partition.floor),
                acknowledged: partition.acknowledged.map { Offset($0) },
                attempts: attempts
            )
        }
    }

    /// The largest checkpoint read: enough for a million acknowledged offsets above the floor.
    static let maximumBytes: Int64 = 64 * 1024 * 1024

    /// Why the checkpoint cannot be the state of `group` on `topic` with `partitions` partitions (another
    /// name, more partitions, negative offsets or counts, invalid settings), or `nil` when it can. Offsets
    /// past a partition's end are not a problem here: restoring drops them.
    func problem(topic: String, group: String, partitions count: Int) -> String? {
        guard version == 1 else { return "unknown checkpoint version \(version)" }
        guard self.topic == topic, self.group == group else { return "it names group '\(self.group)' of topic '\(self.topic)'" }
        guard partitions.count <= count else { return "it holds \(partitions.count) partitions, the topic \(count)" }
        for (index, partition) in partitions.enumerated() {
            if partition.floor < 0 || partition.acknowledged.contains(where: { $0 < 0 }) {
                return "partition \(index) holds a negative offset"
            }
            if partition.attempts.contains(where: { $0.count != 2 || $0[0] < 0 || $0[1] < 0 }) {
                return "partition \(index) holds a malformed delivery count"
            }
        }
        do {
            try options.validate(topic: topic, group: group)
        } catch {
            return error.message
        }
        return nil
    }

    func encoded() throws -> ByteBuffer {
        ChecksummedText.seal(try JSONEncoder().encodeAsByteBuffer(self, allocator: ByteBufferAllocator()))
    }

    static func decode(_ buffer: ByteBuffer, path: String) throws(StorageError) -> GroupCheckpointFile {
        let buffer = try ChecksummedText.open(buffer, path: path)
        do {
            try JSONLimits(maximumBytes: .max).check(buffer)
            return try JSONDecoder().decode(GroupCheckpointFile.self, from: buffer)
        } catch {
            throw .corruption(path: path, position: 0, reason: "group checkpoint does not decode: \(error)")
        }
    }
}
