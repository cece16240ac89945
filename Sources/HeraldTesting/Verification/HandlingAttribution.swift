import Herald

/// The delivery a handler is working on, as a task-local value, so that dependency calls and publishes
/// deep inside the handler know what caused them.
struct HandlingAttribution: Sendable {
    /// The delivery's event id.
    var eventID: String
    /// `topic/partition@offset`.
    var storedAt: String
    /// The consumer group.
    var group: String
    /// The delivery's attempt.
    var attempt: Int
    /// The running consumer instance, for a crash to stop.
    var instance: ConsumerInstance?

    /// The handling in progress in this task, if any.
    @TaskLocal static var current: HandlingAttribution?
}

/// Sets ``HandlingAttribution/current`` around each delivery and counts handlers in flight: the outermost
/// middleware of every consumer the verifier runs.
struct AttributionMiddleware: Middleware {
    let instance: ConsumerInstance
    let journal: RunJournal

    func handle(_ context: MessageContext, next: MessageHandler) async throws {
        let delivery = context.delivery
        let attribution = HandlingAttribution(
            eventID: delivery.event.id, storedAt: storedPosition(topic: delivery.topic, partition: delivery.partition, offset: delivery.offset),
            group: delivery.group,
            attempt: delivery.attempt, instance: instance)
        journal.handlingStarted()
        defer { journal.handlingEnded() }
        try await HandlingAttribution.$current.withValue(attribution) {
            try await next(context)
        }
    }
}
