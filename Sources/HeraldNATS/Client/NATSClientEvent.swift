/// Something that happened to a client's connection, delivered on ``NATSClient/events``.
public enum NATSClientEvent: Sendable, Hashable {
    /// The first connection was established to `server`.
    case connected(server: String)
    /// The connection to `server` was lost; the client reconnects if reconnecting is enabled.
    /// `reason` says why, when known.
    case disconnected(server: String, reason: String?)
    /// A new connection to `server` was established and every subscription was re-sent.
    case reconnected(server: String)
    /// The server reported an error with `-ERR`.
    case serverError(String)
    /// A subscription's buffer was full and messages were dropped (sent once per episode of drops).
    case slowConsumer(subject: String, sid: UInt64)
    /// The server is about to shut down (lame duck mode); the client will reconnect elsewhere when it does.
    case lameDuckMode(server: String)
    /// The client is closed; no more events follow.
    case closed
}

/// Where a client is in its life.
public enum NATSConnectionState: Sendable, Hashable {
    /// The first connection is being established.
    case connecting
    /// Connected to a server.
    case connected
    /// The connection was lost; the client is trying the servers again.
    case reconnecting
    /// ``NATSClient/drain(timeout:)`` is running: no new subscriptions or requests.
    case draining
    /// Closed for good: by ``NATSClient/close()``, after a drain, or because reconnecting gave up.
    case closed
}
