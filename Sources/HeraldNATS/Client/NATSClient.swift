import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A client of a NATS server (core NATS: publish, subscribe, request/reply), on SwiftNIO.
///
/// Create one with ``connect(_:eventLoopGroup:logger:)``; finish with ``drain(timeout:)`` or ``close()``
/// (needed to release the connection, even after the client closed itself). As a ServiceLifecycle
/// `Service`, ``run()`` drains it on graceful shutdown.
///
/// **Reconnecting.** When the connection is lost, the client reconnects with exponential backoff and full
/// jitter across the configured servers and those the cluster advertises, re-sends every subscription
/// with its id, then the commands buffered meanwhile. Requests in flight fail with
/// ``NATSClientError/connectionLost(server:)``; subscriptions keep going.
///
/// **Buffering.** Commands go through one outbound buffer of ``NATSClientOptions/pendingBufferLimit``
/// bytes: while connected a publish waits for room; while disconnected it fails at once with
/// ``NATSClientError/bufferFull(limit:)``. A publish returns once its bytes are queued: core NATS is
/// at-most-once, and bytes written just before a connection breaks may be lost; ``flush(timeout:)``
/// confirms that everything before it reached the server.
///
/// **Threads.** Every connection runs on one event loop; no operation blocks a thread. All state sits
/// behind one lock held only for short state changes; continuations are resumed and channels written
/// after it is released.
public final class NATSClient: Sendable {
    /// The options the client was created with.
    public let options: NATSClientOptions
    /// What happens to the connection (connected, disconnected, reconnected, slow consumers, errors),
    /// keeping the newest 256 unread events. Iterate it from one task.
    public let events: AsyncStream<NATSClientEvent>

    let eventLoop: any EventLoop
    let logger: Logger
    let connector: NATSConnector
    /// The event loop group the client created and shuts down on close, `nil` when the caller gave one.
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let tlsContext: NIOSSLContext?
    let eventContinuation: AsyncStream<NATSClientEvent>.Continuation
    /// The inbox prefix of this client's request replies: `<inboxPrefix>.<random>.`.
    let requestInboxPrefix: String
    // Mutex: public methods and event-loop callbacks change the state in short sections that return
    // effects; the effects run after the lock is released. Lock order: this lock, then a subscription
    // buffer's lock (only pushes and finishes, which never call back).
    let state: Mutex<ClientState>
    private let groupShutDown = Mutex(false)

    private init(
        options: NATSClientOptions,
        servers: [NATSServerAddress],
        group: any EventLoopGroup,
        ownedGroup: MultiThreadedEventLoopGroup?,
        tlsContext: NIOSSLContext?,
        logger: Logger
    ) {
        self.options = options
        self.eventLoop = group.next()
        self.ownedGroup = ownedGroup
        self.tlsContext = tlsContext
        self.logger = logger
        self.connector = NATSConnector(eventLoop: eventLoop, timeout: options.connectTimeout, logger: logger)
        (events, eventContinuation) = AsyncStream.makeStream(of: NATSClientEvent.self, bufferingPolicy: .bufferingNewest(256))
        requestInboxPrefix = "\(options.inboxPrefix).\(Self.randomToken())."
        state = Mutex(ClientState(pool: ServerPool(servers)))
    }

    /// Connects to the first server of `options.servers` that accepts, trying each once.
    ///
    /// - Parameters:
    ///   - eventLoopGroup: where the connection runs; by default the client creates a one-thread group
    ///     and shuts it down on close.
    ///   - logger: receives connection changes, slow consumers and server errors.
    /// - Throws: ``NATSClientError`` — `invalidServerURL`, `invalidArgument` for out-of-range options,
    ///   `authorizationFailed` when a server refused the credentials, `connectionFailed` when no server
    ///   could be reached (naming each), `tlsUnavailable`.
    public static func connect(
        _ options: NATSClientOptions,
        eventLoopGroup: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "herald.nats")
    ) async throws -> NATSClient {
        try validate(options)
        var servers: [NATSServerAddress] = []
        for url in options.servers { servers.append(try NATSServerAddress.parse(url)) }
        var tlsContext: NIOSSLContext?
        if options.tlsConfiguration != nil || servers.contains(where: \.requiresTLS) {
            tlsContext = try NIOSSLContext(configuration: options.tlsConfiguration ?? .makeClientConfiguration())
        }
        let owned = eventLoopGroup == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        guard let group = eventLoopGroup ?? owned else {
            preconditionFailure("either a group was given or one was created")
        }
        let client = NATSClient(
            options: options,
            servers: servers,
            group: group,
            ownedGroup: owned,
            tlsContext: tlsContext,
            logger: logger
        )
        do {
            try await client.connectFirst(servers.count)
        } catch {
            await client.close()
            throw error
        }
        return client
    }

    private static func validate(_ options: NATSClientOptions) throws(NATSClientError) {
        guard !options.servers.isEmpty else {
            throw .invalidArgument("servers", value: "[]", rule: "must name at least one server")
        }
        guard options.pendingBufferLimit > 0 else {
            throw .invalidArgument("pendingBufferLimit", value: "\(options.pendingBufferLimit)", rule: "must be positive")
        }
        guard options.maximumOutstandingPings >= 1 else {
            throw .invalidArgument(
                "maximumOutstandingPings",
                value: "\(options.maximumOutstandingPings)",
                rule: "must be at least 1"
            )
        }
        guard options.pingInterval > .zero, options.connectTimeout > .zero else {
            throw .invalidArgument(
                "pingInterval/connectTimeout",
                value: "\(options.pingInterval)/\(options.connectTimeout)",
                rule: "must be positive"
            )
        }
        guard options.subscriptionLimits.maximumMessages >= 1, options.subscriptionLimits.maximumBytes >= 1 else {
            throw .invalidArgument("subscriptionLimits", value: "\(options.subscriptionLimits)", rule: "must be positive")
        }
        guard (try? NATSClientCommand.validate(subject: options.inboxPrefix)) != nil else {
            throw .invalidArgument("inboxPrefix", value: "'\(options.inboxPrefix)'", rule: "must be a valid subject")
        }
    }

    /// Where the client is in its life.
    public var connectionState: NATSConnectionState {
        state.withLock { state in
            switch state.phase {
            case .closed: .closed
            case _ where state.isDraining: .draining
            case .connecting: .connecting
            case .connected: .connected
            case .reconnecting: .reconnecting
            }
        }
    }

    /// The latest `INFO` of the server connected to (kept while reconnecting).
    public var serverInfo: NATSServerInfo? {
        state.withLock { $0.info }
    }

    /// The server connected to now, as `host:port`; `nil` while disconnected.
    public var connectedServer: String? {
        state.withLock { $0.link?.server.description }
    }

    /// A unique subject in this client's inbox namespace (`<inboxPrefix>.<random>`), to subscribe to
    /// and use as the reply subject of requests answered by several messages.
    public func newInbox() -> String {
        "\(options.inboxPrefix).\(Self.randomToken())"
    }

    /// 22 random alphanumeric characters (about 131 bits).
    static func randomToken() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<22).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Closes the client at once: the connection, every subscription (their buffered messages can still
    /// be consumed), every waiting request and flush (failing with ``NATSClientError/closed``). Calling it
    /// again does nothing more. For a graceful end use ``drain(timeout:)``.
    public func close() async {
        let (effects, channel) = state.withLock { state in
            shutDown(&state, error: .closed, subscriptionError: nil)
        }
        effects.run()
        if let channel {
            try? await channel.close()
        }
        let shutDownGroup = groupShutDown.withLock { done in
            defer { done = true }
            return !done
        }
        if shutDownGroup, let ownedGroup {
            try? await ownedGroup.shutdownGracefully()
        }
    }

    /// Moves to `closed`, failing every waiter with `error` and ending subscriptions with
    /// `subscriptionError` (or normally). Returns the effects and the channel to close.
    func shutDown(
        _ state: inout ClientState,
        error: NATSClientError,
        subscriptionError: NATSClientError?
    ) -> (Effects, (any Channel)?) {
        var effects = Effects()
        guard !state.isClosed else { return (effects, nil) }
        let channel = state.link?.channel
        state.phase = .closed
        state.closeError = error
        if let timer = state.reconnectTimer { effects { timer.cancel() } }
        if let timer = state.pingTimer { effects { timer.cancel() } }
        state.reconnectTimer = nil
        state.pingTimer = nil
        for token in Array(state.requests.keys) {
            state.completeRequest(token, .failure(error), into: &effects)
        }
        for id in Array(state.flushes.keys) {
            state.completeFlush(id, .failure(error), into: &effects)
        }
        state.pongs.removeAll()
        state.writtenPings = 0
        state.wakeSpaceWaiters(into: &effects)
        for subscription in state.subscriptions.values {
            if let buffer = subscription.buffer {
                effects { buffer.finish(throwing: subscriptionError) }
            }
        }
        state.subscriptions.removeAll()
        state.outbound.clear()
        let waiters = state.closeWaiters.values
        state.closeWaiters.removeAll()
        for waiter in waiters { effects { waiter.resume() } }
        let continuation = eventContinuation
        let logger = logger
        effects {
            logger.debug("NATS client closed", metadata: ["nats.reason": "\(error.code)"])
            continuation.yield(.closed)
            continuation.finish()
        }
        if let channel { effects { channel.close(promise: nil) } }
        return (effects, channel)
    }

    /// Waits until the client is closed (by ``close()``, a drain, or reconnecting giving up), or the task
    /// is cancelled.
    func waitUntilClosed() async {
        let id = state.withLock { $0.makeID() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.isClosed || Task.isCancelled { return true }
                    state.closeWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.closeWaiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Reports an event to ``events``.
    func emit(_ event: NATSClientEvent) {
        eventContinuation.yield(event)
    }

    /// The handshake for `server`: credentials from its URL, else from the options, else (for advertised
    /// servers) from the first configured URL that has some.
    func handshake(for server: NATSServerAddress, pool: ServerPool) -> NATSHandshake {
        var connect = NATSConnectOptions()
        connect.name = options.name
        connect.echo = options.echo
        var user = server.user
        var password = server.password
        if user == nil, options.token == nil, options.user == nil, !server.isConfigured,
            let inherited = pool.configuredCredentials
        {
            user = inherited.user
            password = inherited.password
        }
        if let user {
            if let password {
                connect.user = user
                connect.pass = password
            } else {
                connect.authToken = user
            }
        } else if let token = options.token {
            connect.authToken = token
        } else if let user = options.user {
            connect.user = user
            connect.pass = options.password
        }
        let configuration = options.tlsConfiguration
        return NATSHandshake(
            server: server,
            connect: connect,
            tlsContext: tlsContext,
            makeDefaultTLSContext: { try NIOSSLContext(configuration: configuration ?? .makeClientConfiguration()) },
            limits: NATSProtocolParser.Limits()
        )
    }
}

extension NATSClient: Service {
    /// Runs until graceful shutdown, then drains the client; returns early when the client closes
    /// (throwing ``NATSClientError/reconnectFailed(attempts:last:)`` when reconnecting gave up).
    /// Cancellation closes the client at once.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await gracefulShutdown() }
            group.addTask { await self.waitUntilClosed() }
            await group.next()
            group.cancelAll()
        }
        if Task.isCancelled {
            await close()
            return
        }
        let error = state.withLock { $0.isClosed ? $0.closeError : nil }
        if let error {
            await close()
            if error.code != .closed { throw error }
            return
        }
        try await drain()
    }
}
