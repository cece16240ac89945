/// A command handler's refusal: the command was understood and will not be carried out (the card is
/// blocked, the order is already closed). Throw it from the ``Consumer`` handler of a ``TypedCommand``:
/// the consumer acknowledges the command and sends ``CommandRejected`` to its `replyto` topic,
/// where a waiting ``Publisher/request(_:to:awaiting:timeout:)`` throws ``RequestError/rejected(requestID:reason:)``.
/// A rejected command without a `replyto` is dead-lettered with the reason (a permanent failure), so a
/// refusal is never silent.
public struct CommandRejection: PermanentFailure, Sendable, Hashable, CustomStringConvertible {
    /// Why the command was refused, in words for the sender.
    public let reason: String

    /// A refusal for `reason`.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// `command rejected: <reason>`.
    public var description: String { "command rejected: \(reason)" }
}

/// The reply a consumer sends when a command's handler throws ``CommandRejection``.
public struct CommandRejected: TypedEvent {
    /// `herald.command.rejected`.
    public static let eventType = "herald.command.rejected"
    /// The id of the rejected command.
    public var commandID: String
    /// The rejected command's CloudEvents `type`.
    public var commandType: String
    /// Why it was refused.
    public var reason: String
    /// The rejected command's id.
    public var subject: String? { commandID }

    /// A rejection of command `commandID` of type `commandType`.
    public init(commandID: String, commandType: String, reason: String) {
        self.commandID = commandID
        self.commandType = commandType
        self.reason = reason
    }
}
