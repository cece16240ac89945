/// A catch-up subscription to one stream or to all streams: the events after a checkpoint, then new ones
/// as they are appended. It never reads anything but "after the last event I delivered", so catching up
/// and following live are one loop and the switch between them can neither skip nor repeat an event.
///
/// Bounded: it holds at most one page (``pageSize`` events) that its consumer has not taken yet.
public struct EventStoreSubscription: AsyncSequence, Sendable {
    /// A delivered event.
    public typealias Element = RecordedEvent

    /// Events read per step.
    public static let pageSize = 256

    let store: any EventStore
    let stream: String?
    let checkpoint: UInt64?

    init(store: any EventStore, stream: String?, after checkpoint: UInt64?) {
        self.store = store
        self.stream = stream
        self.checkpoint = checkpoint
    }

    /// The iterator.
    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, stream: stream, after: checkpoint)
    }

    /// Reads pages after the last delivered event, and waits for appends once caught up. Ends when its
    /// task is cancelled; throws what the store throws.
    public struct Iterator: AsyncIteratorProtocol {
        let store: any EventStore
        let stream: String?
        /// The revision (one stream) or position (all) of the last event delivered.
        var last: UInt64?
        var page: [RecordedEvent] = []
        var index = 0

        init(store: any EventStore, stream: String?, after checkpoint: UInt64?) {
            self.store = store
            self.stream = stream
            self.last = checkpoint
        }

        /// The next event, waiting for one to be appended if the subscription has caught up; `nil` once
        /// the task is cancelled.
        public mutating func next() async throws -> RecordedEvent? {
            while index >= page.count {
                if Task.isCancelled { return nil }
                let from = last.map { $0 + 1 } ?? 0
                // The store's head is read before the page: an append landing between the read and the
                // wait is after it, so it ends the wait at once.
                let head = try await store.headPosition()
                if let stream {
                    page = try await store.read(stream: stream, from: .revision(from), direction: .forwards, limit: EventStoreSubscription.pageSize)
                } else {
                    page = try await store.readAll(from: from, limit: EventStoreSubscription.pageSize)
                }
                index = 0
                if page.isEmpty {
                    await store.waitForAppends(after: head, until: .now + .seconds(1))
                }
            }
            let event = page[index]
            index += 1
            last = stream == nil ? event.position : event.revision
            return event
        }
    }
}
