import Logging
import NIOCore
import NIOPosix

/// Opens one connection: TCP, then the NATS handshake (with a TLS upgrade when needed), bounded by a
/// timeout. The resulting channel runs on ``eventLoop``.
struct NATSConnector: Sendable {
    /// The event loop every connection of the client runs on.
    let eventLoop: any EventLoop
    /// The bound on TCP connect plus handshake.
    let timeout: Duration
    let logger: Logger

    /// The bytes NIO may hold for writing before the channel reports itself unwritable.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 64 * 1024, high: 256 * 1024)

    /// Connects to `handshake.server`; the future succeeds once the server answered the first `PONG`.
    ///
    /// The future fails with ``NATSClientError`` (`connectionFailed`, `authorizationFailed`,
    /// `tlsUnavailable`).
    func connect(
        id: UInt64,
        handshake: NATSHandshake,
        delegate: any NATSConnectionDelegate
    ) -> EventLoopFuture<(channel: any Channel, info: NATSServerInfo)> {
        let server = handshake.server
        let promise = eventLoop.makePromise(of: NATSServerInfo.self)
        let timeout = self.timeout
        let logger = self.logger
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: Self.writeBufferWaterMark)
            .channelInitializer { channel in
                do {
                    let handler = NATSChannelHandler(
                        id: id,
                        handshake: handshake,
                        promise: promise,
                        delegate: delegate,
                        logger: logger
                    )
                    try channel.pipeline.syncOperations.addHandler(handler)
                    let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
                    let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                        bound.value.handshakeTimedOut(after: timeout, context: channel)
                    }
                    promise.futureResult.whenComplete { _ in timer.cancel() }
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let connected = bootstrap.connect(host: server.host, port: server.port)
        connected.whenFailure { error in promise.fail(error) }
        return connected.flatMap { channel in
            promise.futureResult.map { info in (channel: channel, info: info) }
        }
        .flatMapErrorThrowing { error in
            if let error = error as? NATSClientError { throw error }
            throw NATSClientError.connectionFailed(server: server.description, reason: "\(error)", underlying: error)
        }
    }
}
