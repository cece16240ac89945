import Logging

/// Makes a handler's effects happen once per idempotency key, although deliveries are at least once.
///
/// For each delivery the middleware computes the event's key (by default its `idempotencykey` extension,
/// else its `source` and `id`; see ``defaultKey(for:)``) and its ``PayloadFingerprint``, and claims the
/// key in the ``IdempotencyStore``:
/// - ``IdempotencyStatus/proceed``: the rest of the chain runs. When it returns, the key is marked
///   completed, unless it left the delivery nacked (it asked for the event again), in which case the
///   key is released. When it throws, the key is released (so a redelivery may try again) and the error
///   is rethrown.
/// - ``IdempotencyStatus/alreadyCompleted``: a duplicate. The handler does not run; the delivery is acked
///   through ``MessageContext/settle(_:)``, "duplicate stopped" is logged at `info`, and `onDuplicate` is
///   called.
/// - ``IdempotencyStatus/inProgress``: throws ``IdempotencyInProgressError`` (retryable), so the
///   delivery comes back once the other handler has finished.
/// - ``IdempotencyStatus/conflict(existing:)``: throws ``IdempotencyConflictError`` (permanent).
///
/// Keys are scoped by consumer group (the store sees `<group>/<key>`), so groups sharing a store do not
/// stop each other's events. A `key` function that returns `nil` exempts the event: it runs unchecked.
///
/// What this guards against, and the misconceptions it does not share:
/// - *"Adding an idempotency key ensures idempotency."* A key only names the work; it takes a store that
///   remembers completed keys, consulted before the work and updated after it, to make the work happen
///   once. Even so, the guarantee is as strong as the store: this middleware marks completion after the
///   handler returns, so a crash between the handler's side effect and `complete` leads to a second run.
///   Handlers whose effects must never repeat should also make those effects idempotent themselves (for
///   example an upsert keyed by the event).
/// - *"Equal idempotency keys mean identical payloads."* They do not: a producer may reuse a key by
///   mistake. The store keeps a fingerprint of the payload with each key, and a key seen again with a
///   different payload is a conflict, not a duplicate.
/// - *"The event timestamp is a valid idempotency key."* It is not: distinct events can share a
///   timestamp and a retried publish may carry a new one. The default key never uses `time`, nor the
///   broker's offset or ingest time.
public struct IdempotencyMiddleware: Middleware {
    /// Remembers claimed and completed keys.
    public let store: any IdempotencyStore
    /// How long keys are remembered after they are claimed and after they complete.
    public let ttl: Duration
    private let key: @Sendable (Event) -> String?
    private let onDuplicate: (@Sendable (Event) -> Void)?

    /// Creates an idempotency middleware.
    ///
    /// - Parameters:
    ///   - store: where keys are remembered.
    ///   - ttl: how long keys are remembered; default 24 hours, must be positive. Choose it longer than
    ///     the longest time a duplicate can arrive after the original (redelivery, replay).
    ///   - key: the event's idempotency key, or `nil` to exempt the event; default ``defaultKey(for:)``.
    ///   - onDuplicate: called with each event stopped as a duplicate; default none.
    /// - Throws: ``MiddlewareConfigurationError`` when `ttl` is not positive.
    public init(
        store: any IdempotencyStore,
        ttl: Duration = .seconds(24 * 60 * 60),
        key: @escaping @Sendable (Event) -> String? = IdempotencyMiddleware.defaultKey(for:),
        onDuplicate: (@Sendable (Event) -> Void)? = nil
    ) throws(MiddlewareConfigurationError) {
        guard ttl > .zero else {
            throw .invalidSetting(component: "IdempotencyMiddleware", setting: "ttl", value: "\(ttl)", rule: "must be positive")
        }
        self.store = store
        self.ttl = ttl
        self.key = key
        self.onDuplicate = onDuplicate
    }

    /// The default key: the event's `idempotencykey` extension if it has one, else its `source` and `id`
    /// joined by `#` (the pair the CloudEvents spec makes unique). Never `nil`; never uses `time`.
    public static func defaultKey(for event: Event) -> String? {
        event.extensionValue(ExtensionAttributeName.idempotencyKey.rawValue) ?? "\(event.source)#\(event.id)"
    }

    /// Runs `next` at most once per key, as described on the type.
    ///
    /// - Throws: ``IdempotencyInProgressError``, ``IdempotencyConflictError``, the store's errors, the
    ///   broker's error when acking a duplicate fails, or whatever `next` throws.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        let event = context.event
        guard let key = key(event) else {
            try await next(context)
            return
        }
        let storeKey = "\(context.delivery.group)/\(key)"
        let fingerprint = PayloadFingerprint(of: event)
        switch try await store.begin(key: storeKey, fingerprint: fingerprint, ttl: ttl) {
        case .proceed:
            do {
                try await next(context)
            } catch {
                await release(storeKey, key: key, context: context)
                throw error
            }
            if case .nack = context.settlement {
                await release(storeKey, key: key, context: context)
                return
            }
            do {
                try await store.complete(key: storeKey)
            } catch {
                // The work is done; failing now would run it again. The claim stays in progress until its
                // ttl, so duplicates meanwhile are retried rather than run.
                var logger = context.logger
                logger[metadataKey: LogKey.errorType] = "\(type(of: error))"
                logger[metadataKey: LogKey.error] = "\(error)"
                logger.error("could not mark the idempotency key completed", metadata: [Self.keyMetadata: "\(key)"])
            }
        case .alreadyCompleted:
            try await context.settle(.ack)
            context.logger.info("duplicate stopped", metadata: [Self.keyMetadata: "\(key)"])
            onDuplicate?(event)
        case .inProgress:
            throw IdempotencyInProgressError(key: key, eventID: event.id)
        case .conflict(let existing):
            throw IdempotencyConflictError(key: key, eventID: event.id, existing: existing, incoming: fingerprint)
        }
    }

    private static let keyMetadata = "herald.idempotency.key"

    private func release(_ storeKey: String, key: String, context: MessageContext) async {
        do {
            try await store.release(key: storeKey)
        } catch {
            var logger = context.logger
            logger[metadataKey: LogKey.errorType] = "\(type(of: error))"
            logger[metadataKey: LogKey.error] = "\(error)"
            logger.error(
                "could not release the idempotency key; redeliveries wait for its ttl",
                metadata: [Self.keyMetadata: "\(key)"]
            )
        }
    }
}
