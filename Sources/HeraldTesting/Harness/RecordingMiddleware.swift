import Herald

/// Records every delivery's outcome; the ``TestHarness`` puts it outermost in the consumers it builds.
struct RecordingMiddleware: Middleware {
    let records: Shared<[HandledRecord]>

    func handle(_ context: MessageContext, next: MessageHandler) async throws {
        func record(_ outcome: HandledRecord.Outcome) {
            let record = HandledRecord(
                group: context.delivery.group,
                topic: context.delivery.topic,
                event: context.event,
                attempt: context.delivery.attempt,
                outcome: outcome
            )
            records.update { $0.append(record) }
        }
        do {
            try await next(context)
            record(context.settlement.map { .settled($0) } ?? .acknowledged)
        } catch {
            record(context.settlement.map { .settled($0) } ?? .failed(DeliveryFailure(error)))
            throw error
        }
    }
}
