import Foundation
import Herald
import NIOCore
import NIOFoundationCompat

/// A topic's configuration as persisted in `topic.json`.
struct TopicManifest: Codable, Equatable {
    var version = 1
    var name: String
    var partitions: Int
    var deduplicationWindowMilliseconds: Int64
    var maximumDeduplicationEntries: Int
    var maximumEvents: Int
    var maximumBytes: Int
    var maximumEventBytes: Int
    var overflowPolicy: String
    var durability: String?
    var fsyncIntervalMilliseconds: Int64?
    var retentionAgeMilliseconds: Int64?

    init(_ configuration: TopicConfiguration, options: LogTopicOptions) {
        name = configuration.name
        partitions = configuration.partitions
        deduplicationWindowMilliseconds = configuration.deduplicationWindow.milliseconds
        maximumDeduplicationEntries = configuration.maximumDeduplicationEntries
        maximumEvents = configuration.maximumEvents
        maximumBytes = configuration.maximumBytes
        maximumEventBytes = configuration.maximumEventBytes
        overflowPolicy = configuration.overflowPolicy == .dropOldest ? "dropOldest" : "rejectPublish"
        switch options.durability {
        case nil: durability = nil
        case .fsyncBeforeAcknowledge: durability = "fsyncBeforeAcknowledge"
        case .operatingSystem: durability = "operatingSystem"
        case .fsyncInterval(let interval):
            durability = "fsyncInterval"
            fsyncIntervalMilliseconds = interval.milliseconds
        }
        retentionAgeMilliseconds = options.retentionAge?.milliseconds
    }

    var configuration: TopicConfiguration {
        TopicConfiguration(
            name: name,
            partitions: partitions,
            deduplicationWindow: .milliseconds(deduplicationWindowMilliseconds),
            maximumDeduplicationEntries: maximumDeduplicationEntries,
            maximumEvents: maximumEvents,
            maximumBytes: maximumBytes,
            maximumEventBytes: maximumEventBytes,
            overflowPolicy: overflowPolicy == "dropOldest" ? .dropOldest : .rejectPublish
        )
    }

    var options: LogTopicOptions {
        let durability: DurabilityPolicy?
        switch self.durability {
        case "fsyncBeforeAcknowledge": durability = .fsyncBeforeAcknowledge
        case "operatingSystem": durability = .operatingSystem
        case "fsyncInterval": durability = .fsyncInterval(.milliseconds(fsyncIntervalMilliseconds ?? 1_000))
        default: durability = nil
        }
        return LogTopicOptions(durability: durability, retentionAge: retentionAgeMilliseconds.map { .milliseconds($0) })
    }

    /// The largest `topic.json` read: a real one is a few hundred bytes.
    static let maximumBytes: Int64 = 64 * 1024

    /// Why the manifest cannot describe a topic of this log (an unknown version, a value out of range), or
    /// `nil` when it can.
    var problem: String? {
        guard version == 1 else { return "unknown manifest version \(version)" }
        let known: Set<String?> = [nil, "fsyncBeforeAcknowledge", "operatingSystem", "fsyncInterval"]
        guard known.contains(durability) else { return "unknown durability '\(durability ?? "")'" }
        if durability == "fsyncInterval", (fsyncIntervalMilliseconds ?? 1_000) <= 0 {
            return "fsyncIntervalMilliseconds \(fsyncIntervalMilliseconds ?? 0) must be positive"
        }
        if let age = retentionAgeMilliseconds, age <= 0 { return "retentionAgeMilliseconds \(age) must be positive" }
        guard deduplicationWindowMilliseconds >= 0 else { return "deduplicationWindowMilliseconds \(deduplicationWindowMilliseconds) must not be negative" }
        guard ["dropOldest", "rejectPublish"].contains(overflowPolicy) else { return "unknown overflow policy '\(overflowPolicy)'" }
        do {
            try configuration.validate()
        } catch {
            return error.message
        }
        return nil
    }

    func encoded() throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return ChecksummedText.seal(try encoder.encodeAsByteBuffer(self, allocator: ByteBufferAllocator()))
    }

    static func decode(_ buffer: ByteBuffer, path: String) throws(StorageError) -> TopicManifest {
        let buffer = try ChecksummedText.open(buffer, path: path)
        do {
            try JSONLimits().check(buffer)
            return try JSONDecoder().decode(TopicManifest.self, from: buffer)
        } catch {
            throw .corruption(path: path, position: 0, reason: "topic manifest does not decode: \(error)")
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}
