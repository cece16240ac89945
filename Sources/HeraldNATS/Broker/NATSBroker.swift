import Herald
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

import struct Foundation.Date

/// A Herald ``Broker`` on NATS JetStream: topics, consumer groups, at-least-once deliveries, dead
/// letters, de-duplication, seek and lag, with the same semantics as every Herald backend (it passes the
/// conformance suite).
///
/// ```swift
/// let broker = try await NATSBroker.connect(servers: ["nats://127.0.0.1:4222"])
/// try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 4))
/// try await broker.publish(event, to: "orders")
/// ```
///
/// **Layout.** Each partition of a topic is one stream, `<prefix>_<topic>_<partition>` on subject
/// `<prefix in lower case>.<topic>.<partition>` (see ``NATSBrokerOptions/streamPrefix``), so that stream
/// sequences are dense per partition: an event's offset is its stream sequence minus one. The topic's
/// configuration is kept as JSON in each stream's description, so every instance sees it. A consumer
/// group is one durable pull consumer per partition stream, named after the group, with explicit
/// acknowledgement and `ack_wait` = the group's ack deadline; the group's other settings are kept in the
/// consumer's description.
///
/// **Events** travel in the CloudEvents NATS binding's binary mode (`ce-` headers, data as payload), so
/// other NATS clients can read and write them; a message without CloudEvents headers on a topic's subject
/// is delivered as an event of type `io.nats.jetstream.message`.
///
/// **What JetStream lacks, the broker adds:** dead letters (published to the group's dead-letter topic,
/// then the original is terminated with `+TERM`); per-key order (later events of a key are held back
/// locally while an earlier one is unsettled); making room in a full topic from events every group has
/// acknowledged (a purge up to the lowest acknowledgement floor). Deliveries held by this process are
/// kept alive on the server with `+WPI` so its ack-wait timer only fires if the process dies.
///
/// **Bounds.** Each group holds at most the sum of its local subscribers' prefetch (twice that under
/// per-key order) of fetched messages. Acknowledgements are sent without waiting for the server unless
/// ``NATSBrokerOptions/confirmAcknowledgements`` is set; ``lag(group:on:)`` waits until the server applied
/// this broker's. Run the broker in a `ServiceGroup`, or call ``close()``: unsettled deliveries are then
/// returned to the server at once.
public final class NATSBroker: Broker, Service {
    /// The options the broker was created with.
    public let options: NATSBrokerOptions
    /// The NATS client the broker sends through.
    public let client: NATSClient
    /// The JetStream API the broker uses (for inspection and tooling).
    public let jetStream: JetStream
    let naming: NATSBrokerNaming
    let logger: Logger
    private let ownsClient: Bool

    private struct State {
        var topics: [String: TopicHandle] = [:]
        var runtimes: [String: GroupRuntime] = [:]
        /// What closed runtimes remembered of the messages they returned, for the group's next runtime.
        var histories: [String: GroupHistory] = [:]
        var isClosed = false
        var nextID: UInt64 = 0
    }

    // Mutex: short lookups and insertions; never held across an await.
    private let state = Mutex(State())
    /// Serialises the creation of each group's runtime (one per group and process).
    private let runtimeCreation = KeyedLock()
    private let watcher = Mutex<Task<Void, Never>?>(nil)

    private init(options: NATSBrokerOptions, client: NATSClient, ownsClient: Bool, logger: Logger) {
        self.options = options
        self.client = client
        self.ownsClient = ownsClient
        self.logger = logger
        self.naming = NATSBrokerNaming(prefix: options.streamPrefix)
        self.jetStream = JetStream(
            client: client,
            options: JetStreamOptions(domain: options.jetStreamDomain, requestTimeout: options.requestTimeout)
        )
    }

    /// Connects to the first of `servers` that accepts, with every other option at its default.
    ///
    /// - Throws: see ``connect(_:logger:)``.
    public static func connect(servers: [String], logger: Logger = Logger(label: "herald.nats")) async throws -> NATSBroker {
        try await connect(NATSBrokerOptions(servers: servers), logger: logger)
    }

    /// Connects a new client with `options.client` and checks that JetStream answers. The broker closes
    /// the client in ``close()``.
    ///
    /// - Throws: ``NATSClientError`` when no server can be reached or an option is invalid;
    ///   ``BrokerError/unavailable(_:)`` when JetStream is not enabled.
    public static func connect(_ options: NATSBrokerOptions, logger: Logger = Logger(label: "herald.nats")) async throws -> NATSBroker {
        try validate(options)
        let client = try await NATSClient.connect(options.client, logger: logger)
        let broker = NATSBroker(options: options, client: client, ownsClient: true, logger: logger)
        do {
            try await broker.checkJetStream()
        } catch {
            await client.close()
            throw error
        }
        broker.watchReconnects()
        return broker
    }

    /// A broker on a client the caller owns (and closes after ``close()``); `options.client` is unused.
    /// The broker does not read the client's ``NATSClient/events`` (the caller may): after a reconnect its
    /// pull requests are renewed once their heartbeats stop, within about three heartbeats (7.5 s by
    /// default), instead of at once.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` when JetStream is not enabled; ``NATSClientError`` for an
    ///   invalid option.
    public static func connect(
        client: NATSClient,
        options: NATSBrokerOptions = NATSBrokerOptions(),
        logger: Logger = Logger(label: "herald.nats")
    ) async throws -> NATSBroker {
        try validate(options)
        let broker = NATSBroker(options: options, client: client, ownsClient: false, logger: logger)
        try await broker.checkJetStream()
        return broker
    }

    private static func validate(_ options: NATSBrokerOptions) throws(NATSClientError) {
        guard NATSBrokerNaming.isValidPrefix(options.streamPrefix) else {
            throw .invalidArgument("streamPrefix", value: "'\(options.streamPrefix)'", rule: "must be 1 to 32 ASCII letters, digits, '_' or '-'")
        }
        guard (1...5).contains(options.replicas) else {
            throw .invalidArgument("replicas", value: "\(options.replicas)", rule: "must be between 1 and 5")
        }
        guard options.requestTimeout > .zero, options.pullExpiry >= .milliseconds(100) else {
            throw .invalidArgument(
                "requestTimeout/pullExpiry",
                value: "\(options.requestTimeout)/\(options.pullExpiry)",
                rule: "must be positive, and pullExpiry at least 100 ms"
            )
        }
        guard options.maximumAckPending >= 1 else {
            throw .invalidArgument("maximumAckPending", value: "\(options.maximumAckPending)", rule: "must be at least 1")
        }
    }

    private func checkJetStream() async throws {
        do {
            _ = try await jetStream.accountInfo()
        } catch {
            throw BrokerError.unavailable(
                "JetStream does not answer on \(client.connectedServer ?? "the server") (\(error)); start nats-server with -js"
            )
        }
    }

    /// After a reconnect the server may have lost the pull requests waiting there: ask again at once.
    private func watchReconnects() {
        let task = Task { [weak self, client] in
            for await event in client.events {
                guard case .reconnected = event, let self else { continue }
                for runtime in self.state.withLock({ Array($0.runtimes.values) }) {
                    await runtime.resetPulls()
                }
            }
        }
        watcher.withLock { $0 = task }
    }

    // MARK: Life

    /// Closes the broker: every group's unsettled and fetched deliveries are returned to the server for
    /// redelivery, subscriptions end, and the client is closed if the broker created it. Later calls fail
    /// with ``BrokerError/closed()``. Calling it again does nothing.
    public func close() async {
        let runtimes: [GroupRuntime]? = state.withLock { state in
            guard !state.isClosed else { return nil }
            state.isClosed = true
            return Array(state.runtimes.values)
        }
        guard let runtimes else { return }
        for runtime in runtimes { await runtime.close() }
        watcher.withLock { $0?.cancel() }
        if ownsClient {
            try? await client.flush(timeout: options.requestTimeout)
            await client.close()
        }
    }

    /// Runs until graceful shutdown, then closes the broker. On graceful shutdown this process's
    /// subscriptions end first and the broker waits, up to ``NATSBrokerOptions/shutdownGracePeriod``, for
    /// their subscribers to settle what they hold and leave, so that their acknowledgements reach the
    /// server whatever the order of a `ServiceGroup`'s services.
    public func run() async throws {
        guard (try? await gracefulShutdown()) != nil else {
            await close()
            return
        }
        for runtime in state.withLock({ Array($0.runtimes.values) }) { runtime.drainAll() }
        let deadline = ContinuousClock.now + options.shutdownGracePeriod
        while ContinuousClock.now < deadline {
            // A runtime leaves the broker when its last member leaves.
            let remaining = state.withLock { $0.runtimes.values.map { "\($0.settings.topic)/\($0.settings.group)" } }
            if remaining.isEmpty { break }
            try? await Task.sleep(for: .milliseconds(20))
            if ContinuousClock.now >= deadline {
                logger.error(
                    "graceful shutdown: subscribers did not leave in time; what they had not settled is delivered again. Run the broker before its consumers in the ServiceGroup's services",
                    metadata: ["herald.groups": "\(remaining.sorted())"]
                )
            }
        }
        await close()
    }

    private func checkOpen() throws(BrokerError) {
        if state.withLock({ $0.isClosed }) { throw .closed() }
    }

    /// Turns a JetStream or client failure into a ``BrokerError`` that says what was being done.
    func brokerError(_ error: any Error, _ what: @autoclosure () -> String) -> any Error {
        if error is BrokerError || error is CancellationError { return error }
        return BrokerError.unavailable("\(what()) failed: \(error)")
    }

    // MARK: Topics

    /// Creates a topic (one stream per partition), or does nothing if an identical one exists.
    ///
    /// - Throws: ``BrokerError`` — `invalidTopicName` / `invalidConfiguration`, `topicExists` when a
    ///   topic of that name exists with another configuration (or a stream not made by Herald has its
    ///   name), `unavailable` when JetStream refuses or cannot be reached.
    public func createTopic(_ configuration: TopicConfiguration) async throws {
        try configuration.validate()
        try checkOpen()
        try await createStream(configuration, partition: 0)
        if configuration.partitions > 1 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for partition in 1..<configuration.partitions {
                    group.addTask { try await self.createStream(configuration, partition: partition) }
                }
                try await group.waitForAll()
            }
        }
        let handle = makeHandle(configuration)
        state.withLock { $0.topics[configuration.name] = handle }
    }

    private func createStream(_ configuration: TopicConfiguration, partition: Int) async throws {
        let stream = streamConfiguration(configuration, partition: partition)
        do {
            _ = try await jetStream.createStream(stream)
        } catch let error as JetStreamError where error.kind == .streamNameInUse {
            // It exists: fine if it describes the same topic (perhaps made by another version or instance).
            let existing: StreamInfo
            do {
                existing = try await jetStream.streamInfo(stream.name)
            } catch {
                throw brokerError(error, "reading stream '\(stream.name)' of topic '\(configuration.name)'")
            }
            guard TopicDescriptor(description: existing.configuration.description)?.configuration == configuration else {
                throw BrokerError.topicExists(configuration.name)
            }
        } catch {
            throw brokerError(error, "creating stream '\(stream.name)' for topic '\(configuration.name)'")
        }
    }

    /// The stream of one partition of a topic.
    func streamConfiguration(_ configuration: TopicConfiguration, partition: Int) -> StreamConfiguration {
        var stream = StreamConfiguration(
            name: naming.stream(topic: configuration.name, partition: partition),
            subjects: [naming.subject(topic: configuration.name, partition: partition)],
            description: TopicDescriptor(configuration, partition: partition).json
        )
        let limits = TopicHandle.partitionLimits(configuration)
        stream.retention = .limits
        stream.storage = options.storage
        stream.replicas = options.replicas
        stream.maximumMessages = limits.messages
        if options.serverEnforcedByteLimits { stream.maximumBytes = limits.bytes }
        stream.discard = configuration.overflowPolicy == .dropOldest ? .old : .new
        if configuration.deduplicationWindow > .zero {
            stream.duplicateWindow = configuration.deduplicationWindow
        }
        return stream
    }

    private func makeHandle(_ configuration: TopicConfiguration) -> TopicHandle {
        TopicHandle(
            configuration: configuration,
            streams: (0..<configuration.partitions).map { naming.stream(topic: configuration.name, partition: $0) },
            subjects: (0..<configuration.partitions).map { naming.subject(topic: configuration.name, partition: $0) }
        )
    }

    /// The topic of that name, from the cache or from its first partition's stream.
    func topicHandle(_ name: String) async throws -> TopicHandle {
        if let cached = state.withLock({ $0.topics[name] }) { return cached }
        try TopicName.validate(name)
        let info: StreamInfo
        do {
            info = try await jetStream.streamInfo(naming.stream(topic: name, partition: 0))
        } catch let error as JetStreamError where error.kind == .streamNotFound {
            throw BrokerError.unknownTopic(name)
        } catch {
            throw brokerError(error, "looking up topic '\(name)'")
        }
        guard let descriptor = TopicDescriptor(description: info.configuration.description), descriptor.topic == name else {
            throw BrokerError.unknownTopic(name)
        }
        let handle = makeHandle(descriptor.configuration)
        state.withLock { $0.topics[name] = handle }
        return handle
    }

    /// Every topic's configuration (from the streams' descriptions), sorted by name.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` when JetStream cannot be reached.
    public func topics() async throws -> [TopicConfiguration] {
        try checkOpen()
        let streams: [StreamInfo]
        do {
            streams = try await jetStream.streams(matching: naming.allSubjects)
        } catch {
            throw brokerError(error, "listing the streams")
        }
        return streams.compactMap { info in
            guard let descriptor = TopicDescriptor(description: info.configuration.description), descriptor.partition == 0,
                info.configuration.name == naming.stream(topic: descriptor.topic, partition: 0)
            else { return nil }
            return descriptor.configuration
        }
        .sorted { $0.name < $1.name }
    }

    // MARK: Publishing

    /// Publishes events in order and returns their receipts once the streams stored them.
    ///
    /// A batch is checked before anything is sent (sizes; under `rejectPublish`, room in each partition):
    /// either every event is stored or recognised as a duplicate, or none is — unless another publisher
    /// fills the topic at the same moment, which JetStream then refuses event by event.
    ///
    /// - Throws: ``BrokerError`` — `unknownTopic`, `eventTooLarge` (the topic's limit, or the server's
    ///   `max_payload` less the headers), `topicFull`, `unavailable`, `closed`.
    public func publish(_ events: [Event], to topic: String) async throws -> [PublishReceipt] {
        try checkOpen()
        let handle = try await topicHandle(topic)
        return try await publish(events, to: handle)
    }

    private func publish(_ events: [Event], to handle: TopicHandle) async throws -> [PublishReceipt] {
        guard !events.isEmpty else { return [] }
        let configuration = handle.configuration
        let maximumPayload = client.serverInfo?.maxPayload ?? NATSServerInfo.defaultMaxPayload
        var messages: [JetStreamOutgoingMessage] = []
        var partitions: [Int] = []
        var storedSizes: [Int64] = []
        messages.reserveCapacity(events.count)
        for event in events {
            let size = event.payloadSize
            if size > configuration.maximumEventBytes {
                throw BrokerError.eventTooLarge(topic: configuration.name, eventID: event.id, size: size, limit: configuration.maximumEventBytes)
            }
            let partition = Self.partition(of: event, partitions: configuration.partitions)
            var headers = CloudEventHeaders.headers(for: event)
            if configuration.deduplicationWindow > .zero {
                // Appended, not set: the CloudEvents headers never carry this name.
                headers.append(PublishOptions.Header.messageID, CloudEventHeaders.messageID(for: event))
            }
            let headerBytes: Int
            do {
                headerBytes = try NATSClientCommand.messageSize(headers: headers, payload: ByteBuffer())
            } catch {
                throw BrokerError.unavailable("event '\(event.id)' cannot be sent as NATS headers: \(error)")
            }
            if headerBytes + size > maximumPayload {
                throw BrokerError.eventTooLarge(
                    topic: configuration.name,
                    eventID: event.id,
                    size: size,
                    limit: max(0, maximumPayload - headerBytes)
                )
            }
            messages.append(
                JetStreamOutgoingMessage(subject: handle.subjects[partition], payload: event.data ?? ByteBuffer(), headers: headers)
            )
            partitions.append(partition)
            storedSizes.append(Int64(30 + handle.subjects[partition].utf8.count + headerBytes + size))
        }
        if configuration.overflowPolicy == .rejectPublish {
            try await ensureRoom(handle, partitions: partitions, sizes: storedSizes)
        }
        let results = await jetStream.publish(messages)
        if configuration.overflowPolicy == .dropOldest, !options.serverEnforcedByteLimits {
            await trimToByteLimit(handle, partitions: partitions, sizes: storedSizes)
        }
        var receipts: [PublishReceipt] = []
        receipts.reserveCapacity(events.count)
        var firstError: (any Error)?
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let ack):
                receipts.append(
                    PublishReceipt(
                        topic: configuration.name,
                        partition: Partition(partitions[index]),
                        offset: Offset(Int64(ack.sequence) - 1),
                        isDuplicate: ack.isDuplicate
                    )
                )
            case .failure(let error):
                if firstError == nil { firstError = publishError(error, handle: handle, event: events[index]) }
            }
        }
        if let firstError { throw firstError }
        return receipts
    }

    private func publishError(_ error: any Error, handle: TopicHandle, event: Event) -> any Error {
        if let error = error as? JetStreamError {
            switch error.kind {
            case .streamFull:
                handle.forgetRoom()
                return BrokerError.topicFull(handle.configuration.name, limit: handle.limitDescription + " (\(error.serverDescription ?? ""))")
            case .noStream, .wrongStream:
                state.withLock { _ = $0.topics.removeValue(forKey: handle.configuration.name) }
                return BrokerError.unknownTopic(handle.configuration.name)
            default:
                break
            }
        }
        return brokerError(error, "publishing event '\(event.id)' to topic '\(handle.configuration.name)'")
    }

    /// The partition of an event: by its partition key; a keyless event by its `source` and `id`, so that
    /// a re-sent event lands where the first copy did and is recognised as a duplicate.
    static func partition(of event: Event, partitions: Int) -> Int {
        let key = event.partitionKey ?? "\(event.source)\u{0}\(event.id)"
        return PartitionKeyHasher.partition(forKey: key, partitionCount: partitions).index
    }

    /// Under `rejectPublish`, makes sure each partition has room for what is about to be published: from
    /// a local estimate when it clearly has, else from the stream's state; when full, first purges the
    /// events every group has acknowledged.
    private func ensureRoom(_ handle: TopicHandle, partitions: [Int], sizes: [Int64]) async throws {
        var incoming: [Int: (messages: Int64, bytes: Int64)] = [:]
        for (index, partition) in partitions.enumerated() {
            incoming[partition, default: (0, 0)].messages += 1
            incoming[partition, default: (0, 0)].bytes += sizes[index]
        }
        for (partition, load) in incoming.sorted(by: { $0.key < $1.key }) {
            if handle.reserve(partition: partition, messages: load.messages, bytes: load.bytes) { continue }
            if load.messages > handle.limits.messages || load.bytes > handle.limits.bytes {
                throw BrokerError.topicFull(handle.configuration.name, limit: handle.limitDescription)
            }
            var state = try await streamState(handle, partition: partition)
            if !handle.fits(state, messages: load.messages, bytes: load.bytes) {
                try await purgeAcknowledged(handle, partition: partition, state: state)
                state = try await streamState(handle, partition: partition)
            }
            guard handle.fits(state, messages: load.messages, bytes: load.bytes) else {
                throw BrokerError.topicFull(
                    handle.configuration.name,
                    limit: handle.limitDescription + "; partition \(partition) holds \(state.messages) events, \(state.bytes) bytes"
                )
            }
            handle.setRoom(partition: partition, from: state, plus: load)
        }
    }

    /// Under `dropOldest` with byte limits enforced here: purges a partition's oldest events while it
    /// holds more bytes than its limit (by the average event size, a few rounds at most).
    private func trimToByteLimit(_ handle: TopicHandle, partitions: [Int], sizes: [Int64]) async {
        var incoming: [Int: (messages: Int64, bytes: Int64)] = [:]
        for (index, partition) in partitions.enumerated() {
            incoming[partition, default: (0, 0)].messages += 1
            incoming[partition, default: (0, 0)].bytes += sizes[index]
        }
        for (partition, load) in incoming where !handle.reserve(partition: partition, messages: load.messages, bytes: load.bytes) {
            let stream = handle.streams[partition]
            do {
                var state = try await jetStream.streamInfo(stream).state
                var rounds = 0
                while Int64(state.bytes) > handle.limits.bytes, state.messages > 0, rounds < 8 {
                    let average = max(1, Int64(state.bytes) / Int64(state.messages))
                    let excess = Int64(state.bytes) - handle.limits.bytes
                    let drop = UInt64(max(1, (excess + average - 1) / average))
                    try await jetStream.purgeStream(stream, StreamPurgeRequest(sequence: state.firstSequence + drop))
                    state = try await jetStream.streamInfo(stream).state
                    rounds += 1
                }
                handle.setRoom(partition: partition, from: state, plus: (0, 0))
            } catch {
                logger.warning(
                    "could not trim a partition to its byte limit",
                    metadata: [LogKey.topic: "\(handle.configuration.name)", LogKey.partition: "\(partition)", LogKey.error: "\(error)"]
                )
            }
        }
    }

    private func streamState(_ handle: TopicHandle, partition: Int) async throws -> StreamState {
        do {
            return try await jetStream.streamInfo(handle.streams[partition]).state
        } catch let error as JetStreamError where error.kind == .streamNotFound {
            state.withLock { _ = $0.topics.removeValue(forKey: handle.configuration.name) }
            throw BrokerError.unknownTopic(handle.configuration.name)
        } catch {
            throw brokerError(error, "reading the state of stream '\(handle.streams[partition])'")
        }
    }

    /// Purges a partition's events below the lowest acknowledgement floor of its groups (only when it has
    /// at least one group).
    private func purgeAcknowledged(_ handle: TopicHandle, partition: Int, state: StreamState) async throws {
        let stream = handle.streams[partition]
        do {
            let consumers = try await jetStream.consumers(stream: stream)
            guard !consumers.isEmpty else { return }
            let floor = consumers.map { Self.committedSequence($0, stream: state) }.min() ?? 0
            guard floor >= state.firstSequence, floor > 0 else { return }
            try await jetStream.purgeStream(stream, StreamPurgeRequest(sequence: floor + 1))
        } catch {
            throw brokerError(error, "making room in stream '\(stream)'")
        }
    }

    /// The highest stream sequence below which a consumer has settled everything.
    static func committedSequence(_ consumer: ConsumerInfo, stream: StreamState) -> UInt64 {
        let beforeFirst = stream.firstSequence > 0 ? stream.firstSequence - 1 : 0
        if consumer.numberAckPending == 0 {
            return max(consumer.delivered.streamSequence, beforeFirst)
        }
        var floor = consumer.ackFloor.streamSequence
        if floor == 0, case .byStartSequence(let start) = consumer.configuration.deliverPolicy, start > 0 {
            floor = start - 1
        }
        return max(floor, beforeFirst)
    }

    /// Publishes a dead letter to `topic`, creating it (with the origin's partition count and no
    /// de-duplication) when needed.
    func storeDeadLetter(_ deadLetter: DeadLetter, topic: String) async throws {
        let handle: TopicHandle
        do {
            handle = try await topicHandle(topic)
        } catch let error as BrokerError where error.isUnknownTopic {
            let partitions = (try? await topicHandle(deadLetter.originTopic))?.configuration.partitions ?? 1
            let configuration = TopicConfiguration(name: topic, partitions: partitions, deduplicationWindow: .zero)
            do {
                try await createTopic(configuration)
            } catch let error as BrokerError where !error.isRetryable {
                // Created meanwhile with other settings (by an operator, or another version): use it.
                logger.debug("dead-letter topic exists with other settings", metadata: [LogKey.topic: "\(topic)"])
            }
            handle = try await topicHandle(topic)
        }
        _ = try await publish([deadLetter.encodedEvent], to: handle)
    }

    // MARK: Subscribing

    /// Joins consumer group `group` on `topic`; the first subscriber of a group creates its consumers
    /// (positioned by `options.startPosition`) and sets its ack deadline, maximum deliveries, dead-letter
    /// topic and ordering for everyone.
    ///
    /// - Throws: ``BrokerError`` — `unknownTopic`, `invalidSubscription` / `invalidGroupName`,
    ///   `unavailable`, `closed`.
    public func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Subscription {
        try options.validate(topic: topic, group: group)
        try checkOpen()
        let handle = try await topicHandle(topic)
        let signal = AsyncSignal()
        while true {
            let runtime = try await runtime(for: handle, group: group, options: options)
            let member = state.withLock { state in
                state.nextID += 1
                return state.nextID
            }
            if await runtime.join(member, signal: signal, prefetch: options.prefetch) {
                return Subscription(
                    topic: topic, group: group, source: NATSGroupMemberSource(runtime: runtime, member: member, signal: signal, options: options))
            }
            // The runtime closed meanwhile (its last member left); it leaves the broker's table once it has
            // returned what it held.
            try checkOpen()
            await runtime.closed()
        }
    }

    private static func runtimeKey(_ topic: String, _ group: String) -> String { "\(topic)\u{0}\(group)" }

    /// The group's runtime in this process, started (and its consumers created) if needed.
    private func runtime(for handle: TopicHandle, group: String, options: SubscriptionOptions) async throws -> GroupRuntime {
        let key = Self.runtimeKey(handle.configuration.name, group)
        return try await runtimeCreation.withLock(key) {
            if let existing = state.withLock({ $0.runtimes[key] }) { return existing }
            let descriptor = try await ensureConsumers(handle, group: group, options: options)
            let configuration = handle.configuration
            let heartbeat = min(self.options.pullExpiry / 4, .seconds(5))
            let settings = GroupRuntimeSettings(
                topic: configuration.name,
                group: group,
                partitions: configuration.partitions,
                streams: handle.streams,
                consumer: naming.consumer(group: group),
                ackDeadline: descriptor.ackDeadline,
                maximumDeliveries: descriptor.maximumDeliveries,
                deadLetterTopic: descriptor.deadLetterTopic,
                perKey: descriptor.isPerKey,
                dropOldestLimit: configuration.overflowPolicy == .dropOldest ? UInt64(handle.limits.messages) : nil,
                pullExpiry: self.options.pullExpiry,
                pullHeartbeat: heartbeat,
                historyLimit: 10_000
            )
            let runtime = try state.withLock { state throws(BrokerError) -> GroupRuntime in
                if state.isClosed { throw .closed() }
                state.nextID += 1
                let history = state.histories.removeValue(forKey: key)
                let runtime = GroupRuntime(broker: self, settings: settings, id: state.nextID, history: history, logger: logger)
                state.runtimes[key] = runtime
                return runtime
            }
            do {
                try await runtime.start()
            } catch {
                await runtime.close()
                throw brokerError(error, "starting group '\(group)' on topic '\(configuration.name)'")
            }
            return runtime
        }
    }

    /// The runtime of `group` on `topic` in this process, if it has one.
    func runtime(topic: String, group: String) -> GroupRuntime? {
        state.withLock { $0.runtimes[Self.runtimeKey(topic, group)] }
    }

    /// The groups this process has runtimes for.
    func localGroups() -> [GroupReference] {
        state.withLock { state in
            state.runtimes.values.map { GroupReference(topic: $0.settings.topic, group: $0.settings.group) }
        }
    }

    /// Forgets what this process cached of `topic` (its handle, its groups' histories) and returns the
    /// runtimes of its groups, for the caller to close.
    func forgetTopic(_ topic: String) -> [GroupRuntime] {
        state.withLock { state in
            state.topics[topic] = nil
            let prefix = Self.runtimeKey(topic, "")
            for key in state.histories.keys where key.hasPrefix(prefix) { state.histories[key] = nil }
            return state.runtimes.filter { $0.key.hasPrefix(prefix) }.map(\.value)
        }
    }

    /// Called by a runtime that closed: forget it, keep its history for the group's next runtime (at most
    /// 64 groups' histories are kept).
    func runtimeClosed(_ runtime: GroupRuntime, history: GroupHistory) {
        let key = Self.runtimeKey(runtime.settings.topic, runtime.settings.group)
        state.withLock { state in
            if state.runtimes[key]?.id == runtime.id { state.runtimes[key] = nil }
            if !history.entries.isEmpty || history.settled?.isEmpty == false {
                if state.histories.count >= 64, state.histories[key] == nil, let any = state.histories.keys.first {
                    state.histories[any] = nil
                }
                state.histories[key] = history
            }
        }
    }

    /// Makes sure the group has its consumer on every partition stream; returns the group's settings
    /// (those of the consumer that exists, or `options` for a new group).
    private func ensureConsumers(_ handle: TopicHandle, group: String, options: SubscriptionOptions) async throws -> GroupDescriptor {
        let consumer = naming.consumer(group: group)
        let proposed = GroupDescriptor(group: group, topic: handle.configuration.name, options: options)
        let descriptor: GroupDescriptor
        do {
            let existing = try await jetStream.consumerInfo(stream: handle.streams[0], consumer: consumer)
            descriptor = GroupDescriptor(description: existing.configuration.description) ?? proposed
        } catch let error as JetStreamError where error.kind == .consumerNotFound {
            descriptor = proposed
            try await createConsumer(handle, partition: 0, descriptor: descriptor, prefetch: options.prefetch, start: options.startPosition)
        } catch {
            throw brokerError(error, "reading consumer '\(consumer)' of topic '\(handle.configuration.name)'")
        }
        if handle.configuration.partitions > 1 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for partition in 1..<handle.configuration.partitions {
                    group.addTask {
                        do {
                            _ = try await self.jetStream.consumerInfo(stream: handle.streams[partition], consumer: consumer)
                        } catch let error as JetStreamError where error.kind == .consumerNotFound {
                            try await self.createConsumer(
                                handle,
                                partition: partition,
                                descriptor: descriptor,
                                prefetch: options.prefetch,
                                start: options.startPosition
                            )
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return descriptor
    }

    /// Re-creates a partition's consumer from the group's settings if it is gone (deleted by an operator);
    /// a consumer re-created by a seek elsewhere is left as it is.
    func ensureConsumer(settings: GroupRuntimeSettings, partition: Int) async {
        guard let handle = try? await topicHandle(settings.topic) else { return }
        do {
            _ = try await jetStream.consumerInfo(stream: settings.streams[partition], consumer: settings.consumer)
        } catch let error as JetStreamError where error.kind == .consumerNotFound {
            var options = SubscriptionOptions(
                ackDeadline: settings.ackDeadline,
                maximumDeliveries: settings.maximumDeliveries,
                deadLetterTopic: settings.deadLetterTopic,
                ordering: settings.perKey ? .perKey : .unordered
            )
            options.prefetch = 1
            let descriptor = GroupDescriptor(group: settings.group, topic: settings.topic, options: options)
            try? await createConsumer(handle, partition: partition, descriptor: descriptor, prefetch: 1, start: .earliest)
        } catch {
            logger.debug("could not check a consumer", metadata: [LogKey.error: "\(error)"])
        }
    }

    private func createConsumer(
        _ handle: TopicHandle,
        partition: Int,
        descriptor: GroupDescriptor,
        prefetch: Int,
        start: SubscriptionOptions.StartPosition,
        at sequence: UInt64? = nil
    ) async throws {
        let stream = handle.streams[partition]
        do {
            let policy: ConsumerConfiguration.DeliverPolicy
            if let sequence {
                policy = .byStartSequence(max(sequence, 1))
            } else if start == .latest {
                let state = try await jetStream.streamInfo(stream).state
                policy = .byStartSequence(state.lastSequence + 1)
            } else {
                policy = .all
            }
            _ = try await jetStream.createConsumer(stream: stream, consumerConfiguration(descriptor, policy: policy, prefetch: prefetch))
        } catch {
            throw brokerError(error, "creating consumer '\(naming.consumer(group: descriptor.group))' on stream '\(stream)'")
        }
    }

    private func consumerConfiguration(
        _ descriptor: GroupDescriptor, policy: ConsumerConfiguration.DeliverPolicy, prefetch: Int
    )
        -> ConsumerConfiguration
    {
        var configuration = ConsumerConfiguration(
            durableName: naming.consumer(group: descriptor.group),
            deliverPolicy: policy,
            ackPolicy: .explicit,
            ackWait: descriptor.ackDeadline,
            maximumDeliveries: -1,
            maximumAckPending: max(options.maximumAckPending, prefetch),
            description: descriptor.json
        )
        configuration.replayPolicy = .instant
        return configuration
    }

    // MARK: Admin

    /// Moves a group's position by deleting its consumers and creating them again at the target
    /// sequence; this process's deliveries of the group become stale (settling them does nothing), and
    /// other processes' subscribers notice the new consumers and start over from them.
    ///
    /// - Throws: ``BrokerError`` — `unknownTopic`, `unknownGroup` for a group that never subscribed,
    ///   `unavailable`.
    public func seek(group: String, on topic: String, to target: SeekTarget) async throws {
        try checkOpen()
        let handle = try await topicHandle(topic)
        let descriptor = try await groupDescriptor(handle, group: group)
        var targets: [Int: UInt64] = [:]
        for partition in 0..<handle.configuration.partitions {
            let state = try await streamState(handle, partition: partition)
            let first = max(state.firstSequence, 1)
            let end = state.lastSequence + 1
            let wanted: UInt64
            switch target {
            case .earliest: wanted = first
            case .latest: wanted = end
            case .offset(let offset): wanted = UInt64(max(offset.value, 0)) + 1
            case .offsets(let offsets):
                guard let offset = offsets[Partition(partition)] else { continue }
                wanted = UInt64(max(offset.value, 0)) + 1
            case .time(let date): wanted = try await firstSequence(handle, partition: partition, storedAtOrAfter: date)
            }
            targets[partition] = min(max(wanted, first), end)
        }
        let runtime = state.withLock { state in
            state.histories[Self.runtimeKey(topic, group)] = nil
            return state.runtimes[Self.runtimeKey(topic, group)]
        }
        runtime?.pause(partitions: Array(targets.keys))
        do {
            for (partition, sequence) in targets.sorted(by: { $0.key < $1.key }) {
                let stream = handle.streams[partition]
                do {
                    try await jetStream.deleteConsumer(stream: stream, consumer: naming.consumer(group: group))
                } catch let error as JetStreamError where error.kind == .consumerNotFound {
                    // Never created on this partition, or deleted meanwhile: create it below.
                }
                try await createConsumer(handle, partition: partition, descriptor: descriptor, prefetch: 1, start: .earliest, at: sequence)
            }
        } catch {
            await runtime?.resume()
            throw brokerError(error, "seeking group '\(group)' on topic '\(topic)'")
        }
        await runtime?.resume()
    }

    /// The group's settings from its first partition's consumer.
    func groupDescriptor(_ handle: TopicHandle, group: String) async throws -> GroupDescriptor {
        do {
            let info = try await jetStream.consumerInfo(stream: handle.streams[0], consumer: naming.consumer(group: group))
            return GroupDescriptor(description: info.configuration.description)
                ?? GroupDescriptor(group: group, topic: handle.configuration.name, options: SubscriptionOptions())
        } catch let error as JetStreamError where error.kind == .consumerNotFound {
            throw BrokerError.unknownGroup(topic: handle.configuration.name, group: group)
        } catch {
            throw brokerError(error, "reading group '\(group)' of topic '\(handle.configuration.name)'")
        }
    }

    /// The first sequence of a partition stored at or after `date`: asked of a short-lived ephemeral
    /// consumer starting there (its `delivered` position is the sequence before).
    private func firstSequence(_ handle: TopicHandle, partition: Int, storedAtOrAfter date: Date) async throws -> UInt64 {
        let stream = handle.streams[partition]
        do {
            var probe = ConsumerConfiguration(durableName: nil, deliverPolicy: .byStartTime(date), ackPolicy: .none)
            probe.inactiveThreshold = .seconds(5)
            let info = try await jetStream.createConsumer(stream: stream, probe)
            try? await jetStream.deleteConsumer(stream: stream, consumer: info.name)
            return info.delivered.streamSequence + 1
        } catch {
            throw brokerError(error, "finding the first event of stream '\(stream)' stored after \(RFC3339.format(date))")
        }
    }

    /// How far a group is behind, per partition: from each partition's stream state and consumer
    /// (acknowledgement floor, `num_pending` + `num_ack_pending`). In-flight and awaiting-redelivery
    /// figures are this process's when it has subscribers of the group, else the server's
    /// (`num_ack_pending`, `num_redelivered`).
    ///
    /// - Throws: ``BrokerError`` — `unknownTopic`, `unknownGroup` for a group that never subscribed,
    ///   `unavailable`.
    public func lag(group: String, on topic: String) async throws -> GroupLag {
        try checkOpen()
        let handle = try await topicHandle(topic)
        let consumer = naming.consumer(group: group)
        let runtime = state.withLock { $0.runtimes[Self.runtimeKey(topic, group)] }
        await runtime?.barrier()
        var figures: [PartitionLag] = []
        for partition in 0..<handle.configuration.partitions {
            let stream = handle.streams[partition]
            let streamState = try await self.streamState(handle, partition: partition)
            let info: ConsumerInfo
            do {
                info = try await jetStream.consumerInfo(stream: stream, consumer: consumer)
            } catch let error as JetStreamError where error.kind == .consumerNotFound {
                throw BrokerError.unknownGroup(topic: topic, group: group)
            } catch {
                throw brokerError(error, "reading consumer '\(consumer)' of stream '\(stream)'")
            }
            let committed = Self.committedSequence(info, stream: streamState)
            let end = streamState.lastSequence
            let pending = min(Int64(info.numberPending) + Int64(info.numberAckPending), Int64(end) - Int64(min(committed, end)))
            let local = await runtime?.figures(partition: partition, firstSequence: streamState.firstSequence)
            figures.append(
                PartitionLag(
                    partition: Partition(partition),
                    committedOffset: Offset(Int64(committed)),
                    endOffset: Offset(Int64(end)),
                    pending: max(0, pending),
                    inFlight: local?.inFlight ?? info.numberAckPending,
                    awaitingRedelivery: local?.awaiting ?? info.numberRedelivered
                )
            )
        }
        return GroupLag(topic: topic, group: group, partitions: figures)
    }

    /// Reads up to `limit` events of one partition from `offset` on, by sequence
    /// (`$JS.API.STREAM.MSG.GET`, requests pipelined); sequences the stream no longer holds are skipped.
    ///
    /// - Throws: ``BrokerError`` — `unknownTopic`, `unknownPartition` for a partition the topic does not
    ///   have, `unavailable`.
    public func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent] {
        try checkOpen()
        let handle = try await topicHandle(topic)
        guard (0..<handle.configuration.partitions).contains(partition.index) else {
            throw BrokerError.unknownPartition(topic: topic, partition: partition, partitions: handle.configuration.partitions)
        }
        let streamState = try await self.streamState(handle, partition: partition.index)
        var next = max(UInt64(max(offset.value, 0)) + 1, streamState.firstSequence)
        let last = streamState.lastSequence
        var events: [StoredEvent] = []
        let stream = handle.streams[partition.index]
        while events.count < limit, next <= last {
            let count = min(UInt64(limit - events.count), last - next + 1, 256)
            let sequences = Array(next..<(next + count))
            let messages: [StoredMessage?]
            do {
                messages = try await jetStream.messages(stream: stream, sequences: sequences)
            } catch {
                throw brokerError(error, "reading stream '\(stream)'")
            }
            for message in messages.compactMap({ $0 }) where events.count < limit {
                let event = CloudEventHeaders.event(
                    headers: message.headers,
                    payload: message.payload,
                    subject: message.subject,
                    stream: stream,
                    sequence: message.sequence
                )
                events.append(StoredEvent(event: event, partition: partition, offset: Offset(Int64(message.sequence) - 1), storedAt: message.time))
            }
            next += count
        }
        return events
    }
}
