import Foundation
import Herald
import Logging
import NIOCore
import Synchronization

/// An event store on NATS JetStream: one JetStream stream holds every event-store stream, each on a
/// subject of its own (``NATSEventStoreOptions/subjectPrefix`` `.` the stream's name), and each append is
/// one message (``EventBatchMessage``), so it is stored whole or not at all. The expected revision is
/// enforced by the server: the append carries `Nats-Expected-Last-Subject-Sequence`, the sequence of the
/// stream's last message as the writer read it, so of concurrent appends to one stream exactly one is
/// stored. `Nats-Msg-Id` makes a retried append within the duplicate window a duplicate.
///
/// The global position of an event is its message's stream sequence × 65,536 + its index in the append:
/// increasing in commit order, not dense. Reading a stream walks its messages with `next_by_subj` (one
/// request per append); streams meant for event sourcing are short, and a snapshot bounds the walk for
/// long ones.
public final class NATSEventStore: EventStore {
    /// Bits of a position that hold the event's index in its append.
    static let indexBits: UInt64 = 16

    private let client: NATSClient
    private let ownsClient: Bool
    private let jetStream: JetStream
    private let options: NATSEventStoreOptions
    private let subjects: EventStoreSubject
    private let logger: Logger
    private let waiters = Mutex<[UInt64: AsyncSignal]>([:])
    private let lastWaiter = Atomic<UInt64>(0)
    private let watch = Mutex<(task: Task<Void, Never>, subscription: NATSSubscription)?>(nil)
    private let isClosed = Atomic<Bool>(false)

    private init(client: NATSClient, ownsClient: Bool, options: NATSEventStoreOptions, logger: Logger) {
        self.client = client
        self.ownsClient = ownsClient
        self.options = options
        self.subjects = EventStoreSubject(prefix: options.subjectPrefix)
        self.logger = logger
        self.jetStream = JetStream(client: client, options: JetStreamOptions(domain: options.jetStreamDomain, requestTimeout: options.requestTimeout))
    }

    /// Connects a new client with `options.client`, creates the JetStream stream if it is missing, and
    /// starts watching for appends. ``close()`` closes the client.
    ///
    /// - Throws: ``NATSClientError`` when no server can be reached; ``JetStreamError`` when JetStream is
    ///   not enabled or the stream cannot be created; ``EventStoreError`` for an invalid option.
    public static func connect(_ options: NATSEventStoreOptions, logger: Logger = Logger(label: "herald.nats.event-store")) async throws -> NATSEventStore {
        try validate(options)
        let client = try await NATSClient.connect(options.client, logger: logger)
        let store = NATSEventStore(client: client, ownsClient: true, options: options, logger: logger)
        do {
            try await store.start()
        } catch {
            await client.close()
            throw error
        }
        return store
    }

    /// A store on a client the caller owns (and closes after ``close()``); `options.client` is unused.
    ///
    /// - Throws: as ``connect(_:logger:)``.
    public static func connect(
        client: NATSClient, options: NATSEventStoreOptions = NATSEventStoreOptions(), logger: Logger = Logger(label: "herald.nats.event-store")
    ) async throws -> NATSEventStore {
        try validate(options)
        let store = NATSEventStore(client: client, ownsClient: false, options: options, logger: logger)
        try await store.start()
        return store
    }

    private static func validate(_ options: NATSEventStoreOptions) throws(EventStoreError) {
        let prefix = options.subjectPrefix
        guard !prefix.isEmpty, prefix.utf8.count <= 64,
            prefix.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "-" || $0 == "_") })
        else {
            throw EventStoreError(
                code: .unavailable, message: "invalid subjectPrefix '\(prefix)': use 1 to 64 ASCII letters, digits, '-' or '_', as 'herald-es'")
        }
    }

    /// Creates the stream when it is missing and subscribes to every stream's subject, to learn of appends.
    private func start() async throws {
        do {
            let info = try await jetStream.streamInfo(options.streamName)
            if info.configuration.allowDirect != true {
                // Reads use direct gets (raw messages, no JSON or base64).
                var configuration = info.configuration
                configuration.allowDirect = true
                _ = try await jetStream.updateStream(configuration)
            }
        } catch let error as JetStreamError where error.kind == .streamNotFound {
            var configuration = StreamConfiguration(
                name: options.streamName, subjects: [subjects.wildcard], description: "Herald event store: one subject per event stream")
            configuration.storage = options.storage
            configuration.replicas = options.replicas
            configuration.retention = .limits
            // An event store keeps every event: no message may be deleted or purged.
            configuration.denyDelete = true
            configuration.denyPurge = true
            configuration.allowDirect = true
            do {
                _ = try await jetStream.createStream(configuration)
            } catch let error as JetStreamError where error.kind == .streamNameInUse {
                // Another process created it first.
            }
        }
        let subscription = try client.subscribe(subjects.wildcard)
        let task = Task { [weak self, logger] in
            do {
                for try await _ in subscription { self?.notifyWaiters() }
            } catch {
                // Waiters still look at least once a second (their deadline).
                logger.warning("the event store's watch of new appends ended", metadata: ["herald.error": "\(error)"])
            }
        }
        watch.withLock { $0 = (task, subscription) }
    }

    /// Stops watching and closes the client if the store created it; later calls fail with
    /// ``EventStoreError/closed()``. Calling it again does nothing.
    public func close() async {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        watch.withLock { watch in
            watch?.subscription.unsubscribe()
            watch?.task.cancel()
        }
        notifyWaiters()
        if ownsClient { await client.close() }
    }

    /// Deletes the JetStream stream and every event in it (for tests and tearing down); the store is
    /// unusable afterwards.
    ///
    /// - Throws: ``JetStreamError``, ``NATSClientError``.
    public func deleteEverything() async throws {
        try await jetStream.deleteStream(options.streamName)
    }

    // MARK: Appending

    /// Appends `events` to `stream` as one JetStream message if `expected` holds (checked by the server
    /// against the sequence of the stream's last message); the same ids again with the same expectation
    /// return the first append's result.
    ///
    /// - Throws: ``WrongExpectedRevisionError``; ``EventStoreError`` for an invalid or oversize append, a
    ///   closed store, or a server that fails (then the append may or may not be stored: retry it, the
    ///   same ids with the same expectation are recognised).
    public func append(_ events: [Event], to stream: String, expecting expected: ExpectedRevision) async throws -> AppendResult {
        try AppendRules.validate(events, to: stream)
        try checkOpen()
        guard events.count <= EventBatchMessage.maximumEvents else {
            throw EventStoreError.invalidAppend(stream: stream, reason: "it has \(events.count) events; the limit is \(EventBatchMessage.maximumEvents)")
        }
        let subject = subjects.subject(of: stream)
        // Only `any` and `streamExists` retry a lost race; `exact` and `noStream` report it as the conflict.
        for _ in 0..<1_000 {
            let last = try await lastMessage(on: subject)
            let current = last.map { $0.first + UInt64($0.count) - 1 }
            if let earlier = try await alreadyAppended(events, to: stream, expected: expected, current: current) { return earlier }
            guard expected.isMet(byCurrent: current) else {
                throw WrongExpectedRevisionError(stream: stream, expected: expected, actual: current)
            }
            let first = current.map { $0 + 1 } ?? 0
            let (headers, payload) = try encode(EventBatchMessage(firstRevision: first, events: events), stream: stream)
            let publishOptions = PublishOptions(
                messageID: Self.messageID(stream: stream, expected: expected, events: events), expectedStream: options.streamName,
                expectedLastSubjectSequence: last?.sequence ?? 0)
            let ack: PubAck
            do {
                ack = try await jetStream.publish(subject, payload: payload, headers: headers, options: publishOptions)
            } catch let error as JetStreamError where error.kind == .wrongLastSequence {
                // Another append to the stream came first: look again (a conflict, or this very append
                // stored by an earlier try whose answer was lost).
                continue
            } catch let error as NATSClientError where error.code == .payloadTooLarge {
                throw EventStoreError.invalidAppend(
                    stream: stream, reason: "it takes \(payload.readableBytes) bytes, more than the server's max_payload: append in smaller parts")
            } catch {
                throw EventStoreError.unavailable("appending to stream '\(stream)' on JetStream: \(error)")
            }
            if ack.isDuplicate {
                return try await duplicate(ack.sequence, events: events, stream: stream, expected: expected)
            }
            return AppendResult(nextExpectedRevision: first + UInt64(events.count) - 1, position: Self.position(ack.sequence, index: events.count - 1))
        }
        throw EventStoreError.unavailable("stream '\(stream)' changed under 1,000 appends in a row; try again")
    }

    /// The result of the earlier append JetStream recognised this one as (same `Nats-Msg-Id`), after
    /// checking that it holds these very ids.
    private func duplicate(_ sequence: UInt64, events: [Event], stream: String, expected: ExpectedRevision) async throws -> AppendResult {
        let stored = try await request("reading message \(sequence)") {
            try await self.jetStream.directMessage(stream: self.options.streamName, from: sequence)
        }
        guard let message = stored, message.sequence == sequence else {
            throw EventStoreError.unavailable("JetStream acknowledged the append to '\(stream)' as a duplicate of message \(sequence), which it does not hold")
        }
        let batch = try EventBatchMessage.decode(message, stream: options.streamName)
        guard batch.events.map(\.id) == events.map(\.id) else {
            throw WrongExpectedRevisionError(stream: stream, expected: expected, actual: try await lastRevision(of: stream))
        }
        return AppendResult(
            nextExpectedRevision: batch.firstRevision + UInt64(batch.events.count) - 1, position: Self.position(sequence, index: batch.events.count - 1),
            wasAlreadyAppended: true)
    }

    /// The result of an earlier append of the same ids with the same expectation, if `events` are that
    /// append again (``AppendRules/retryRevisions(count:expected:current:)``).
    private func alreadyAppended(_ events: [Event], to stream: String, expected: ExpectedRevision, current: UInt64?) async throws -> AppendResult? {
        guard let revisions = AppendRules.retryRevisions(count: events.count, expected: expected, current: current) else { return nil }
        let stored = try await read(stream: stream, from: .revision(revisions.lowerBound), direction: .forwards, limit: events.count)
        guard stored.count == events.count, zip(stored, events).allSatisfy({ $0.event.id == $1.id }), let last = stored.last else { return nil }
        return AppendResult(nextExpectedRevision: last.revision, position: last.position, wasAlreadyAppended: true)
    }

    /// `Nats-Msg-Id` of an append: the stream, the expectation and the event ids (a hash of them for
    /// long appends), so a retry of the same append is a duplicate and any other append is not.
    static func messageID(stream: String, expected: ExpectedRevision, events: [Event]) -> String {
        // FNV-1a over the ids, each ended by a 0 byte (ids hold none): a duplicate found by it is checked
        // id by id before it counts.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for event in events {
            for byte in event.id.utf8 + [0] {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
        }
        return "es \(stream) \(expected) \(events.count) \(String(hash, radix: 16))"
    }

    private func encode(_ batch: EventBatchMessage, stream: String) throws(EventStoreError) -> (NATSHeaders, ByteBuffer) {
        do {
            return try batch.encoded()
        } catch {
            throw .invalidAppend(stream: stream, reason: "an event's attributes cannot travel as NATS headers: \(error)")
        }
    }

    // MARK: Reading

    /// Up to `limit` events of `stream` from `start` in `direction`.
    ///
    /// - Throws: ``EventStoreError`` for an invalid stream name, a closed store or a failing server.
    public func read(stream: String, from start: StreamReadStart, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        try StreamName.validate(stream)
        try checkOpen()
        guard limit > 0 else { return [] }
        let subject = subjects.subject(of: stream)
        guard let last = try await lastMessage(on: subject) else { return [] }
        let count = last.first + UInt64(last.count)
        let revisions = StreamReadRange.revisions(count: count, from: start, direction: direction, limit: limit)
        guard let lowest = revisions.min(), let highest = revisions.max() else { return [] }
        // The newest append alone covers most backward reads ("the last event").
        if lowest >= last.first {
            let events = try recorded(try EventBatchMessage.decode(last.message, stream: options.streamName), message: last.message, stream: stream)
            return revisions.map { events[Int($0 - last.first)] }
        }
        var found: [UInt64: RecordedEvent] = [:]
        var sequence: UInt64 = 1
        while sequence <= last.sequence {
            let next = try await request("reading stream '\(stream)'") {
                try await self.jetStream.directMessage(stream: self.options.streamName, from: sequence, subject: subject)
            }
            guard let message = next else { break }
            sequence = message.sequence + 1
            guard let range = EventBatchMessage.range(of: message), range.first + UInt64(range.count) > lowest else { continue }
            for event in try recorded(try EventBatchMessage.decode(message, stream: options.streamName), message: message, stream: stream)
            where (lowest...highest).contains(event.revision) {
                found[event.revision] = event
            }
            if range.first + UInt64(range.count) > highest { break }
        }
        return try revisions.map { revision throws(EventStoreError) -> RecordedEvent in
            guard let event = found[revision] else {
                throw .unavailable("revision \(revision) of stream '\(stream)' is missing from JetStream stream '\(options.streamName)'", isRetryable: false)
            }
            return event
        }
    }

    /// Up to `limit` events of every stream in global order, from the first at `position` or later.
    ///
    /// - Throws: ``EventStoreError`` for a closed store or a failing server.
    public func readAll(from position: UInt64, limit: Int) async throws -> [RecordedEvent] {
        try checkOpen()
        guard limit > 0 else { return [] }
        var sequence = max(1, position >> Self.indexBits)
        let skip = position >> Self.indexBits == sequence ? Int(position & Self.indexMask) : 0
        let lastSequence = try await streamLastSequence()
        var events: [RecordedEvent] = []
        // Messages asked for at once: as many as the events still wanted need at the average seen so
        // far (an append holds 1 to 65,535 events), so a page does not fetch and decode far past its end.
        var messagesRead = 0
        while events.count < limit, sequence <= lastSequence {
            let perMessage = messagesRead == 0 ? 8 : max(1, events.count / messagesRead)
            let wanted = min(256, max(1, (limit - events.count + perMessage - 1) / perMessage))
            let sequences = Array(sequence...min(lastSequence, sequence + UInt64(wanted) - 1))
            let messages = try await request("reading the global order") {
                try await self.jetStream.directMessages(stream: self.options.streamName, sequences: sequences)
            }
            for message in messages.compactMap({ $0 }) where events.count < limit {
                guard let stream = subjects.stream(of: message.subject) else { continue }
                let batch = try EventBatchMessage.decode(message, stream: options.streamName)
                let from = message.sequence == position >> Self.indexBits ? skip : 0
                for event in try recorded(batch, message: message, stream: stream).dropFirst(from) where events.count < limit {
                    events.append(event)
                }
                messagesRead += 1
            }
            sequence = (sequences.last ?? sequence) + 1
        }
        return events
    }

    /// The last revision of `stream`, `nil` when it does not exist.
    ///
    /// - Throws: ``EventStoreError``.
    public func lastRevision(of stream: String) async throws -> UInt64? {
        try StreamName.validate(stream)
        try checkOpen()
        return try await lastMessage(on: subjects.subject(of: stream)).map { $0.first + UInt64($0.count) - 1 }
    }

    /// The global position of the newest event, `nil` while the store is empty.
    ///
    /// - Throws: ``EventStoreError``.
    public func headPosition() async throws -> UInt64? {
        try checkOpen()
        let sequence = try await streamLastSequence()
        guard sequence > 0 else { return nil }
        let message = try await request("reading message \(sequence)") {
            try await self.jetStream.directMessage(stream: self.options.streamName, from: sequence)
        }
        let count = message.flatMap(EventBatchMessage.range(of:))?.count ?? 1
        return Self.position(sequence, index: count - 1)
    }

    /// Returns once the stream holds a message after the one of `position`, or at `deadline`. Woken by a
    /// subscription to every stream's subject; as that may see a message a moment before JetStream has
    /// stored it, a wake-up looks again a few times shortly after.
    public func waitForAppends(after position: UInt64?, until deadline: ContinuousClock.Instant) async {
        let signal = AsyncSignal()
        let id = lastWaiter.wrappingAdd(1, ordering: .relaxed).newValue
        waiters.withLock { $0[id] = signal }
        defer { waiters.withLock { _ = $0.removeValue(forKey: id) } }
        // Quick looks left after a notification: the message may not be stored yet when it is seen.
        var quickLooks = 0
        while !isClosed.load(ordering: .relaxed), !Task.isCancelled, ContinuousClock.now < deadline {
            guard let last = try? await streamLastSequence() else { return }
            if last > (position.map { $0 >> Self.indexBits } ?? 0) { return }
            let until = quickLooks > 0 ? min(deadline, .now + .milliseconds(5)) : deadline
            await signal.wait(until: until)
            quickLooks = ContinuousClock.now < until ? 20 : max(0, quickLooks - 1)
        }
    }

    // MARK: Support

    static let indexMask: UInt64 = (1 << indexBits) - 1

    /// The position of event `index` of the append stored at `sequence`.
    static func position(_ sequence: UInt64, index: Int) -> UInt64 { sequence << indexBits | UInt64(index) }

    private func notifyWaiters() {
        for signal in waiters.withLock({ Array($0.values) }) { signal.notify() }
    }

    private func checkOpen() throws(EventStoreError) {
        if isClosed.load(ordering: .relaxed) { throw .closed() }
    }

    /// The newest message on `subject` with the revisions it holds, `nil` when there is none.
    private func lastMessage(on subject: String) async throws -> (message: StoredMessage, sequence: UInt64, first: UInt64, count: Int)? {
        let found: StoredMessage?
        do {
            found = try await jetStream.directLastMessage(stream: options.streamName, subject: subject)
        } catch {
            throw EventStoreError.unavailable("reading the last message on '\(subject)': \(error)")
        }
        guard let message = found else { return nil }
        guard let range = EventBatchMessage.range(of: message) else {
            throw EventStoreError.unavailable("the JetStream message \(message.sequence) on '\(subject)' is not an event-store append", isRetryable: false)
        }
        return (message, message.sequence, range.first, range.count)
    }

    private func streamLastSequence() async throws -> UInt64 {
        try await request("reading the stream's state") { try await self.jetStream.streamInfo(self.options.streamName).state.lastSequence }
    }

    /// Runs a JetStream request, its failure as the store's error.
    private func request<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError.unavailable("\(what) on JetStream stream '\(options.streamName)': \(error)")
        }
    }

    /// The recorded events of one stored append.
    private func recorded(_ batch: EventBatchMessage, message: StoredMessage, stream: String) throws(EventStoreError) -> [RecordedEvent] {
        batch.events.enumerated().map { index, event in
            RecordedEvent(
                stream: stream, revision: batch.firstRevision + UInt64(index), position: Self.position(message.sequence, index: index), event: event,
                recordedAt: message.time)
        }
    }
}
