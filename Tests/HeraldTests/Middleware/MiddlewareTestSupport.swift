import Herald
import Logging
import NIOCore
import Synchronization
import Testing
import Tracing

import struct Foundation.Date

/// A `DeliveryAcknowledger` that records what the middleware under test does to the delivery.
final class RecordingAcknowledger: DeliveryAcknowledger {
    private struct State {
        var settlements: [Settlement] = []
        var deadlineExtensions = 0
    }

    private let state = Mutex(State())
    /// When set, `extendDeadline` throws this after recording the call.
    private let extendDeadlineError: BrokerError?

    init(extendDeadlineError: BrokerError? = nil) {
        self.extendDeadlineError = extendDeadlineError
    }

    var settlements: [Settlement] { state.withLock { $0.settlements } }
    var deadlineExtensions: Int { state.withLock { $0.deadlineExtensions } }

    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        state.withLock { $0.settlements.append(settlement) }
    }

    func extendDeadline(_ token: DeliveryToken) async throws {
        state.withLock { $0.deadlineExtensions += 1 }
        if let extendDeadlineError {
            throw extendDeadlineError
        }
    }
}

/// A `Broker` that records published events and refuses everything else.
final class RecordingNullBroker: Broker {
    private let published = Mutex<[(event: Event, topic: String)]>([])

    var publishedEvents: [Event] { published.withLock { $0.map(\.event) } }

    func createTopic(_ configuration: TopicConfiguration) async throws {
        throw BrokerError.unavailable("RecordingNullBroker does not create topics")
    }

    func topics() async throws -> [TopicConfiguration] { [] }

    func publish(_ events: [Event], to topic: String) async throws -> [PublishReceipt] {
        published.withLock { published in
            let start = published.count
            published.append(contentsOf: events.map { ($0, topic) })
            return events.indices.map { index in
                PublishReceipt(topic: topic, partition: 0, offset: Offset(Int64(start + index)), isDuplicate: false)
            }
        }
    }

    func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Subscription {
        throw BrokerError.unavailable("RecordingNullBroker does not subscribe")
    }

    func seek(group: String, on topic: String, to target: SeekTarget) async throws {
        throw BrokerError.unavailable("RecordingNullBroker does not seek")
    }

    func lag(group: String, on topic: String) async throws -> GroupLag {
        throw BrokerError.unavailable("RecordingNullBroker has no lag")
    }

    func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent] {
        []
    }

    func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws {
        throw BrokerError.unavailable("RecordingNullBroker does not settle")
    }

    func extendDeadline(_ token: DeliveryToken, topic: String, group: String) async throws {
        throw BrokerError.unavailable("RecordingNullBroker does not extend deadlines")
    }

    func waitUntilIdle(groups: [GroupReference]?, timeout: Duration) async throws {}

    func run() async throws {}

    func close() async throws {}
}

/// One captured log message.
struct CapturedLogRecord: Sendable {
    var level: Logger.Level
    var message: String
    var metadata: Logger.Metadata
}

/// Collects what `LogHandler`s made by ``logger(label:)`` log.
final class LogCapture: Sendable {
    private let records = Mutex<[CapturedLogRecord]>([])

    var all: [CapturedLogRecord] { records.withLock { $0 } }

    func append(_ record: CapturedLogRecord) {
        records.withLock { $0.append(record) }
    }

    /// A logger at `trace` level that records into this capture.
    func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in CapturingLogHandler(capture: self) }
    }

    func messages(at level: Logger.Level) -> [String] {
        all.filter { $0.level == level }.map(\.message)
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        merged.merge(event.metadata ?? [:]) { _, new in new }
        capture.append(CapturedLogRecord(level: event.level, message: event.message.description, metadata: merged))
    }
}

/// A counter shared by a test and the handlers it runs.
final class InvocationCounter: Sendable {
    private let value = Mutex(0)

    /// Adds one and returns the new count.
    @discardableResult
    func increment() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }

    var count: Int { value.withLock { $0 } }
}

/// An event for middleware tests.
func makeTestEvent(
    id: String = "event-1",
    source: String = "/tests/middleware",
    type: String = "test.thing.happened.v1",
    time: Date? = nil,
    dataContentType: String? = "application/json",
    data: String? = #"{"n":1}"#,
    extensions: [String: String] = [:]
) throws -> Event {
    try Event(
        id: id,
        source: source,
        type: type,
        time: time,
        dataContentType: dataContentType,
        extensions: extensions,
        data: data.map { ByteBuffer(string: $0) }
    )
}

/// A `MessageContext` for `event` as if delivered on `topic` to `group`, settling through `acknowledger`.
func makeTestContext(
    for event: Event,
    topic: String = "orders",
    group: String = "billing",
    attempt: Int = 1,
    acknowledger: RecordingAcknowledger = RecordingAcknowledger(),
    logger: Logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
    broker: RecordingNullBroker = RecordingNullBroker(),
    instrument: (any Instrument)? = nil
) -> MessageContext {
    let delivery = Delivery(
        event: event,
        topic: topic,
        group: group,
        partition: 0,
        offset: 7,
        attempt: attempt,
        firstDeliveredAt: Date(),
        storedAt: Date(),
        token: DeliveryToken(rawValue: 1, partition: 0, offset: 7, epoch: 0),
        acknowledger: acknowledger
    )
    let publisher = Publisher(broker: broker, source: "/tests/handler", instrument: instrument)
    return MessageContext(delivery: delivery, logger: logger, publisher: publisher)
}

/// An error the standard classifier calls retryable.
struct TransientTestError: Error, Equatable {
    var number = 0
}

/// An error the standard classifier calls permanent.
struct PermanentTestError: Error, Equatable, PermanentFailure {}

/// A controllable `ContinuousClock.Instant` source for clock-injected types.
final class ManualTime: Sendable {
    private let base = ContinuousClock.now
    private let offset = Mutex(Duration.zero)

    var now: ContinuousClock.Instant { base + offset.withLock { $0 } }

    func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }

    var elapsed: Duration { offset.withLock { $0 } }
}

/// A one-shot signal: `wait()` suspends until `open()` is called (or returns at once after it).
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Thrown by ``waitUntil(_:timeout:sourceLocation:_:)`` when the condition never held.
struct WaitTimedOut: Error {
    var description: String
}

/// Waits, yielding to other tasks, until `condition` holds; records an issue and throws after `timeout`.
/// For states that have no signal to await (how many tasks are queued inside a semaphore).
func waitUntil(
    _ description: String,
    timeout: Duration = .seconds(30),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while !condition() {
        if clock.now >= deadline {
            Issue.record("timed out waiting until \(description)", sourceLocation: sourceLocation)
            throw WaitTimedOut(description: description)
        }
        await Task.yield()
    }
}

/// A value behind a lock that closures and tasks can share (a `Mutex` itself cannot be captured by
/// escaping closures, being non-copyable).
final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }

    var value: Value { mutex.withLock { $0 } }
}
