import Logging

/// What a query's handler sees (``Consumer/answer(_:from:handler:)``): the query's event and a logger, but
/// no publisher and no settlement, because answering a query changes nothing.
public struct QueryContext: Sendable {
    /// The query's event.
    public let event: Event
    /// The delivery's logger.
    public let logger: Logger

    /// A context for `event`.
    public init(event: Event, logger: Logger) {
        self.event = event
        self.logger = logger
    }
}
