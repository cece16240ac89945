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

    /// Parses an ack subject. Reads the bytes in place: only the stream, consumer, domain and account hash
    /// become strings (every delivery's subject is parsed, so this runs once per message received).
    ///
    /// - Throws: ``JetStreamError`` (`notJetStreamMessage`) when `replyTo` is not one.
    public init(replyTo: String?) throws(JetStreamError) {
        guard let replyTo else { throw .notJetStreamMessage(nil) }
        var subject = replyTo
        let parsed = subject.withUTF8 { Self.parse(UnsafeRawBufferPointer($0)) }
        guard let parsed else { throw .notJetStreamMessage(replyTo) }
        self = parsed
    }

    /// The metadata in `bytes`, `nil` when they are not an ack subject.
    private static func parse(_ bytes: UnsafeRawBufferPointer) -> JetStreamMessageMetadata? {
        guard let tokens = AckSubjectTokens(bytes), let numbers = tokens.numbers else { return nil }
        var domain: String?
        var accountHash: String?
        if tokens.first == 4 {
            let domainToken = tokens[2]
            domain = domainToken.count == 1 && domainToken[0] == UInt8(ascii: "_") ? nil : text(domainToken)
            accountHash = text(tokens[3])
        }
        return JetStreamMessageMetadata(
            domain: domain,
            accountHash: accountHash,
            stream: text(tokens[tokens.first]),
            consumer: text(tokens[tokens.first + 1]),
            delivered: numbers.delivered,
            streamSequence: numbers.streamSequence,
            consumerSequence: numbers.consumerSequence,
            timestamp: numbers.timestamp.date,
            pending: numbers.pending
        )
    }

    /// The numbers of the ack subject `replyTo` and which of `streams` its stream is, read in place without
    /// making strings (a group runtime reads every delivery's); `nil` when it is not an ack subject of one
    /// of them.
    static func delivery(replyTo: String, streams: [String]) -> (partition: Int, numbers: AckSubjectNumbers)? {
        var subject = replyTo
        return subject.withUTF8 { utf8 in
            guard let tokens = AckSubjectTokens(UnsafeRawBufferPointer(utf8)), let numbers = tokens.numbers else { return nil }
            let stream = tokens[tokens.first]
            for (index, name) in streams.enumerated() where UTF8Text.equals(name, stream) {
                return (index, numbers)
            }
            return nil
        }
    }

    /// A token as a string (the subject came from a `String`, so it is valid UTF-8).
    private static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// The numbers an ack subject carries about its delivery.
struct AckSubjectNumbers: Sendable, Hashable {
    /// How many times the consumer delivered it, this delivery included.
    var delivered: Int
    /// Its sequence in the stream.
    var streamSequence: UInt64
    /// The consumer's delivery sequence.
    var consumerSequence: UInt64
    /// When the stream stored it (a ``WallTime``: its layout is known at compile time, see ``Moment``).
    var timestamp: WallTime
    /// How many messages were left for the consumer after this one.
    var pending: UInt64
}

/// The token bounds of an ack subject (`$JS.ACK.` and 7 more tokens, or 9–10 in the newer form), found in
/// place.
private struct AckSubjectTokens {
    private let bytes: UnsafeRawBufferPointer
    // Token i spans starts[i] ..< ends[i]; the first two are `$JS` and `ACK`. 32-bit offsets (a longer
    // subject is not an ack subject): the struct is copied as it is returned, twice as much with `Int`s.
    private var starts = InlineArray<12, Int32>(repeating: 0)
    private var ends = InlineArray<12, Int32>(repeating: 0)
    /// The index of the stream's token: 2 in the old form, 4 in the newer one.
    let first: Int

    /// What every ack subject starts with.
    private static let ackPrefix: StaticString = "$JS.ACK."

    /// The tokens of `bytes`, `nil` when they are not an ack subject's.
    init?(_ bytes: UnsafeRawBufferPointer) {
        let prefix = UnsafeRawBufferPointer(start: Self.ackPrefix.utf8Start, count: Self.ackPrefix.utf8CodeUnitCount)
        guard bytes.count >= prefix.count, bytes.count < Int(Int32.max), prefix.indices.allSatisfy({ bytes[$0] == prefix[$0] })
        else { return nil }
        self.bytes = bytes
        var count = 0
        var tokenStart = 0
        var index = 0
        while index <= bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: ".") {
                guard count < starts.count else { return nil }
                starts[count] = Int32(tokenStart)
                ends[count] = Int32(index)
                count += 1
                tokenStart = index + 1
            }
            index += 1
        }
        switch count {
        case 9: first = 2
        case 11, 12: first = 4
        default: return nil
        }
        guard !self[first].isEmpty, !self[first + 1].isEmpty else { return nil }
    }

    /// Token `index`'s bytes.
    subscript(index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[Int(starts[index])..<Int(ends[index])])
    }

    /// The numbers after the consumer's token, `nil` when one is not a number in range.
    var numbers: AckSubjectNumbers? {
        guard let delivered = ASCIIDecimal.parse(self[first + 2]), let streamSequence = ASCIIDecimal.parse(self[first + 3]),
            let consumerSequence = ASCIIDecimal.parse(self[first + 4]), let nanoseconds = ASCIIDecimal.parse(self[first + 5]),
            let pending = ASCIIDecimal.parse(self[first + 6]), delivered <= UInt64(Int.max), nanoseconds <= UInt64(Int64.max)
        else { return nil }
        return AckSubjectNumbers(
            delivered: Int(delivered),
            streamSequence: streamSequence,
            consumerSequence: consumerSequence,
            timestamp: WallTime(secondsSince1970: Double(nanoseconds) / 1_000_000_000),
            pending: pending
        )
    }
}
