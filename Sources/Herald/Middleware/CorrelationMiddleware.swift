import Logging

/// Carries lineage from a handled event to the events its handler publishes: sets
/// ``EventLineage/current`` so that ``Publisher`` stamps `correlationid` (the flow's id, started by the
/// first event) and `causationid` (the handled event's id).
public struct CorrelationMiddleware: Middleware {
    /// Creates the middleware.
    public init() {}

    /// Runs `next` with the handled event's lineage.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        var context = context
        let lineage = EventLineage(causedBy: context.event)
        context.logger[metadataKey: "herald.correlation.id"] = "\(lineage.correlationID)"
        try await EventLineage.$current.withValue(lineage) {
            try await next(context)
        }
    }
}
