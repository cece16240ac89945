/// Seed 003's checklist, line by line, mapped to the verifier's profiles (see the `VerifyYourHandlers`
/// article for the same map with the Herald features behind each line).
public enum MisconceptionCatalog {
    private static let ordering = "Message ordering"
    private static let duplication = "Message duplication"
    private static let idempotency = "Idempotency"
    private static let load = "Load management"
    private static let producer = "Producer contract"
    private static let consumer = "Consumer contract"
    private static let deadLetters = "Dead letter queues"
    private static let recovery = "Recovery"
    private static let architecture = "Architecture"

    /// Every line of the checklist, in its order.
    public static let all: [Misconception] = [
        Misconception(
            ordering, "Events will arrive in order", [.reorderedPublishing, .delayedPublishing],
            herald:
                "per-key ordering (`SubscriptionOptions.ordering`, `KeyOrderingMiddleware`) for what one producer sends in order; the verifier for what arrives out of order anyway"
        ),
        Misconception(
            ordering, "Events will arrive in order, even with a single consumer", [.reorderedPublishing, .lostAcknowledgement],
            herald: "a redelivery after a lost acknowledgement arrives after later events, even with one consumer; checked with one instance per group"),
        Misconception(
            ordering, "Events will arrive in order, even if specified by the producer contract", [.reorderedPublishing],
            herald: "handlers that order by a version or sequence in the payload, not by arrival"),
        Misconception(
            ordering, "Events will arrive in order, even with days between messages", [.delayedPublishing, .duplicateDaysLater],
            herald: "retention and de-duplication windows are finite: a late event or a days-later copy arrives after its successors"),
        Misconception(
            ordering, "Events can always be ordered", [.skewedTime, .sameTimestamp],
            herald: "the broker's offset is the only total order; producers' `time` is skewed and collides"),
        Misconception(
            duplication, "Events won't be duplicated", [.duplicateDelivery, .redeliveryStorm],
            herald: "at-least-once delivery is the contract; `IdempotencyMiddleware` and the PostgreSQL inbox make handling once"),
        Misconception(
            duplication, "Events won't be duplicated, in at-most-once delivery queues", [.lostAcknowledgement, .consumerCrash],
            herald: "Herald offers no at-most-once queue: an unacknowledged delivery is always redelivered, so the loss becomes a duplicate you can handle"),
        Misconception(
            duplication, "Events won't be duplicated, even if specified by producer contract", [.duplicateDaysLater],
            herald: "producers retry: the broker de-duplicates by (source, id) within a window; the inbox beyond it"),
        Misconception(
            duplication, "Events won't be duplicated, even with de-duplication upon arrival", [.duplicateDaysLater, .duplicateDelivery],
            herald: "de-duplication on publish has a window and does not cover redelivery; idempotent handling must"),
        Misconception(
            idempotency, "Adding an idempotency key ensures idempotency", [.consumerCrash, .lostAcknowledgement, .failingDependency],
            herald: "the key must be recorded with the effect, atomically (PostgreSQL inbox), and passed on to dependencies"),
        Misconception(
            idempotency, "Equal idempotency keys mean identical payloads", [.conflictingPayload],
            herald: "`IdempotencyMiddleware` fingerprints the payload and dead-letters a conflict (`IdempotencyConflictError`)"),
        Misconception(
            idempotency, "Event timestamp is a valid idempotency key", [.sameTimestamp],
            herald: "the default key is (source, id) or the `idempotencykey` extension, never `time`"),
        Misconception(
            idempotency, "Writing idempotent code is easy", [.duplicateDelivery, .redeliveryStorm, .lostAcknowledgement, .consumerCrash],
            herald: "every duplicate-making profile at once: the verifier proves it rather than trusting it"),
        Misconception(
            idempotency, "Maintain and improve idempotent code is easy",
            notApplicable: "about code as it changes, not one version of it: run the verifier in CI on every change (`herald verify`)",
            herald: "`herald verify` and `HeraldTesting.verify` in the test suite"),
        Misconception(
            idempotency, "Idempotency can be solved via adding a distributed lock and an idempotency key", [.consumerCrash, .competingConsumers],
            herald: "a lock does not survive a crash between the effect and the record; the inbox writes both in one transaction"),
        Misconception(
            load, "Low TPS systems are not subject to backlog", [.burst, .slowDependency],
            herald: "bounded prefetch and queues, lag per group in metrics and `GET /topics/{topic}/groups/{group}`"),
        Misconception(
            load, "Low TPS systems are not subject throttling", [.failingDependency, .dependencyOutage],
            herald: "`RateLimitMiddleware`, retries with backoff and jitter"),
        Misconception(
            load, "Processing timeout of XX seconds is sufficient", [.slowDependency],
            herald: "`TimeoutMiddleware` and the ack deadline: a timed-out attempt whose effect happened is retried, so effects need idempotency keys"),
        Misconception(
            load, "Processing timeout of XX minutes is sufficient", [.slowDependency],
            herald: "as above; `Delivery.inProgress()` extends the ack deadline for long work"),
        Misconception(
            load, "Processing timeout of XX hours is sufficient", [.slowDependency, .dependencyOutage],
            herald: "as above; an outage outlasts any timeout, and retries with backoff ride it out"),
        Misconception(
            load, "Upstream dependencies' timeouts are properly configured", [.slowDependency],
            herald: "the slow-dependency profile calls with a latency longer than usual timeouts"),
        Misconception(
            load, "Retry policy is properly configured", [.failingDependency, .dependencyOutage],
            herald: "`RetryPolicy` and `FailurePolicy` (attempts, backoff, dead letters); the outage profile checks they outlast an hour"),
        Misconception(
            load, "Event processing time is constant and performance will remain consistent under load", [.burst, .slowDependency],
            herald: "the benchmark program measures; the verifier checks correctness under a burst"),
        Misconception(
            producer, "Event producer can be trusted to always produce valid events", [.malformedEvents],
            herald: "typed decoding with limits; a contract violation is dead-lettered with its error, the rest flow on"),
        Misconception(
            producer, "Event producer can be trusted to generally produce valid events", [.malformedEvents],
            herald: "as above: poison events park in the dead letters instead of blocking the partition"),
        Misconception(
            producer, "Event producer can be trusted to produce non-conflicting events", [.conflictingPayload],
            herald: "payload fingerprints under one key: conflicts are dead-lettered, never silently skipped"),
        Misconception(
            producer, "Event producer can be trusted to not overload the consumer", [.burst],
            herald: "pull consumers with bounded prefetch: the broker holds the backlog, not the consumer's memory"),
        Misconception(
            producer, "Event producer can be trusted to send message on time", [.delayedPublishing, .skewedTime],
            herald: "`time` is the producer's claim; the broker's `storedAt` and offsets are what Herald orders by"),
        Misconception(
            producer, "Event producer can be trusted to never fail",
            notApplicable: "a producer that fails loses events before they reach any handler: nothing a consumer can be checked for",
            herald: "the transactional outbox (`PostgresOutbox`, `OutboxRelay`) publishes what the producer committed"),
        Misconception(
            producer, "Event producer can be trusted to rarely fail", [.duplicateDaysLater],
            herald: "a producer that fails and retries sends the same event again; checked as a republished copy"),
        Misconception(
            producer, "Event producer can be trusted, even if it is an internal process", [.malformedEvents, .conflictingPayload],
            herald: "the same checks for every producer"),
        Misconception(
            consumer, "Event consumer is simple enough to never fail", [.consumerCrash, .failingDependency],
            herald: "crashes lose only acknowledgements: unacknowledged work is redelivered"),
        Misconception(
            consumer, "Event consumer does not need a scaling strategy", [.competingConsumers, .burst],
            herald: "competing consumers in a group, per-key ordering across them"),
        Misconception(
            consumer, "Event consumer downstream dependencies support idempotent calls", [.failingDependency, .slowDependency],
            herald: "pass an idempotency key downstream (`SimulatedDependency.perform(_:idempotencyKey:_:)` models one that honours it)"),
        Misconception(
            consumer, "Events will never be dropped", [.duplicateDelivery, .lostAcknowledgement, .consumerCrash, .malformedEvents, .sameTimestamp],
            herald: "an acknowledged event is served intact or reported damaged; the no-event-lost invariant checks every run"),
        Misconception(
            deadLetters, "Dead letter queues are not necessary", [.malformedEvents, .dependencyOutage],
            herald: "every group has a dead-letter topic with the failure recorded"),
        Misconception(
            deadLetters, "Dead letter queue is properly configured", [.malformedEvents],
            herald: "the checks require each malformed or poison event to reach the dead letters"),
        Misconception(
            deadLetters, "Only a handful events will end up in the dead letter queue", [.dependencyOutage],
            herald: "an outage longer than the retry policy fills the dead letters: `herald dlq categories` triages them by category"),
        Misconception(
            deadLetters, "Even if there are many events in the DLQ, there are only a few representative error categories",
            notApplicable: "a property of production traffic, not of handlers",
            herald: "dead-letter triage groups failures by category with counts and first/last seen (`herald dlq categories`)"),
        Misconception(
            deadLetters, "At least it will be easy to sort out the different error categories",
            notApplicable: "a property of the operator's tools, not of handlers",
            herald: "triage categories, dry-run, redrive and edit-and-redrive in the server and CLI"),
        Misconception(
            recovery, "System does not need manual recovery", [.dependencyOutage, .malformedEvents],
            herald: "dead letters, redrive, seek to an offset or a time"),
        Misconception(
            recovery, "Manual recovery won't require modifying events",
            notApplicable: "repairing events is an operator's act, not a handler's",
            herald: "edit-and-redrive with an audit log (`herald dlq edit`)"),
        Misconception(
            recovery, "Manual recovery won't require the producer to regenerate messages",
            notApplicable: "about what the broker keeps, not about handlers",
            herald: "events stay in the log for the topic's retention; a group can seek back and replay"),
        Misconception(
            recovery, "Manual recovery won't coincide with another system failure",
            notApplicable: "about operations during an incident, not about handlers",
            herald: "redrive goes through the same retries and dead letters as first deliveries"),
        Misconception(
            recovery, "Manual recovery will be completed within minutes",
            notApplicable: "an operational duration, not a property of handlers",
            herald: "lag and dead-letter counts in metrics and the admin API show how far recovery is"),
        Misconception(
            recovery, "Manual recovery will be completed within hours",
            notApplicable: "an operational duration, not a property of handlers",
            herald: "as above"),
        Misconception(
            recovery, "Manual recovery will be completed within days",
            notApplicable: "an operational duration, not a property of handlers",
            herald: "as above; retention must outlast it"),
        Misconception(
            recovery, "Pending manual recovery, events can simply stay in the queue", [.duplicateDaysLater, .delayedPublishing],
            herald:
                "retention is finite and the de-duplication window short: events that wait days arrive after their successors, and copies are not recognised"),
        Misconception(
            architecture, "Orchestrated architectures are better and simpler",
            notApplicable: "a design choice, not a property of handlers",
            herald: "both are built: `SagaOrchestrator`, and choreography with `FlowTrace` to follow it"),
        Misconception(
            architecture, "Choreographed architectures are better and simpler",
            notApplicable: "a design choice, not a property of handlers",
            herald: "`herald demo` runs the coffee shop both ways and prints who knew whom"),
        Misconception(
            architecture, "Unbounded queues are better than bounded queues",
            notApplicable: "Herald has no unbounded queue to choose",
            herald: "every buffer is bounded; backpressure reaches publishers as typed errors"),
        Misconception(
            architecture, "Event-driven architecture are simpler to reason about",
            notApplicable: "a judgement, not a property of handlers",
            herald: "flow traces, the flow map and this verifier make the system's behaviour visible"),
    ]
}
