import Foundation
import Herald

/// The JSON forms of what the admin API answers: topics with their partitions and retention, groups with
/// their members and lag. Durations are in whole milliseconds or seconds, as each key says.
enum AdminDocuments {
    /// A topic's configuration as the config file and `POST /topics` spell it.
    struct TopicSettings: Encodable {
        var name: String
        var partitions: Int
        var deduplicationWindowSeconds: Int64
        var maximumDeduplicationEntries: Int
        var maximumEvents: Int
        var maximumBytes: Int
        var maximumEventBytes: Int
        var overflowPolicy: String

        init(_ configuration: TopicConfiguration) {
            name = configuration.name
            partitions = configuration.partitions
            deduplicationWindowSeconds = configuration.deduplicationWindow.components.seconds
            maximumDeduplicationEntries = configuration.maximumDeduplicationEntries
            maximumEvents = configuration.maximumEvents
            maximumBytes = configuration.maximumBytes
            maximumEventBytes = configuration.maximumEventBytes
            overflowPolicy = AdminDocuments.policy(configuration.overflowPolicy)
        }
    }

    /// `GET /topics`.
    struct TopicList: Encodable {
        var topics: [TopicSettings]
    }

    /// `GET /topics/{topic}`.
    struct Topic: Encodable {
        struct PartitionState: Encodable {
            var partition: Int
            var startOffset: Int64
            var endOffset: Int64
            var events: Int64
            var bytes: Int64?
        }
        struct Retention: Encodable {
            var maximumEvents: Int
            var maximumBytes: Int
            var maximumAgeSeconds: Int64?
            var overflowPolicy: String
        }
        var name: String
        var configuration: TopicSettings
        var retention: Retention
        var events: Int64
        var bytes: Int64?
        var partitions: [PartitionState]

        init(_ description: TopicDescription) {
            name = description.name
            configuration = TopicSettings(description.configuration)
            retention = Retention(
                maximumEvents: description.retention.maximumEvents, maximumBytes: description.retention.maximumBytes,
                maximumAgeSeconds: description.retention.maximumAge?.components.seconds,
                overflowPolicy: AdminDocuments.policy(description.retention.overflowPolicy))
            events = description.events
            bytes = description.bytes
            partitions = description.partitions.map {
                PartitionState(
                    partition: $0.partition.index, startOffset: $0.startOffset.value, endOffset: $0.endOffset.value, events: $0.events, bytes: $0.bytes)
            }
        }
    }

    /// `GET /topics/{topic}/groups/{group}` (and each item of `GET /topics/{topic}/groups`).
    struct Group: Encodable {
        struct Options: Encodable {
            var ackDeadlineMilliseconds: Int64
            var maximumDeliveries: Int
            var ordering: String
            var startPosition: String
        }
        struct Member: Encodable {
            var id: UInt64
            var prefetch: Int
            var inFlight: Int
            var draining: Bool
        }
        struct PartitionLagState: Encodable {
            var partition: Int
            var committedOffset: Int64
            var endOffset: Int64
            var pending: Int64
            var inFlight: Int
            var awaitingRedelivery: Int
        }
        var topic: String
        var group: String
        var deadLetterTopic: String
        var options: Options
        var members: [Member]
        /// Whether an operator paused it (it hands out nothing until resumed).
        var paused: Bool
        /// Events not yet acknowledged, over every partition (the figure an autoscaler reads).
        var pending: Int64
        var inFlight: Int
        var partitions: [PartitionLagState]

        init(_ description: GroupDescription) {
            topic = description.topic
            group = description.group
            deadLetterTopic = description.deadLetterTopic
            options = Options(
                ackDeadlineMilliseconds: Int64(description.options.ackDeadline / .milliseconds(1)),
                maximumDeliveries: description.options.maximumDeliveries,
                ordering: description.options.ordering == .perKey ? "perKey" : "unordered",
                startPosition: description.options.startPosition == .latest ? "latest" : "earliest")
            members = description.members.map { Member(id: $0.id, prefetch: $0.prefetch, inFlight: $0.inFlight, draining: $0.isDraining) }
            paused = description.isPaused
            pending = description.lag.totalPending
            inFlight = description.lag.partitions.reduce(0) { $0 + $1.inFlight }
            partitions = description.lag.partitions.map {
                PartitionLagState(
                    partition: $0.partition.index, committedOffset: $0.committedOffset.value, endOffset: $0.endOffset.value, pending: $0.pending,
                    inFlight: $0.inFlight, awaitingRedelivery: $0.awaitingRedelivery)
            }
        }
    }

    /// `GET /topics/{topic}/groups`.
    struct GroupList: Encodable {
        var groups: [Group]
    }

    /// The body of `POST /topics/{topic}/groups/{group}/seek`: exactly one of the members.
    struct SeekRequest: Decodable {
        /// `earliest` or `latest`.
        var to: String?
        /// One offset for every partition.
        var offset: Int64?
        /// An offset per partition, keyed by the partition's number.
        var offsets: [String: Int64]?
        /// The first event stored at or after this RFC 3339 instant, in every partition.
        var time: String?
    }

    static func policy(_ policy: TopicConfiguration.OverflowPolicy) -> String {
        policy == .dropOldest ? "dropOldest" : "rejectPublish"
    }
}
