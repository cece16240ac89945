import struct Foundation.Date

/// An event in a dead-letter topic, with the failure that put it there.
///
/// Brokers dead-letter an event by publishing the original event, unchanged apart from these extension
/// attributes, to the group's dead-letter topic: `dlerrortype`, `dlerror`, `dlattempts`,
/// `dlfirstfailure`, `dllastfailure`, `dltopic`, `dlpartition`, `dloffset`, `dlgroup`. The original
/// `id`, `source`, `time` and data are kept, so the event can be replayed to its topic as it was.
public struct DeadLetter: Sendable, Hashable {
    /// The original event, without the dead-letter attributes.
    public var event: Event
    /// The last failure recorded.
    public var failure: DeliveryFailure
    /// How many times the event was delivered to the group.
    public var attempts: Int
    /// When the first failure was recorded.
    public var firstFailureAt: Date
    /// When the last failure was recorded.
    public var lastFailureAt: Date
    /// The topic the event came from.
    public var originTopic: String
    /// Its partition there.
    public var originPartition: Partition
    /// Its offset there.
    public var originOffset: Offset
    /// The group that gave up on it.
    public var group: String

    /// Creates a dead-letter record.
    public init(
        event: Event,
        failure: DeliveryFailure,
        attempts: Int,
        firstFailureAt: Date,
        lastFailureAt: Date,
        originTopic: String,
        originPartition: Partition,
        originOffset: Offset,
        group: String
    ) {
        self.event = event
        self.failure = failure
        self.attempts = attempts
        self.firstFailureAt = firstFailureAt
        self.lastFailureAt = lastFailureAt
        self.originTopic = originTopic
        self.originPartition = originPartition
        self.originOffset = originOffset
        self.group = group
    }

    private enum Attribute: String, CaseIterable {
        case errorType = "dlerrortype"
        case error = "dlerror"
        case attempts = "dlattempts"
        case firstFailure = "dlfirstfailure"
        case lastFailure = "dllastfailure"
        case topic = "dltopic"
        case partition = "dlpartition"
        case offset = "dloffset"
        case group = "dlgroup"
    }

    /// The event to publish to the dead-letter topic: the original plus the dead-letter attributes.
    public var encodedEvent: Event {
        var encoded = event
        let values: [Attribute: String] = [
            .errorType: failure.errorType,
            .error: failure.message,
            .attempts: String(attempts),
            .firstFailure: RFC3339.format(firstFailureAt),
            .lastFailure: RFC3339.format(lastFailureAt),
            .topic: originTopic,
            .partition: String(originPartition.index),
            .offset: String(originOffset.value),
            .group: group,
        ]
        for (attribute, value) in values {
            encoded.setKnownExtension(ExtensionAttributeName(trusted: attribute.rawValue), to: value)
        }
        return encoded
    }

    /// Reads a dead-letter record back from an event of a dead-letter topic; `nil` when the event does
    /// not carry the dead-letter attributes.
    public init?(_ encoded: Event) {
        func value(_ attribute: Attribute) -> String? { encoded.extensionValue(attribute.rawValue) }
        guard let errorType = value(.errorType), let message = value(.error),
            let attempts = value(.attempts).flatMap({ Int($0) }),
            let first = value(.firstFailure).flatMap(RFC3339.parse),
            let last = value(.lastFailure).flatMap(RFC3339.parse),
            let topic = value(.topic),
            let partition = value(.partition).flatMap({ Int($0) }),
            let offset = value(.offset).flatMap({ Int64($0) }),
            let group = value(.group)
        else { return nil }
        var original = encoded
        for attribute in Attribute.allCases {
            original.setKnownExtension(ExtensionAttributeName(trusted: attribute.rawValue), to: nil)
        }
        self.init(
            event: original,
            failure: DeliveryFailure(errorType: errorType, message: message),
            attempts: attempts,
            firstFailureAt: first,
            lastFailureAt: last,
            originTopic: topic,
            originPartition: Partition(partition),
            originOffset: Offset(offset),
            group: group
        )
    }
}
