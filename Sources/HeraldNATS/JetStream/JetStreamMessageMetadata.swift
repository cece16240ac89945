import struct Foundation.Date

/// What a JetStream delivery's reply subject says about it:
/// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp>.<pending>`, or the newer
/// form `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp>.<pending>[.<token>]`
/// (with `_` for no domain).
public struct JetStreamMessageMetadata: Sendable, Hashable {
    /// The JetStream domain, `nil` when none.
    public var domain: String?
    /// The account hash, in the newer form.
    public var accountHash: String?
    /// The stream the message is stored in.
    public var stream: String
    /// The consumer that delivered it.
    public var consumer: String
    /// How many times the consumer delivered it, this delivery included (1 for the first).
    public var delivered: Int
    /// Its sequence in the stream.
    public var streamSequence: UInt64
    /// The consumer's delivery sequence.
    public var consumerSequence: UInt64
    /// When the stream stored it.
    public var timestamp: Date
    /// How many messages were left for the consumer after this one when it was sent.
    public var pending: UInt64

    /// Creates metadata.
    public init(
        domain: String? = nil,
        accountHash: String? = nil,
        stream: String,
        consumer: String,
        delivered: Int,
        streamSequence: UInt64,
        consumerSequence: UInt64,
        timestamp: Date,
        pending: UInt64
    ) {
        self.domain = domain
        self.accountHash = accountHash
        self.stream = stream
        self.consumer = consumer
        self.delivered = delivered
        self.streamSequence = streamSequence
        self.consumerSequence = consumerSequence
        self.timestamp = timestamp
        self.pending = pending
    }

    /// Parses an ack subject.
    ///
    /// - Throws: ``JetStreamError`` (`notJetStreamMessage`) when `replyTo` is not one.
    public init(replyTo: String?) throws(JetStreamError) {
        guard let replyTo, replyTo.hasPrefix("$JS.ACK.") else { throw .notJetStreamMessage(replyTo) }
        let tokens = replyTo.split(separator: ".", omittingEmptySubsequences: false)
        let first: Int
        switch tokens.count {
        case 9:
            first = 2
        case 11, 12:
            first = 4
            domain = tokens[2] == "_" ? nil : String(tokens[2])
            accountHash = String(tokens[3])
        default:
            throw .notJetStreamMessage(replyTo)
        }
        guard let delivered = Int(tokens[first + 2]), let streamSequence = UInt64(tokens[first + 3]),
            let consumerSequence = UInt64(tokens[first + 4]), let nanoseconds = Int64(tokens[first + 5]),
            let pending = UInt64(tokens[first + 6]), !tokens[first].isEmpty, !tokens[first + 1].isEmpty
        else { throw .notJetStreamMessage(replyTo) }
        self.stream = String(tokens[first])
        self.consumer = String(tokens[first + 1])
        self.delivered = delivered
        self.streamSequence = streamSequence
        self.consumerSequence = consumerSequence
        self.timestamp = Date(timeIntervalSince1970: Double(nanoseconds) / 1_000_000_000)
        self.pending = pending
    }
}
