/// An event did not match the contract of the typed event it was read as.
///
/// This is a permanent failure: retrying will not change the bytes. Consumers dead-letter it.
public struct EventContractError: Error, Sendable, CustomStringConvertible, PermanentFailure {
    private enum Code: Sendable, Hashable {
        case typeMismatch
        case missingData
        case decodingFailed
        case encodingFailed
    }

    private let code: Code
    /// What went wrong, naming the event and its type.
    public let message: String
    /// The decoder's or encoder's error, when there is one.
    public let underlying: (any Error)?

    private init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// The event's `type` is not the one expected.
    public static func typeMismatch(eventID: String, expected: String, actual: String) -> Self {
        Self(.typeMismatch, "event '\(eventID)' has type '\(actual)', expected '\(expected)'")
    }

    /// The event has no data to decode.
    public static func missingData(eventID: String, type: String) -> Self {
        Self(.missingData, "event '\(eventID)' of type '\(type)' has no data")
    }

    /// The data did not decode as the expected type.
    public static func decodingFailed(eventID: String, type: String, underlying: any Error) -> Self {
        Self(
            .decodingFailed,
            "event '\(eventID)' of type '\(type)' does not match its contract: \(underlying)",
            underlying: underlying
        )
    }

    /// A payload could not be encoded.
    public static func encodingFailed(type: String, underlying: any Error) -> Self {
        Self(.encodingFailed, "could not encode an event of type '\(type)': \(underlying)", underlying: underlying)
    }

    /// Whether the event had a different type than expected.
    public var isTypeMismatch: Bool { code == .typeMismatch }

    public var description: String { "EventContractError: \(message)" }
}
