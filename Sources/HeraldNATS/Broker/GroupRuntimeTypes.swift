import DequeModule
import Herald

import struct Foundation.Date

/// One message of a group: its partition and its stream sequence (the partition's offset plus one).
struct MessageKey: Hashable, Sendable {
    var partition: Int
    var sequence: UInt64

    var offset: Offset { Offset(Int64(sequence) - 1) }
}

/// A partition key within one partition (per-key order is kept per partition, where the key lives).
struct KeyReference: Hashable, Sendable {
    var partition: Int
    var key: String
}

/// What a group runtime needs to know about its topic and group; fixed for its life.
struct GroupRuntimeSettings: Sendable {
    let topic: String
    let group: String
    let partitions: Int
    let streams: [String]
    let consumer: String
    let ackDeadline: Duration
    let maximumDeliveries: Int
    let deadLetterTopic: String
    let perKey: Bool
    /// Each partition stream's `max_msgs` when the topic drops its oldest events; `nil` otherwise.
    let dropOldestLimit: UInt64?
    let pullExpiry: Duration
    let pullHeartbeat: Duration
    /// The most messages remembered after being returned to the server (for first delivery times and
    /// failures when they come back).
    let historyLimit: Int

    /// How often keep-alives are sent for messages held locally: a third of the ack deadline, so the
    /// server's ack-wait timer never runs out while this process holds the message.
    var keepAliveInterval: Duration { ackDeadline / 3 }
}

/// Where a message the runtime holds stands.
enum EntryStatus: Sendable {
    /// Fetched, waiting to be handed out.
    case ready
    /// Handed to a member as delivery `deliveryID`; its ack deadline.
    case handedOut(member: UInt64, deliveryID: UInt64, deadline: Moment)
    /// Handed out again, locally, once `due`: a failed delivery under per-key order (its key stays
    /// blocked), or a copy the server sent before a nack's retry delay ended.
    case awaiting(due: Moment)
    /// Being moved to the dead-letter topic; `retryAt` set after a failed attempt.
    case deadLettering(retryAt: Moment?)

    /// Whether the message counts as unsettled for per-key order (blocking later events of its key).
    var blocksKey: Bool {
        if case .ready = self { return false }
        return true
    }
}

/// A message the runtime holds, with what it knows of its deliveries.
struct Entry: Sendable {
    var event: Event
    var storedAt: WallTime
    /// The partition key, kept for per-key order.
    var key: String?
    /// The ack subject of the newest server delivery.
    var replyTo: String
    /// The server's delivery count of its newest delivery.
    var latestDelivered: Int
    /// Attempts made before this runtime received it: handed out elsewhere, or here before it was
    /// returned to the server.
    var priorAttempts: Int
    /// Times this process handed it out.
    var handOuts = 0
    var firstDeliveredAt: WallTime?
    var firstFailureAt: WallTime?
    var lastFailureAt: WallTime?
    var lastFailure: DeliveryFailure?
    /// When the server's ack-wait timer last restarted (delivery or keep-alive).
    var lastTouch: Moment
    var status: EntryStatus

    /// The attempt number of its current (or next) hand-out.
    var attempt: Int { priorAttempts + handOuts }

    /// Records a failure.
    mutating func record(_ failure: DeliveryFailure, at date: WallTime) {
        lastFailure = failure
        lastFailureAt = date
        if firstFailureAt == nil { firstFailureAt = date }
    }
}

/// What the runtime remembers of a message it returned to the server for redelivery.
struct History: Sendable {
    /// The attempts made when it was returned.
    var attempts: Int
    /// The server's delivery count when it was returned: a later delivery `d` means `d - lastDelivered - 1`
    /// deliveries (attempts) elsewhere in between. Server deliveries absorbed while the message was held
    /// here (its ack-wait ran out under load) are not attempts.
    var lastDelivered: Int
    /// The ack subject of its newest delivery: an acknowledgement that arrives after the return still
    /// reaches the server.
    var replyTo: String?
    var firstDeliveredAt: WallTime?
    var firstFailureAt: WallTime?
    var lastFailureAt: WallTime?
    var lastFailure: DeliveryFailure?
    /// When a nack's retry delay ends: a copy the server sends earlier (a redelivery it had already
    /// queued) is held here until then.
    var notBefore: Moment?
}

/// One local subscriber of the group.
struct RuntimeMember: Sendable {
    let signal: AsyncSignal
    let prefetch: Int
    var handedOut = 0
    var isDraining = false

    var hasRoom: Bool { !isDraining && handedOut < prefetch }
}

/// A pull request to send.
struct PullIssue: Sendable {
    var partition: Int
    var id: UInt64
    var batch: Int
    var replyTo: String
}

/// A message to move to the dead-letter topic.
struct DeadLetterJob: Sendable {
    var key: MessageKey
    var epoch: UInt64
    var replyTo: String
    var deadLetter: DeadLetter
}

/// What a delivery handed out carries.
struct Handout: Sendable {
    var event: Event
    var partition: Partition
    var offset: Offset
    var attempt: Int
    var firstDeliveredAt: WallTime
    var storedAt: WallTime
    var token: DeliveryToken
}

/// What to do after a state change, outside the lock.
struct RuntimeEffects: Sendable {
    /// Members to wake.
    var signals: [AsyncSignal] = []
    /// Acknowledgement verbs to send without waiting.
    var acks: [(replyTo: String, ack: JetStreamAck)] = []
    /// Pull requests to send.
    var pulls: [PullIssue] = []
    /// Dead letters to store.
    var deadLetters: [DeadLetterJob] = []
    /// Events removed by retention before the group handled them, per partition.
    var missed: [(partition: Int, count: Int)] = []

    var isEmpty: Bool {
        signals.isEmpty && acks.isEmpty && pulls.isEmpty && deadLetters.isEmpty && missed.isEmpty
    }

    mutating func append(_ other: RuntimeEffects) {
        signals += other.signals
        acks += other.acks
        pulls += other.pulls
        deadLetters += other.deadLetters
        missed += other.missed
    }
}

/// What a member's attempt to take a delivery found.
enum TakeResult: Sendable {
    case handout(Handout)
    case wait(until: Moment?)
    case closed
}

/// What a closed runtime remembered of the messages it returned to the server, handed to the group's
/// next runtime in the same broker so that attempts and first delivery times carry on.
struct GroupHistory: Sendable {
    var entries: [MessageKey: History]
    var order: Deque<MessageKey>
    var settled: SettledMemory?
}

/// What a delivery on the group's inbox carries, decoded before the runtime's lock is taken (so that
/// the reader does not hold it while parsing headers).
struct DecodedDelivery: Sendable {
    var numbers: AckSubjectNumbers
    var replyTo: String
    var partition: Int
    var event: Event

    /// `nil` for a message without a JetStream ack subject of one of the group's streams, or a status.
    init?(_ message: NATSMessage, settings: GroupRuntimeSettings) {
        var recent = RecentStrings()
        self.init(message, settings: settings, reusing: &recent)
    }

    /// As ``init(_:settings:)``, taking the event's strings from `recent` when it made them before.
    init?(_ message: NATSMessage, settings: GroupRuntimeSettings, reusing recent: inout RecentStrings) {
        guard message.status == nil, let replyTo = message.replyTo,
            let (partition, numbers) = JetStreamMessageMetadata.delivery(replyTo: replyTo, streams: settings.streams)
        else { return nil }
        self.numbers = numbers
        self.replyTo = replyTo
        self.partition = partition
        self.event = CloudEventHeaders.event(
            headers: message.headers,
            payload: message.payload,
            subject: message.subject,
            stream: settings.streams[partition],
            sequence: numbers.streamSequence,
            reusing: &recent
        )
    }
}
