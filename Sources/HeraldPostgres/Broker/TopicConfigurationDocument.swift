import Foundation
import Herald

/// A topic's configuration as the `topics.configuration` column keeps it (JSON).
struct TopicConfigurationDocument: Codable, Equatable, ColumnDocument {
    var partitions: Int
    var deduplicationWindowMilliseconds: Int64
    var maximumDeduplicationEntries: Int
    var maximumEvents: Int
    var maximumBytes: Int
    var maximumEventBytes: Int
    var overflowPolicy: String

    init(_ configuration: TopicConfiguration) {
        partitions = configuration.partitions
        deduplicationWindowMilliseconds = Int64(configuration.deduplicationWindow / .milliseconds(1))
        maximumDeduplicationEntries = configuration.maximumDeduplicationEntries
        maximumEvents = configuration.maximumEvents
        maximumBytes = configuration.maximumBytes
        maximumEventBytes = configuration.maximumEventBytes
        overflowPolicy = configuration.overflowPolicy == .dropOldest ? "dropOldest" : "rejectPublish"
    }

    func configuration(name: String) -> TopicConfiguration {
        TopicConfiguration(
            name: name, partitions: partitions, deduplicationWindow: .milliseconds(deduplicationWindowMilliseconds),
            maximumDeduplicationEntries: maximumDeduplicationEntries, maximumEvents: maximumEvents, maximumBytes: maximumBytes,
            maximumEventBytes: maximumEventBytes, overflowPolicy: overflowPolicy == "dropOldest" ? .dropOldest : .rejectPublish
        )
    }

    /// The configuration of topic `name` in `text`.
    ///
    /// - Throws: ``BrokerError/storage(_:error:isRetryable:)`` when the column does not decode.
    static func configuration(name: String, text: String) throws(BrokerError) -> TopicConfiguration {
        do {
            return try JSONDecoder().decode(Self.self, from: Data(text.utf8)).configuration(name: name)
        } catch {
            throw BrokerError.storage("reading the configuration of topic '\(name)'", error: error, isRetryable: false)
        }
    }
}

/// A group's settings as the `groups.options` column keeps them (JSON).
struct GroupOptionsDocument: Codable, Equatable, ColumnDocument {
    var ackDeadlineMilliseconds: Int64
    var maximumDeliveries: Int
    var deadLetterTopic: String?
    var startsAtLatest: Bool
    var perKey: Bool

    init(_ options: SubscriptionOptions) {
        ackDeadlineMilliseconds = Int64(options.ackDeadline / .milliseconds(1))
        maximumDeliveries = options.maximumDeliveries
        deadLetterTopic = options.deadLetterTopic
        startsAtLatest = options.startPosition == .latest
        perKey = options.ordering == .perKey
    }

    var options: SubscriptionOptions {
        SubscriptionOptions(
            ackDeadline: .milliseconds(ackDeadlineMilliseconds), maximumDeliveries: maximumDeliveries, deadLetterTopic: deadLetterTopic,
            startPosition: startsAtLatest ? .latest : .earliest, ordering: perKey ? .perKey : .unordered
        )
    }

    /// The settings of group `group` on `topic` in `text`.
    ///
    /// - Throws: ``BrokerError/storage(_:error:isRetryable:)`` when the column does not decode.
    static func options(text: String, topic: String, group: String) throws(BrokerError) -> SubscriptionOptions {
        do {
            return try JSONDecoder().decode(Self.self, from: Data(text.utf8)).options
        } catch {
            throw BrokerError.storage("reading the settings of group '\(group)' of topic '\(topic)'", error: error, isRetryable: false)
        }
    }
}

/// A document one text column keeps as JSON.
protocol ColumnDocument: Encodable {}

extension ColumnDocument {
    /// The document as JSON text with sorted keys (encoding these plain documents cannot fail; `{}` if it
    /// ever did).
    var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
