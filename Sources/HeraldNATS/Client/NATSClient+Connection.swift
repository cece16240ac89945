import DequeModule
import Logging
import NIOCore
import Synchronization

// Establishing, losing and re-establishing the connection. Everything here runs on the event loop,
// except `connectFirst`, which awaits futures whose callbacks run there.
extension NATSClient {
    /// Tries each configured server once, in order, until one accepts.
    func connectFirst(_ count: Int) async throws {
        var failures: [NATSClientError] = []
        for _ in 0..<count {
            let attempt: (id: UInt64, server: NATSServerAddress, handshake: NATSHandshake)? = state.withLock { state in
                guard case .connecting = state.phase, let server = state.pool.next() else { return nil }
                state.attemptID += 1
                return (state.attemptID, server, handshake(for: server, pool: state.pool))
            }
            guard let attempt else { throw NATSClientError.closed }
            do {
                try await connector.connect(id: attempt.id, handshake: attempt.handshake, delegate: self)
                    .flatMapThrowing { [self] connection in
                        try install(attempt.id, connection.channel, info: connection.info, server: attempt.server)
                    }
                    .get()
                return
            } catch let error as NATSClientError {
                logger.debug(
                    "could not connect to a NATS server",
                    metadata: ["nats.server": "\(attempt.server)", "error": "\(error)"]
                )
                failures.append(error)
            }
        }
        if failures.count == 1, let only = failures.first { throw only }
        if let refused = failures.first(where: { $0.code == .authorizationFailed }) { throw refused }
        throw NATSClientError.noServersAvailable(failures)
    }

    /// Makes a freshly handshaken channel the live connection: re-sends the subscriptions, then the
    /// pending buffer, and starts the keep-alive pings.
    ///
    /// - Throws: ``NATSClientError/closed`` when the client closed meanwhile (the channel is closed).
    func install(_ id: UInt64, _ channel: any Channel, info: NATSServerInfo, server: NATSServerAddress) throws {
        eventLoop.assertInEventLoop()
        let (effects, error): (Effects, NATSClientError?) = state.withLock { state in
            var effects = Effects()
            guard state.attemptID == id, !state.isClosed, state.link == nil else {
                effects { channel.close(promise: nil) }
                return (effects, state.closeError)
            }
            let reconnected = state.hasConnected
            state.hasConnected = true
            state.phase = .connected(ClientState.Link(id: id, channel: channel, server: server))
            state.info = info
            state.pool.addAdvertised(info.connectURLs)
            state.pool.markCurrent(server)
            state.failedAttempts = 0
            state.lastAttemptError = nil
            state.pingsOutstanding = 0
            var resubscribe = state.resubscribeCommands()
            resubscribe.writeImmutableBuffer(state.outbound)
            let bytes = resubscribe
            state.outbound.clear()
            state.writtenPings = state.pongs.count
            state.flushScheduled = false
            state.wakeSpaceWaiters(into: &effects)
            let interval = TimeAmount(options.pingInterval)
            state.pingTimer = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
                sendKeepAlivePing(id)
            }
            let logger = logger
            effects {
                channel.writeAndFlush(bytes, promise: nil)
                logger.info(
                    reconnected ? "reconnected to NATS server" : "connected to NATS server",
                    metadata: ["nats.server": "\(server)", "nats.server.version": "\(info.version)"]
                )
            }
            let event = reconnected ? NATSClientEvent.reconnected(server: server.description) : .connected(server: server.description)
            effects { [self] in emit(event) }
            return (effects, nil)
        }
        effects.run()
        if let error { throw error }
    }

    /// A keep-alive tick: sends a `PING`, or replaces the connection when too many went unanswered.
    private func sendKeepAlivePing(_ id: UInt64) {
        let effects: Effects = state.withLock { state in
            var effects = Effects()
            guard let link = state.link, link.id == id else { return effects }
            if state.pingsOutstanding >= options.maximumOutstandingPings {
                let logger = logger
                let outstanding = state.pingsOutstanding
                effects {
                    logger.warning(
                        "NATS server did not answer keep-alive pings; reconnecting",
                        metadata: ["nats.server": "\(link.server)", "nats.pings.outstanding": "\(outstanding)"]
                    )
                    link.channel.close(promise: nil)
                }
                return effects
            }
            state.pingsOutstanding += 1
            state.pongs.append(nil)
            NATSClientCommand.ping.encodeControl(into: &state.outbound)
            effects.append(scheduleWrite(&state))
            return effects
        }
        effects.run()
    }

    /// Schedules the event loop to hand ``ClientState/outbound`` to the channel, once.
    func scheduleWrite(_ state: inout ClientState) -> Effects {
        var effects = Effects()
        guard state.link != nil, !state.flushScheduled else { return effects }
        state.flushScheduled = true
        effects { [self] in eventLoop.execute { self.writeOutbound() } }
        return effects
    }

    /// Hands the queued commands to the channel, unless it is not writable (then writability resumes it).
    func writeOutbound() {
        let (effects, write): (Effects, (any Channel, ByteBuffer)?) = state.withLock { state in
            var effects = Effects()
            state.flushScheduled = false
            guard let link = state.link, state.outbound.readableBytes > 0, link.channel.isWritable else {
                return (effects, nil)
            }
            let bytes = state.outbound
            state.outbound = ByteBuffer()
            state.writtenPings = state.pongs.count
            state.wakeSpaceWaiters(into: &effects)
            return (effects, (link.channel, bytes))
        }
        if let (channel, bytes) = write {
            channel.writeAndFlush(bytes, promise: nil)
        }
        effects.run()
    }

    /// Schedules the next reconnect attempt after a backoff with full jitter.
    func scheduleReconnect(_ state: inout ClientState) {
        var generator = SystemRandomNumberGenerator()
        let delay = Backoff.delay(
            attempt: state.failedAttempts,
            base: options.reconnect.baseDelay,
            maximum: options.reconnect.maximumDelay,
            using: &generator
        )
        state.reconnectTimer = eventLoop.scheduleTask(in: TimeAmount(delay)) { [self] in
            attemptReconnect()
        }
    }

    /// One reconnect attempt to the next server of the pool.
    private func attemptReconnect() {
        let attempt: (id: UInt64, server: NATSServerAddress, handshake: NATSHandshake)? = state.withLock { state in
            state.reconnectTimer = nil
            guard case .reconnecting = state.phase, let server = state.pool.next() else { return nil }
            state.attemptID += 1
            return (state.attemptID, server, handshake(for: server, pool: state.pool))
        }
        guard let attempt else { return }
        logger.debug("reconnecting to NATS server", metadata: ["nats.server": "\(attempt.server)"])
        connector.connect(id: attempt.id, handshake: attempt.handshake, delegate: self).whenComplete { [self] result in
            switch result {
            case .success(let connection):
                try? install(attempt.id, connection.channel, info: connection.info, server: attempt.server)
            case .failure(let error):
                reconnectFailed(attempt.id, server: attempt.server, error: error)
            }
        }
    }

    private func reconnectFailed(_ id: UInt64, server: NATSServerAddress, error: any Error) {
        let effects: Effects = state.withLock { state in
            guard state.attemptID == id, case .reconnecting = state.phase else { return Effects() }
            state.failedAttempts += 1
            state.lastAttemptError = error
            if let maximum = options.reconnect.maximumAttempts, state.failedAttempts >= maximum {
                let failure = NATSClientError.reconnectFailed(attempts: state.failedAttempts, last: error)
                return shutDown(&state, error: failure, subscriptionError: failure).0
            }
            scheduleReconnect(&state)
            return Effects()
        }
        logger.debug(
            "reconnect attempt failed",
            metadata: ["nats.server": "\(server)", "error": "\(error)"]
        )
        effects.run()
    }
}

extension NATSClient: NATSConnectionDelegate {
    func connection(_ id: UInt64, received frame: NATSServerFrame) {
        switch frame {
        case .message(let message):
            deliver([message])
        case .pong:
            let effects: Effects = state.withLock { state in
                var effects = Effects()
                state.pingsOutstanding = 0
                guard let entry = state.pongs.popFirst() else { return effects }
                state.writtenPings = max(0, state.writtenPings - 1)
                if let flushID = entry {
                    state.completeFlush(flushID, .success(()), into: &effects)
                }
                return effects
            }
            effects.run()
        case .error(let message):
            logger.warning("NATS server reported an error", metadata: ["nats.error": "\(message)"])
            emit(.serverError(message))
        case .info(let info):
            let server: String? = state.withLock { state in
                state.info = info
                state.pool.addAdvertised(info.connectURLs)
                return state.link?.server.description
            }
            if info.lameDuckMode, let server {
                logger.info("NATS server entered lame duck mode", metadata: ["nats.server": "\(server)"])
                emit(.lameDuckMode(server: server))
            }
        case .ok, .ping:
            break
        }
    }

    func connection(_ id: UInt64, receivedMessages messages: [NATSServerFrame.MessageFrame]) {
        deliver(messages)
    }

    func connection(_ id: UInt64, closedWith error: (any Error)?) {
        let (effects, disconnected): (Effects, String?) = state.withLock { state in
            var effects = Effects()
            guard let link = state.link, link.id == id else { return (effects, nil) }
            if let timer = state.pingTimer { effects { timer.cancel() } }
            state.pingTimer = nil
            let lost = NATSClientError.connectionLost(server: link.server.description)
            for token in Array(state.requests.keys) {
                state.completeRequest(token, .failure(lost), into: &effects)
            }
            state.failWrittenPings(with: lost, into: &effects)
            state.flushScheduled = false
            if state.isDraining || !options.reconnect.isEnabled {
                let (more, _) = shutDown(&state, error: lost, subscriptionError: nil)
                effects.append(more)
            } else {
                state.phase = .reconnecting
                state.failedAttempts = 0
                scheduleReconnect(&state)
                state.wakeSpaceWaiters(into: &effects)
            }
            return (effects, link.server.description)
        }
        if let disconnected {
            logger.warning(
                "lost the connection to NATS server",
                metadata: ["nats.server": "\(disconnected)", "error": "\(error.map { "\($0)" } ?? "closed")"]
            )
            emit(.disconnected(server: disconnected, reason: error.map { "\($0)" }))
        }
        effects.run()
    }

    func connection(_ id: UInt64, writabilityChanged isWritable: Bool) {
        guard isWritable else { return }
        let effects: Effects = state.withLock { state in
            guard let link = state.link, link.id == id, state.outbound.readableBytes > 0 else { return Effects() }
            return scheduleWrite(&state)
        }
        effects.run()
    }
}

extension NATSClientCommand {
    /// Encodes a command whose arguments cannot be invalid (`PING`, `PONG`, `UNSUB`).
    func encodeControl(into buffer: inout ByteBuffer) {
        // Only subjects, queue groups and headers can fail to encode, and control commands have none.
        try? encode(into: &buffer)
    }
}
