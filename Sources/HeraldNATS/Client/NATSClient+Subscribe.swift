import Logging
import NIOCore
import Synchronization

extension NATSClient {
    /// Subscribes to `subject` (wildcards `*` and `>` allowed).
    ///
    /// - Parameters:
    ///   - queueGroup: a queue group name: each message goes to one member of the group. `nil` by default.
    ///   - limits: the bounds of this subscription's buffer; ``NATSClientOptions/subscriptionLimits`` by
    ///     default.
    /// - Returns: the messages, as an `AsyncSequence`. The `SUB` is queued in order with publishes, so a
    ///   request sent after subscribing to its reply subject cannot overtake the subscription.
    /// - Throws: ``NATSProtocolError`` (`invalidSubject`, `invalidQueueGroup`); ``NATSClientError``
    ///   `closed`, `draining`, `invalidArgument` for limits below 1.
    public func subscribe(
        _ subject: String,
        queueGroup: String? = nil,
        limits: NATSSubscriptionLimits? = nil
    ) throws -> NATSSubscription {
        try subscribe(subject, queueGroup: queueGroup, limits: limits, onMessages: nil)
    }

    /// Subscribes to `subject`; with `onMessages`, messages are handed to it on the event loop as they
    /// arrive (those of one read together, in order; it must not block) instead of being buffered, and the subscription's sequence only ends
    /// (it yields nothing). For the client's own machinery, where a hop to a reader task per message
    /// would cost more than the handling.
    func subscribe(
        _ subject: String,
        queueGroup: String? = nil,
        limits: NATSSubscriptionLimits?,
        onMessages: (@Sendable ([NATSMessage]) -> Void)?
    ) throws -> NATSSubscription {
        var command = ByteBuffer()
        try NATSClientCommand.subscribe(subject: subject, queueGroup: queueGroup, sid: 0).encode(into: &command)
        let limits = limits ?? options.subscriptionLimits
        guard limits.maximumMessages >= 1, limits.maximumBytes >= 1 else {
            throw NATSClientError.invalidArgument("limits", value: "\(limits)", rule: "must be positive")
        }
        let buffer = SubscriptionBuffer(limits: limits, handler: onMessages)
        let (sid, effects): (UInt64, Effects) = try state.withLock { state throws(NATSClientError) in
            if state.isClosed { throw state.closeError }
            if state.isDraining { throw .draining }
            state.nextSID += 1
            let sid = state.nextSID
            state.subscriptions[sid] = ClientState.Subscription(subject: subject, queueGroup: queueGroup, buffer: buffer)
            // While disconnected the reconnect re-sends every subscription; no need to queue it.
            guard state.link != nil else { return (sid, Effects()) }
            try? NATSClientCommand.subscribe(subject: subject, queueGroup: queueGroup, sid: sid)
                .encode(into: &state.outbound)
            return (sid, scheduleWrite(&state))
        }
        effects.run()
        let handle = NATSSubscription.Handle(client: self, sid: sid, buffer: buffer)
        return NATSSubscription(subject: subject, queueGroup: queueGroup, handle: handle)
    }

    /// Unsubscribes `sid` now, or after `afterMessages` deliveries in total.
    func removeSubscription(sid: UInt64, afterMessages: Int?) {
        let effects: Effects = state.withLock { state in
            var effects = Effects()
            guard var subscription = state.subscriptions[sid], !subscription.isDraining else { return effects }
            if let maximum = afterMessages, subscription.delivered < maximum {
                subscription.maximumMessages = maximum
                state.subscriptions[sid] = subscription
                NATSClientCommand.unsubscribe(sid: sid, maxMessages: maximum).encodeControl(into: &state.outbound)
            } else {
                state.subscriptions[sid] = nil
                if let buffer = subscription.buffer { effects { buffer.finish() } }
                NATSClientCommand.unsubscribe(sid: sid, maxMessages: nil).encodeControl(into: &state.outbound)
            }
            effects.append(scheduleWrite(&state))
            return effects
        }
        effects.run()
    }

    /// Routes received messages (in order) to their subscriptions or waiting requests, in one step for
    /// all of them; consecutive messages of a subscription with a handler reach it together. Runs on the
    /// event loop.
    func deliver(_ frames: [NATSServerFrame.MessageFrame]) {
        let (effects, routed): (Effects, [(buffer: SubscriptionBuffer, sid: UInt64, subject: String, message: NATSMessage)]) =
            state.withLock { state in
                var effects = Effects()
                var routed: [(buffer: SubscriptionBuffer, sid: UInt64, subject: String, message: NATSMessage)] = []
                routed.reserveCapacity(frames.count)
                for frame in frames {
                    let message = NATSMessage(subject: frame.subject, replyTo: frame.replyTo, headers: frame.headers, payload: frame.payload)
                    // One lookup, the count changed in place (not the subscription copied out and stored back).
                    guard let index = state.subscriptions.index(forKey: frame.sid) else { continue }
                    guard let buffer = state.subscriptions.values[index].buffer else {
                        completeRequest(message, state: &state, effects: &effects)
                        continue
                    }
                    state.subscriptions.values[index].delivered += 1
                    let subscription = state.subscriptions.values[index]
                    if let maximum = subscription.maximumMessages, subscription.delivered >= maximum {
                        state.subscriptions.remove(at: index)
                        // Run after the pushes below: the message still reaches the buffer first.
                        effects { buffer.finish() }
                    }
                    routed.append((buffer, frame.sid, subscription.subject, message))
                }
                return (effects, routed)
            }
        var start = routed.startIndex
        while start < routed.endIndex {
            let buffer = routed[start].buffer
            guard buffer.hasHandler else {
                push(routed[start].message, to: buffer, sid: routed[start].sid, subject: routed[start].subject)
                start += 1
                continue
            }
            var end = start + 1
            while end < routed.endIndex, routed[end].buffer === buffer { end += 1 }
            _ = buffer.push(routed[start..<end].map { $0.message })
            start = end
        }
        effects.run()
    }

    /// Pushes a message into a buffer, reporting the first drop of an episode as a slow consumer.
    private func push(_ message: NATSMessage, to buffer: SubscriptionBuffer, sid: UInt64, subject: String) {
        guard case .dropped(firstOfEpisode: true) = buffer.push(message) else { return }
        logger.warning(
            "slow consumer: a NATS subscription's buffer is full, dropping new messages",
            metadata: [
                "nats.subject": "\(subject)", "nats.sid": "\(sid)",
                "nats.buffer.messages": "\(buffer.limits.maximumMessages)",
            ]
        )
        emit(.slowConsumer(subject: subject, sid: sid))
    }

    /// Hands an inbox message to the request whose token ends its subject.
    private func completeRequest(_ message: NATSMessage, state: inout ClientState, effects: inout Effects) {
        guard message.subject.hasPrefix(requestInboxPrefix),
            let token = UInt64(message.subject.dropFirst(requestInboxPrefix.count)),
            let request = state.requests[token]
        else { return }
        if message.status == NATSStatusCode.noResponders, message.payload.readableBytes == 0 {
            state.completeRequest(token, .failure(NATSClientError.noResponders(subject: request.subject)), into: &effects)
        } else {
            state.completeRequest(token, .success(message), into: &effects)
        }
    }

    /// Sends a request and waits for the first reply, through the client's one multiplexed inbox
    /// subscription (`<inboxPrefix>.<random>.*`, created on the first request).
    ///
    /// A reply with a status (JetStream's `404`, `408`, ...) is returned as a message; check
    /// ``NATSMessage/status``. For replies that come as several messages, subscribe to ``newInbox()`` and
    /// ``publish(_:payload:headers:replyTo:)`` with it as `replyTo`.
    ///
    /// - Parameters:
    ///   - payload: the request's bytes; empty by default.
    ///   - headers: headers to send, `nil` for none.
    ///   - timeout: how long to wait for the reply; default 5 s.
    /// - Throws: ``NATSClientError`` `noResponders` when nobody subscribes to `subject`, `requestTimeout`,
    ///   `connectionLost` when the connection broke while waiting (the request may or may not have been
    ///   handled; retry if it is idempotent), `bufferFull`, `payloadTooLarge`, `closed`, `draining`;
    ///   ``NATSProtocolError`` for an invalid subject or header; `CancellationError`.
    public func request(
        _ subject: String,
        payload: ByteBuffer = ByteBuffer(),
        headers: NATSHeaders? = nil,
        timeout: Duration = .seconds(5)
    ) async throws -> NATSMessage {
        let pending = try await sendRequest(subject, payload: payload, headers: headers, timeout: timeout)
        return try await reply(to: pending)
    }

    /// A request queued by ``sendRequest(_:payload:headers:timeout:)`` whose reply is not yet taken.
    struct PendingRequest: Sendable {
        /// The token that ends the reply subject.
        let token: UInt64
    }

    /// Queues a request and returns without waiting for its reply, so that several requests can be sent in
    /// order and their replies awaited afterwards. Every pending request must be passed to
    /// ``reply(to:)`` exactly once (its slot is released there). - Throws: see ``request(_:payload:headers:timeout:)``.
    func sendRequest(
        _ subject: String,
        payload: ByteBuffer,
        headers: NATSHeaders?,
        timeout: Duration
    ) async throws -> PendingRequest {
        let token = state.withLock { $0.makeID() }
        let replyTo = "\(requestInboxPrefix)\(token)"
        let bytes = try encodePublish(subject, payload: payload, headers: headers, replyTo: replyTo)
        try await enqueue(bytes) { [self] clientState, _ throws(NATSClientError) in
            if clientState.isDraining { throw .draining }
            ensureInbox(&clientState)
            let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { [self] in
                let effects: Effects = state.withLock { state in
                    var effects = Effects()
                    let error = NATSClientError.requestTimeout(subject: subject, timeout: timeout)
                    state.completeRequest(token, .failure(error), into: &effects)
                    return effects
                }
                effects.run()
            }
            clientState.requests[token] = ClientState.Request(subject: subject, waiter: Waiter(timer: timer))
        }
        return PendingRequest(token: token)
    }

    /// Waits for the reply of a request queued by ``sendRequest(_:payload:headers:timeout:)``.
    /// - Throws: see ``request(_:payload:headers:timeout:)``.
    func reply(to pending: PendingRequest) async throws -> NATSMessage {
        let token = pending.token
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NATSMessage, any Error>) in
                let effects: Effects = state.withLock { state in
                    guard var request = state.requests[token] else {
                        var effects = Effects()
                        let error = state.closeError
                        effects { continuation.resume(throwing: error) }
                        return effects
                    }
                    let (effects, finished) = request.waiter.attach(continuation)
                    state.requests[token] = finished ? nil : request
                    return effects
                }
                effects.run()
            }
        } onCancel: {
            let effects: Effects = state.withLock { state in
                var effects = Effects()
                state.completeRequest(token, .failure(CancellationError()), into: &effects)
                return effects
            }
            effects.run()
        }
    }

    /// Creates the request inbox subscription on first use; its `SUB` goes before the request.
    private func ensureInbox(_ state: inout ClientState) {
        guard state.inboxSID == nil else { return }
        state.nextSID += 1
        let sid = state.nextSID
        state.inboxSID = sid
        let subject = "\(requestInboxPrefix)*"
        state.subscriptions[sid] = ClientState.Subscription(subject: subject, queueGroup: nil, buffer: nil)
        if state.link != nil {
            try? NATSClientCommand.subscribe(subject: subject, queueGroup: nil, sid: sid).encode(into: &state.outbound)
        }
    }
}
