import Herald
import NIOCore
import Synchronization

extension NATSClient {
    /// Ends the client gracefully: unsubscribes every subscription, waits for the messages the server
    /// already sent, lets the subscriptions' consumers take every buffered message, flushes what they
    /// published, and closes. New subscriptions and requests fail with ``NATSClientError/draining``
    /// meanwhile; publishes still go out. Requests still unanswered at the end fail with `closed`.
    ///
    /// - Parameter timeout: the bound on the whole drain; default 30 s. The client is closed when it
    ///   returns, in every case.
    /// - Throws: ``NATSClientError/drainTimeout(_:unconsumed:)`` when consumers did not take every
    ///   buffered message in time (those messages are lost).
    public func drain(timeout: Duration = .seconds(30)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        let (started, effects): (Bool, Effects) = state.withLock { state in
            guard !state.isClosed, !state.isDraining else { return (false, Effects()) }
            state.isDraining = true
            for (sid, subscription) in state.subscriptions where subscription.buffer != nil {
                state.subscriptions[sid]?.isDraining = true
                NATSClientCommand.unsubscribe(sid: sid, maxMessages: nil).encodeControl(into: &state.outbound)
            }
            return (true, scheduleWrite(&state))
        }
        effects.run()
        guard started else {
            await waitUntilClosed()
            return
        }
        // The PONG comes after every message the server sent before the UNSUBs.
        try? await flush(timeout: max(deadline - clock.now, .milliseconds(1)))
        let consumed = AsyncSignal()
        let buffers: [SubscriptionBuffer] = state.withLock { state in
            let draining = state.subscriptions.filter { $0.value.isDraining }
            for sid in draining.keys { state.subscriptions[sid] = nil }
            return draining.values.compactMap(\.buffer)
        }
        for buffer in buffers { buffer.finish(consumed: consumed) }
        while buffers.contains(where: { !$0.isConsumed }), clock.now < deadline {
            await consumed.wait(until: deadline)
        }
        let unconsumed = buffers.reduce(0) { $0 + $1.bufferedMessages }
        try? await flush(timeout: max(deadline - clock.now, .milliseconds(1)))
        await close()
        if unconsumed > 0 {
            throw NATSClientError.drainTimeout(timeout, unconsumed: unconsumed)
        }
    }

    /// Unsubscribes `sid` on the server but keeps delivering what the server routed to it before it
    /// processed the `UNSUB` (a ``flush(timeout:)`` afterwards waits for all of it); ``finishDraining(sid:)``
    /// then ends the subscription. Does nothing for an unknown or draining subscription.
    func startDraining(sid: UInt64) {
        let effects: Effects = state.withLock { state in
            guard let subscription = state.subscriptions[sid], subscription.buffer != nil, !subscription.isDraining
            else { return Effects() }
            state.subscriptions[sid]?.isDraining = true
            NATSClientCommand.unsubscribe(sid: sid, maxMessages: nil).encodeControl(into: &state.outbound)
            return scheduleWrite(&state)
        }
        effects.run()
    }

    /// Ends a subscription that ``startDraining(sid:)`` unsubscribed: its buffered messages can still be
    /// consumed, then its sequence ends.
    func finishDraining(sid: UInt64) {
        let buffer: SubscriptionBuffer? = state.withLock { state in
            guard let subscription = state.subscriptions[sid], subscription.isDraining else { return nil }
            state.subscriptions[sid] = nil
            return subscription.buffer
        }
        buffer?.finish()
    }
}
