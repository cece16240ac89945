import DequeModule
import NIOCore

/// Everything a ``NATSClient`` knows, behind its lock.
///
/// Commands are never written to a channel directly: they are appended to ``outbound`` in the order the
/// operations took the lock, and the event loop hands that buffer to the channel. The same buffer holds
/// what is written while disconnected (the pending buffer), so ordering survives a reconnect.
struct ClientState {
    /// The connection's life.
    enum Phase {
        /// The first connection is being established.
        case connecting
        /// Connected; `Link` is the live channel.
        case connected(Link)
        /// Waiting for, or running, a reconnect attempt.
        case reconnecting
        /// Closed for good.
        case closed
    }

    /// A live connection.
    struct Link {
        var id: UInt64
        var channel: any Channel
        var server: NATSServerAddress
    }

    /// One subscription on the connection.
    struct Subscription {
        var subject: String
        var queueGroup: String?
        /// Where messages go; `nil` for the request inbox, whose messages complete requests.
        var buffer: SubscriptionBuffer?
        /// Messages delivered so far, for `UNSUB <sid> <max>`.
        var delivered = 0
        /// The total after which the server stops delivering, `nil` for no limit.
        var maximumMessages: Int?
        /// Unsubscribed by a drain, waiting for the messages already sent.
        var isDraining = false
    }

    /// A request waiting for its reply.
    struct Request {
        var subject: String
        var waiter: Waiter<NATSMessage>
    }

    var phase = Phase.connecting
    var isDraining = false
    /// Whether the client ever connected (to tell `connected` from `reconnected`).
    var hasConnected = false
    /// What operations throw once closed.
    var closeError = NATSClientError.closed
    /// The latest `INFO`.
    var info: NATSServerInfo?
    var pool: ServerPool
    /// The id of the connection attempt whose result counts; older attempts' results are discarded.
    var attemptID: UInt64 = 0
    /// Consecutive failed reconnect attempts.
    var failedAttempts = 0
    var lastAttemptError: (any Error)?
    var reconnectTimer: Scheduled<Void>?
    var pingTimer: RepeatedTask?
    var pingsOutstanding = 0

    /// Commands not yet handed to a channel.
    var outbound = ByteBuffer()
    /// Whether a write of ``outbound`` is scheduled on the event loop.
    var flushScheduled = false
    /// Publishers waiting for room in ``outbound`` while connected.
    var spaceWaiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]

    var subscriptions: [UInt64: Subscription] = [:]
    var nextSID: UInt64 = 0
    /// The sid of the request inbox `<prefix>.<random>.*`, once the first request created it.
    var inboxSID: UInt64?
    var requests: [UInt64: Request] = [:]
    /// One entry per `PING` sent or queued, oldest first: a flush's id, or `nil` for a keep-alive ping.
    var pongs = Deque<UInt64?>()
    /// How many of ``pongs`` belong to `PING`s already handed to the current channel.
    var writtenPings = 0
    var flushes: [UInt64: Waiter<Void>] = [:]
    /// The source of ids for waiters and request tokens.
    var nextID: UInt64 = 0
    var closeWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]

    init(pool: ServerPool) {
        self.pool = pool
    }

    /// A fresh id.
    mutating func makeID() -> UInt64 {
        nextID += 1
        return nextID
    }

    /// The live link, if connected.
    var link: Link? {
        if case .connected(let link) = phase { return link }
        return nil
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// The bytes that re-create every subscription on a new connection: `SUB`, and `UNSUB <sid> <left>`
    /// for those with a message limit.
    func resubscribeCommands() -> ByteBuffer {
        var bytes = ByteBuffer()
        for (sid, subscription) in subscriptions.sorted(by: { $0.key < $1.key }) where !subscription.isDraining {
            let command = NATSClientCommand.subscribe(
                subject: subscription.subject,
                queueGroup: subscription.queueGroup,
                sid: sid
            )
            // Subjects and queue groups were validated when subscribing.
            try? command.encode(into: &bytes)
            if let maximum = subscription.maximumMessages {
                try? NATSClientCommand.unsubscribe(sid: sid, maxMessages: maximum - subscription.delivered)
                    .encode(into: &bytes)
            }
        }
        return bytes
    }

    /// Resumes every publisher waiting for room; each re-checks.
    mutating func wakeSpaceWaiters(into effects: inout Effects) {
        let waiters = spaceWaiters.values
        spaceWaiters.removeAll()
        for waiter in waiters { effects { waiter.resume() } }
    }

    /// Fails the flushes whose `PING` went out on the lost channel; those still queued stay.
    mutating func failWrittenPings(with error: NATSClientError, into effects: inout Effects) {
        for _ in 0..<min(writtenPings, pongs.count) {
            guard let entry = pongs.popFirst(), let id = entry else { continue }
            completeFlush(id, .failure(error), into: &effects)
        }
        writtenPings = 0
    }

    /// Completes a flush waiter.
    mutating func completeFlush(_ id: UInt64, _ result: Result<Void, any Error>, into effects: inout Effects) {
        guard var waiter = flushes[id] else { return }
        let (more, finished) = waiter.complete(result)
        effects.append(more)
        flushes[id] = finished ? nil : waiter
    }

    /// Completes a request waiter.
    mutating func completeRequest(_ token: UInt64, _ result: Result<NATSMessage, any Error>, into effects: inout Effects) {
        guard var request = requests[token] else { return }
        let (more, finished) = request.waiter.complete(result)
        effects.append(more)
        requests[token] = finished ? nil : request
    }
}
