import NIOCore

/// Deferred side effects of a state change (resuming continuations, writing, closing), run after the
/// client's lock is released so that no callback runs under it.
struct Effects: Sendable {
    private var actions: [@Sendable () -> Void] = []

    /// Adds an action.
    mutating func callAsFunction(_ action: @escaping @Sendable () -> Void) {
        actions.append(action)
    }

    /// Adds every action of `other`.
    mutating func append(_ other: Effects) {
        actions += other.actions
    }

    /// Runs the actions in order.
    func run() {
        for action in actions { action() }
    }
}

/// One operation waiting for an answer from the server (a request's reply, a flush's `PONG`).
///
/// The slot is registered before the continuation exists (the command is queued under the same lock),
/// so the answer may arrive first; it is then kept until the continuation attaches.
struct Waiter<Value: Sendable> {
    private enum State {
        case pending
        case waiting(CheckedContinuation<Value, any Error>)
        case done(Result<Value, any Error>)
    }

    private var state = State.pending
    /// The timer that fails the waiter; cancelled when it completes.
    var timer: Scheduled<Void>?

    /// Creates a pending waiter.
    init(timer: Scheduled<Void>? = nil) {
        self.timer = timer
    }

    /// Records the result; returns the effect that resumes the continuation, and whether the waiter is
    /// finished (then remove it). A second result is ignored.
    mutating func complete(_ result: Result<Value, any Error>) -> (effects: Effects, finished: Bool) {
        var effects = Effects()
        if let timer { effects { timer.cancel() } }
        timer = nil
        switch state {
        case .pending:
            state = .done(result)
            return (effects, false)
        case .waiting(let continuation):
            effects { continuation.resume(with: result) }
            return (effects, true)
        case .done:
            return (effects, false)
        }
    }

    /// Attaches the continuation; returns the effect resuming it at once when the result is already
    /// known, and whether the waiter is finished (then remove it).
    mutating func attach(_ continuation: CheckedContinuation<Value, any Error>) -> (effects: Effects, finished: Bool) {
        var effects = Effects()
        switch state {
        case .pending:
            state = .waiting(continuation)
            return (effects, false)
        case .done(let result):
            effects { continuation.resume(with: result) }
            return (effects, true)
        case .waiting:
            preconditionFailure("a NATS waiter got a second continuation")
        }
    }
}
