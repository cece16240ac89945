import Logging
import NIOCore
import NIOSSL

/// Receives what happens on an established connection. Called on the connection's event loop.
protocol NATSConnectionDelegate: AnyObject, Sendable {
    /// A frame other than the `PING`s the handler answers itself, and other than messages, arrived after
    /// the handshake.
    func connection(_ id: UInt64, received frame: NATSServerFrame)
    /// Messages that arrived together (in one read, with no other frame between them), in order.
    func connection(_ id: UInt64, receivedMessages messages: [NATSServerFrame.MessageFrame])
    /// The connection closed; `error` says why when known.
    func connection(_ id: UInt64, closedWith error: (any Error)?)
    /// The channel's writability changed.
    func connection(_ id: UInt64, writabilityChanged isWritable: Bool)
}

/// What the handshake of one connection needs.
struct NATSHandshake: Sendable {
    /// The server connected to.
    var server: NATSServerAddress
    /// The `CONNECT` options, credentials included.
    var connect: NATSConnectOptions
    /// The TLS context to upgrade with, when TLS is configured or the URL is `tls://`. When the server
    /// requires TLS and this is `nil`, ``makeDefaultTLSContext`` is used.
    var tlsContext: NIOSSLContext?
    /// Creates the default TLS context.
    var makeDefaultTLSContext: @Sendable () throws -> NIOSSLContext
    /// The parser's bounds before `INFO` raises the payload limit.
    var limits: NATSProtocolParser.Limits
}

/// The NATS protocol on one channel: parses frames, performs the handshake (`INFO`, optional TLS
/// upgrade, `CONNECT`, `PING`, `PONG`), answers server `PING`s, and hands everything else to the delegate.
final class NATSChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case awaitingInfo
        case awaitingPong
        case ready
        case closed
    }

    private var phase = Phase.awaitingInfo
    private var parser: NATSProtocolParser
    private let handshake: NATSHandshake
    private let handshakePromise: EventLoopPromise<NATSServerInfo>
    private var info: NATSServerInfo?
    private let id: UInt64
    private let delegate: any NATSConnectionDelegate
    private let logger: Logger
    /// The first error seen, reported when the channel closes.
    private var failure: (any Error)?

    init(
        id: UInt64,
        handshake: NATSHandshake,
        promise: EventLoopPromise<NATSServerInfo>,
        delegate: any NATSConnectionDelegate,
        logger: Logger
    ) {
        self.id = id
        self.handshake = handshake
        self.handshakePromise = promise
        self.delegate = delegate
        self.logger = logger
        self.parser = NATSProtocolParser(limits: handshake.limits)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(unwrapInboundIn(data))
        // Messages in a row go to the delegate together (one routing step for a read's burst); any other
        // frame hands over those before it first, so the order of frames holds.
        var messages: [NATSServerFrame.MessageFrame] = []
        do {
            while phase != .closed, let frame = try parser.next() {
                if phase == .ready, case .message(let message) = frame {
                    messages.append(message)
                    continue
                }
                if !messages.isEmpty {
                    delegate.connection(id, receivedMessages: messages)
                    messages.removeAll(keepingCapacity: true)
                }
                try handle(frame, context: context)
            }
        } catch {
            if !messages.isEmpty { delegate.connection(id, receivedMessages: messages) }
            fail(error, context: context)
            return
        }
        if !messages.isEmpty { delegate.connection(id, receivedMessages: messages) }
    }

    private func handle(_ frame: NATSServerFrame, context: ChannelHandlerContext) throws {
        if case .ping = frame {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(staticString: "PONG\r\n")), promise: nil)
            return
        }
        switch phase {
        case .awaitingInfo:
            guard case .info(let info) = frame else {
                throw NATSClientError.connectionFailed(
                    server: handshake.server.description,
                    reason: "the server's first frame was not INFO (\(frame)); is it a NATS server?"
                )
            }
            try start(info, context: context)
        case .awaitingPong:
            switch frame {
            case .pong:
                phase = .ready
                if let info { handshakePromise.succeed(info) }
            case .error(let message):
                throw Self.handshakeError(message, server: handshake.server.description)
            case .info(let info):
                update(info)
            case .ok, .ping, .message:
                break
            }
        case .ready:
            if case .info(let info) = frame { update(info) }
            delegate.connection(id, received: frame)
        case .closed:
            break
        }
    }

    /// After the first `INFO`: upgrades to TLS when needed, then sends `CONNECT` and `PING`.
    private func start(_ info: NATSServerInfo, context: ChannelHandlerContext) throws {
        update(info)
        var connect = handshake.connect
        let server = handshake.server
        if server.requiresTLS || info.tlsRequired || handshake.tlsContext != nil && info.tlsAvailable {
            guard info.tlsRequired || info.tlsAvailable else {
                throw NATSClientError.tlsUnavailable(server: server.description)
            }
            let tlsContext = try handshake.tlsContext ?? handshake.makeDefaultTLSContext()
            let hostname = Self.isIPAddress(server.host) ? nil : server.host
            let tls = try NIOSSLClientHandler(context: tlsContext, serverHostname: hostname)
            try context.pipeline.syncOperations.addHandler(tls, position: .first)
            connect.tlsRequired = true
        }
        var bytes = context.channel.allocator.buffer(capacity: 256)
        try NATSClientCommand.connect(connect).encode(into: &bytes)
        try NATSClientCommand.ping.encode(into: &bytes)
        phase = .awaitingPong
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    private func update(_ info: NATSServerInfo) {
        self.info = info
        parser.limits.maximumPayload = max(info.maxPayload, 0)
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// A `-ERR` during the handshake: credentials refused, or another refusal.
    private static func handshakeError(_ message: String, server: String) -> NATSClientError {
        let lowered = message.lowercased()
        if lowered.contains("authorization") || lowered.contains("authentication") {
            return .authorizationFailed(server: server, serverMessage: message)
        }
        return .connectionFailed(server: server, reason: "the server refused the connection: '\(message)'")
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        if phase == .ready {
            logger.debug(
                "closing the NATS connection after an error",
                metadata: ["nats.server": "\(handshake.server)", "error": "\(error)"]
            )
        }
        handshakePromise.fail(error)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if phase == .ready {
            delegate.connection(id, writabilityChanged: context.channel.isWritable)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let wasReady = phase == .ready
        phase = .closed
        let error = failure
        handshakePromise.fail(
            error
                ?? NATSClientError.connectionFailed(
                    server: handshake.server.description,
                    reason: "the server closed the connection during the handshake"
                )
        )
        if wasReady {
            delegate.connection(id, closedWith: error)
        }
        context.fireChannelInactive()
    }

    /// Ends the handshake with a timeout; called by the connector's timer.
    func handshakeTimedOut(after timeout: Duration, context channel: any Channel) {
        guard phase == .awaitingInfo || phase == .awaitingPong else { return }
        fail(
            NATSClientError.connectionFailed(
                server: handshake.server.description,
                reason: "the handshake did not finish within \(timeout)"
            ),
            channel: channel
        )
    }

    private func fail(_ error: any Error, channel: any Channel) {
        if failure == nil { failure = error }
        handshakePromise.fail(error)
        channel.close(promise: nil)
    }
}
