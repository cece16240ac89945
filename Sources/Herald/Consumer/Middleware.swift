/// The next step of a middleware chain: the remaining middleware and, at its end, the handler.
public typealias MessageHandler = @Sendable (MessageContext) async throws -> Void

/// One composable step around a handler: retry, timeout, idempotency, logging and so on.
///
/// A middleware calls `next` zero or more times and either returns (the work succeeded or was
/// deliberately skipped) or throws (it failed). Whatever it does to the delivery it does through the
/// context, so each middleware can be tested alone with a ``MessageContext`` made for the test.
public protocol Middleware: Sendable {
    /// Handles one delivery, calling `next` to continue down the chain.
    func handle(_ context: MessageContext, next: MessageHandler) async throws
}

/// Composes middleware around a handler, the first in the list outermost.
public enum MiddlewareChain {
    /// Wraps `handler` in `middleware`; `middleware[0]` sees each delivery first.
    public static func compose(_ middleware: [any Middleware], around handler: @escaping MessageHandler) -> MessageHandler {
        middleware.reversed().reduce(handler) { next, step in
            { context in try await step.handle(context, next: next) }
        }
    }
}
