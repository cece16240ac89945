import NIOCore

/// How a JetStream delivery is settled: the payload sent to its ack subject.
public enum JetStreamAck: Sendable, Hashable {
    /// `+ACK`: handled; never delivered to this consumer again.
    case ack
    /// `-NAK`, or `-NAK {"delay": <ns>}`: deliver it again, after `delay` when given.
    case nak(delay: Duration?)
    /// `+WPI`: work in progress; restarts the ack-wait timer.
    case inProgress
    /// `+TERM`: never deliver it again, although it was not handled.
    case term

    /// The payload sent to the ack subject.
    var payload: ByteBuffer {
        switch self {
        case .ack: Self.ackPayload
        case .nak(let delay?) where delay > .zero: ByteBuffer(string: "-NAK {\"delay\": \(delay.jetStreamNanoseconds)}")
        case .nak: ByteBuffer(string: "-NAK")
        case .inProgress: ByteBuffer(string: "+WPI")
        case .term: ByteBuffer(string: "+TERM")
        }
    }

    /// `+ACK`, made once: it is sent for every message consumed (a copy shares the bytes).
    private static let ackPayload = ByteBuffer(string: "+ACK")

    /// The verb's name, for messages.
    var name: String {
        switch self {
        case .ack: "ack"
        case .nak: "nak"
        case .inProgress: "in-progress"
        case .term: "term"
        }
    }
}
