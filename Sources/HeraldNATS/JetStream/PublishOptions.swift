/// What a JetStream publish asks of the stream besides storing the message: de-duplication by message id
/// and optimistic concurrency by expected sequences. A wrong expectation fails the publish with
/// ``JetStreamError/Kind-swift.struct/wrongLastSequence`` (or `wrongStream`); nothing is stored then.
public struct PublishOptions: Sendable, Hashable {
    /// Sent as `Nats-Msg-Id`: the stream drops a message whose id it has seen within its duplicate window
    /// and acknowledges it as a duplicate of the first.
    public var messageID: String?
    /// Sent as `Nats-Expected-Stream`: the subject must be stored by this stream.
    public var expectedStream: String?
    /// Sent as `Nats-Expected-Last-Sequence`: the stream's last sequence must be this one.
    public var expectedLastSequence: UInt64?
    /// Sent as `Nats-Expected-Last-Subject-Sequence`: the last message on this subject must have this
    /// sequence (0: there must be none).
    public var expectedLastSubjectSequence: UInt64?
    /// Sent as `Nats-Expected-Last-Msg-Id`: the stream's last message must have had this id.
    public var expectedLastMessageID: String?

    /// Options with nothing asked.
    public init(
        messageID: String? = nil,
        expectedStream: String? = nil,
        expectedLastSequence: UInt64? = nil,
        expectedLastSubjectSequence: UInt64? = nil,
        expectedLastMessageID: String? = nil
    ) {
        self.messageID = messageID
        self.expectedStream = expectedStream
        self.expectedLastSequence = expectedLastSequence
        self.expectedLastSubjectSequence = expectedLastSubjectSequence
        self.expectedLastMessageID = expectedLastMessageID
    }

    /// The header names JetStream reads.
    public enum Header {
        /// The message id for de-duplication.
        public static let messageID = "Nats-Msg-Id"
        /// The stream that must store the message.
        public static let expectedStream = "Nats-Expected-Stream"
        /// The stream's expected last sequence.
        public static let expectedLastSequence = "Nats-Expected-Last-Sequence"
        /// The subject's expected last sequence.
        public static let expectedLastSubjectSequence = "Nats-Expected-Last-Subject-Sequence"
        /// The stream's expected last message id.
        public static let expectedLastMessageID = "Nats-Expected-Last-Msg-Id"
    }

    /// `headers` with these options added (replacing values of the same names).
    func applied(to headers: NATSHeaders?) -> NATSHeaders? {
        guard
            messageID != nil || expectedStream != nil || expectedLastSequence != nil
                || expectedLastSubjectSequence != nil || expectedLastMessageID != nil
        else { return headers }
        var result = headers ?? NATSHeaders()
        if let messageID { result[Header.messageID] = messageID }
        if let expectedStream { result[Header.expectedStream] = expectedStream }
        if let expectedLastSequence { result[Header.expectedLastSequence] = String(expectedLastSequence) }
        if let expectedLastSubjectSequence {
            result[Header.expectedLastSubjectSequence] = String(expectedLastSubjectSequence)
        }
        if let expectedLastMessageID { result[Header.expectedLastMessageID] = expectedLastMessageID }
        return result
    }
}
