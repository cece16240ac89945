import Herald
import Synchronization

/// What a ``NATSBroker`` knows about one topic: its configuration, its streams and subjects, and an
/// estimate of each partition's fill for the room check of `rejectPublish` topics.
final class TopicHandle: Sendable {
    let configuration: TopicConfiguration
    /// The stream of each partition.
    let streams: [String]
    /// The subject of each partition.
    let subjects: [String]
    /// Each partition stream's `max_msgs` and `max_bytes`.
    let limits: (messages: Int64, bytes: Int64)

    /// An upper bound of what a partition holds: the stream's state when last read plus what this
    /// instance published since (retention and purges only lower the truth).
    private struct Estimate {
        var messages: Int64
        var bytes: Int64
    }

    // Mutex: short reads and updates around publishes.
    private let estimates: Mutex<[Estimate?]>

    init(configuration: TopicConfiguration, streams: [String], subjects: [String]) {
        self.configuration = configuration
        self.streams = streams
        self.subjects = subjects
        self.limits = Self.partitionLimits(configuration)
        self.estimates = Mutex(Array(repeating: nil, count: configuration.partitions))
    }

    /// Each partition's limits: the topic's limits shared evenly (rounded up), since JetStream bounds each
    /// stream on its own. Bytes count what JetStream stores per message (subject, headers and payload,
    /// about 30 bytes more), and leave room for at least one event of the largest size allowed (with up
    /// to 4 KiB of headers).
    static func partitionLimits(_ configuration: TopicConfiguration) -> (messages: Int64, bytes: Int64) {
        let partitions = Int64(configuration.partitions)
        let messages = (Int64(configuration.maximumEvents) + partitions - 1) / partitions
        let bytes = (Int64(configuration.maximumBytes) + partitions - 1) / partitions
        return (max(messages, 1), max(bytes, Int64(configuration.maximumEventBytes) + 4096))
    }

    /// The topic's limits, for error messages.
    var limitDescription: String {
        "\(configuration.maximumEvents) events or \(configuration.maximumBytes) bytes "
            + "(\(limits.messages) events, \(limits.bytes) stored bytes per partition)"
    }

    /// Counts a publish against the estimate when it clearly fits; `false` when the stream's state must
    /// be read.
    func reserve(partition: Int, messages: Int64, bytes: Int64) -> Bool {
        estimates.withLock { estimates in
            guard var estimate = estimates[partition], estimate.messages + messages <= limits.messages,
                estimate.bytes + bytes <= limits.bytes
            else { return false }
            estimate.messages += messages
            estimate.bytes += bytes
            estimates[partition] = estimate
            return true
        }
    }

    /// Whether a stream in `state` has room for `messages` more of `bytes` in all.
    func fits(_ state: StreamState, messages: Int64, bytes: Int64) -> Bool {
        Int64(state.messages) + messages <= limits.messages && Int64(state.bytes) + bytes <= limits.bytes
    }

    /// Sets the estimate from a stream's state plus what is about to be published.
    func setRoom(partition: Int, from state: StreamState, plus load: (messages: Int64, bytes: Int64)) {
        estimates.withLock { estimates in
            estimates[partition] = Estimate(messages: Int64(state.messages) + load.messages, bytes: Int64(state.bytes) + load.bytes)
        }
    }

    /// Forgets the estimates (a publish was refused: they were wrong).
    func forgetRoom() {
        estimates.withLock { estimates in
            for index in estimates.indices { estimates[index] = nil }
        }
    }
}
