/// A command: a typed message that asks one handler to do something. It travels like any
/// ``TypedEvent`` (JSON data, a versioned CloudEvents `type`), but a ``Consumer`` takes at most one
/// handler for each command type, and a handler may refuse it by throwing ``CommandRejection``; the
/// sender of a ``Publisher/request(_:to:awaiting:timeout:)`` then gets the rejection.
public protocol TypedCommand: TypedEvent {}

extension TypedCommand {
    /// ``MessageKind/command``.
    public static var messageKind: MessageKind { .command }
}
