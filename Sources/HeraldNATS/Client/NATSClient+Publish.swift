import NIOCore
import Synchronization

extension NATSClient {
    /// Publishes a message to `subject`.
    ///
    /// Returns once the message is queued for the connection (see the buffering rules on ``NATSClient``);
    /// while connected and the buffer is full it waits for room.
    ///
    /// - Parameters:
    ///   - payload: the bytes to send; empty by default.
    ///   - headers: headers to send (`HPUB`), `nil` for none.
    ///   - replyTo: the subject a receiver should reply to, `nil` for none.
    /// - Throws: ``NATSProtocolError`` (`invalidSubject`, `invalidHeaderField`) for a subject or header that
    ///   cannot be sent; ``NATSClientError`` `payloadTooLarge` above the server's `max_payload`,
    ///   `bufferFull` while disconnected with a full buffer, `closed`; `CancellationError`.
    public func publish(
        _ subject: String,
        payload: ByteBuffer = ByteBuffer(),
        headers: NATSHeaders? = nil,
        replyTo: String? = nil
    ) async throws {
        var bytes = ByteBuffer()
        let size = try encodePublish(subject, payload: payload, headers: headers, replyTo: replyTo, into: &bytes, limit: .max)
        // The server's max_payload is checked under the lock the message is queued with (one lock per
        // publish: acknowledgements are published one by one).
        try await enqueue(bytes) { state, _ throws(NATSClientError) in
            let limit = state.info?.maxPayload ?? NATSServerInfo.defaultMaxPayload
            guard size <= limit else { throw .payloadTooLarge(subject: subject, size: size, limit: limit) }
        }
    }

    /// Publishes a small payload without headers or reply subject (a JetStream acknowledgement), written
    /// straight into the outbound buffer under the queueing lock instead of into a buffer of its own first.
    /// Queued as ``publish(_:payload:headers:replyTo:)`` queues; the payload must be within `max_payload`.
    ///
    /// - Throws: ``NATSProtocolError`` `invalidSubject`; what queueing throws.
    func publishDirect(_ subject: String, payload: ByteBuffer) async throws {
        try NATSClientCommand.validate(subject: subject)
        let size = NATSClientCommand.uncheckedPublishSize(subject, payload: payload)
        try await enqueue(byteCount: size) { outbound in
            NATSClientCommand.writeUncheckedPublish(subject, payload: payload, into: &outbound)
        } register: { _, _ in
        }
    }

    /// Publishes several messages without headers or reply subjects, queued together in one step (one lock,
    /// one write), as ``publish(_:payload:headers:replyTo:)`` queues one.
    ///
    /// - Throws: see ``publish(_:payload:headers:replyTo:)``; nothing is queued then.
    public func publish(_ messages: [(subject: String, payload: ByteBuffer)]) async throws {
        guard !messages.isEmpty else { return }
        var bytes = ByteBuffer()
        let limit = maximumPayload
        for message in messages {
            try encodePublish(message.subject, payload: message.payload, headers: nil, replyTo: nil, into: &bytes, limit: limit)
        }
        try await enqueue(bytes) { _, _ in }
    }

    /// One message of ``publish(each:)``.
    struct OutgoingMessage {
        var subject: String
        var payload: ByteBuffer
        var headers: NATSHeaders?
        var replyTo: String?
    }

    /// Queues every message that can be sent in one step (one lock, one write); returns, per message, the
    /// error that kept it from being encoded (an invalid subject or header, too large), `nil` for those
    /// queued.
    ///
    /// - Throws: what queueing throws (`bufferFull`, `closed`, cancellation): then nothing was queued.
    func publish(each messages: [OutgoingMessage]) async throws -> [(any Error)?] {
        var bytes = ByteBuffer()
        var failures: [(any Error)?] = []
        failures.reserveCapacity(messages.count)
        let limit = maximumPayload
        for message in messages {
            do {
                try encodePublish(message.subject, payload: message.payload, headers: message.headers, replyTo: message.replyTo, into: &bytes, limit: limit)
                failures.append(nil)
            } catch {
                failures.append(error)
            }
        }
        if bytes.readableBytes > 0 { try await enqueue(bytes) { _, _ in } }
        return failures
    }

    /// Encodes a publish after checking its size against the server's `max_payload`.
    func encodePublish(
        _ subject: String,
        payload: ByteBuffer,
        headers: NATSHeaders?,
        replyTo: String?
    ) throws -> ByteBuffer {
        var bytes = ByteBuffer()
        try encodePublish(subject, payload: payload, headers: headers, replyTo: replyTo, into: &bytes, limit: maximumPayload)
        return bytes
    }

    /// Appends a publish to `bytes` if its size is within `limit` (the server's `max_payload`) and returns
    /// that size (headers plus payload); on error nothing is appended.
    @discardableResult
    func encodePublish(
        _ subject: String,
        payload: ByteBuffer,
        headers: NATSHeaders?,
        replyTo: String?,
        into bytes: inout ByteBuffer,
        limit: Int
    ) throws -> Int {
        let start = bytes.writerIndex
        try NATSClientCommand.publish(subject: subject, replyTo: replyTo, headers: headers, payload: payload)
            .encode(into: &bytes)
        let size = try NATSClientCommand.messageSize(headers: headers, payload: payload)
        guard size <= limit else {
            bytes.moveWriterIndex(to: start)
            throw NATSClientError.payloadTooLarge(subject: subject, size: size, limit: limit)
        }
        return size
    }

    /// The server's `max_payload` (the default until it said).
    private var maximumPayload: Int {
        state.withLock { $0.info?.maxPayload } ?? NATSServerInfo.defaultMaxPayload
    }

    /// Queues `bytes`, running `register` under the same lock just before, so that what it registers
    /// (a request, a flush) is in place before the command can reach the server.
    ///
    /// While connected and the buffer holds ``NATSClientOptions/pendingBufferLimit`` bytes, waits for room
    /// (a single command larger than the limit is queued alone). While disconnected, fails with
    /// `bufferFull` instead.
    func enqueue(
        _ bytes: ByteBuffer,
        register: (inout ClientState, inout Effects) throws(NATSClientError) -> Void
    ) async throws {
        try await enqueue(byteCount: bytes.readableBytes, write: { $0.writeImmutableBuffer(bytes) }, register: register)
    }

    /// Queues the `byteCount` bytes `write` appends to the outbound buffer, as ``enqueue(_:register:)``
    /// queues a buffer.
    func enqueue(
        byteCount: Int,
        write: (inout ByteBuffer) -> Void,
        register: (inout ClientState, inout Effects) throws(NATSClientError) -> Void
    ) async throws {
        let limit = options.pendingBufferLimit
        while true {
            let admitted: Effects? = try state.withLock { state throws(NATSClientError) in
                var effects = Effects()
                switch state.phase {
                case .closed:
                    throw state.closeError
                case .connected:
                    let queued = state.outbound.readableBytes
                    if queued > 0, queued + byteCount > limit { return nil }
                    try register(&state, &effects)
                    write(&state.outbound)
                    effects.append(scheduleWrite(&state))
                case .connecting, .reconnecting:
                    guard state.outbound.readableBytes + byteCount <= limit else {
                        throw .bufferFull(limit: limit)
                    }
                    try register(&state, &effects)
                    write(&state.outbound)
                }
                return effects
            }
            if let admitted {
                admitted.run()
                return
            }
            try await waitForSpace(byteCount)
        }
    }

    /// Waits until the outbound buffer has been handed to the channel, or the connection state changed.
    private func waitForSpace(_ size: Int) async throws {
        let id = state.withLock { $0.makeID() }
        let limit = options.pendingBufferLimit
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    guard state.link != nil, state.outbound.readableBytes > 0,
                        state.outbound.readableBytes + size > limit
                    else { return .success(()) }
                    state.spaceWaiters[id] = continuation
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            state.withLock { $0.spaceWaiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Waits until the server has processed everything sent before: sends `PING` and waits for its `PONG`.
    /// While reconnecting, the `PING` waits in the buffer and is answered after the reconnect.
    ///
    /// - Parameter timeout: how long to wait; default 10 s.
    /// - Throws: ``NATSClientError`` `flushTimeout`, `connectionLost` when the connection broke after
    ///   the `PING` was sent, `bufferFull`, `closed`; `CancellationError`.
    public func flush(timeout: Duration = .seconds(10)) async throws {
        let id = state.withLock { $0.makeID() }
        var ping = ByteBuffer()
        NATSClientCommand.ping.encodeControl(into: &ping)
        try await enqueue(ping) { [self] clientState, _ in
            let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { [self] in
                let effects: Effects = state.withLock { state in
                    var effects = Effects()
                    state.completeFlush(id, .failure(NATSClientError.flushTimeout(timeout)), into: &effects)
                    return effects
                }
                effects.run()
            }
            clientState.pongs.append(id)
            clientState.flushes[id] = Waiter(timer: timer)
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let effects: Effects = state.withLock { state in
                    guard var waiter = state.flushes[id] else {
                        var effects = Effects()
                        let error = state.closeError
                        effects { continuation.resume(throwing: error) }
                        return effects
                    }
                    let (effects, finished) = waiter.attach(continuation)
                    state.flushes[id] = finished ? nil : waiter
                    return effects
                }
                effects.run()
            }
        } onCancel: {
            let effects: Effects = state.withLock { state in
                var effects = Effects()
                state.completeFlush(id, .failure(CancellationError()), into: &effects)
                return effects
            }
            effects.run()
        }
    }
}
