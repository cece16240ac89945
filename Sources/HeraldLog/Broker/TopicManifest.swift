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
    /// Set when the topic was created again after a topic of the same name was deleted while the broker
    /// ran: its commit journal entries are filed under ``journalName``, so that entries the journal still
    /// holds of the deleted topic are never taken for this one's.
    var incarnation: String?

    init(_ configuration: TopicConfiguration, options: LogTopicOptions, incarnation: String? = nil) {
        self.incarnation = incarnation
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

    /// The name the topic's entries carry in the commit journal: its name, with its incarnation if it has one.
    var journalName: String { Self.journalName(name, incarnation: incarnation) }

    /// The journal name of topic `name` of incarnation `incarnation`.
    static func journalName(_ name: String, incarnation: String?) -> String {
        incarnation.map { "\(name)#\($0)" } ?? name
    }

    /// The largest `topic.json` read: a real one is a few hundred bytes.
    static let maximumBytes: Int64 = 64 * 1024

    /// Why the manifest cannot describe a topic of this log (an unknown version, a value out of range), or
    /// `nil` when it can.
    var problem: String? {
        guard version == 1 else { return "unknown manifest version \(version)" }
        if let incarnation, incarnation.isEmpty || incarnation.utf8.count > 64 || !incarnation.utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "#") }) {
            return "incarnation '\(incarnation)' must be 1 to 64 ASCII characters without '#'"
        }
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
