import Herald
import Synchronization

/// Records every delivery's outcome; the ``TestHarness`` puts it outermost in the consumers it builds.
struct RecordingMiddleware: Middleware {
    let records: Recorder<HandledRecord>

    func handle(_ context: MessageContext, next: MessageHandler) async throws {
        func record(_ outcome: HandledRecord.Outcome) {
            records.append(
                HandledRecord(
                    group: context.delivery.group,
                    topic: context.delivery.topic,
                    event: context.event,
                    attempt: context.delivery.attempt,
                    outcome: outcome
                )
            )
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

/// A thread-safe, append-only list.
final class Recorder<Element: Sendable>: Sendable {
    // Mutex: consumers' handlers append concurrently.
    private let elements = Mutex<[Element]>([])

    func append(_ element: Element) {
        elements.withLock { $0.append(element) }
    }

    var all: [Element] { elements.withLock { $0 } }
}
