/// The messages of one subscription, as an `AsyncSequence`.
///
/// Messages wait in a bounded buffer (``NATSSubscriptionLimits``); when it is full the newest are
/// dropped and counted in ``droppedMessages`` (core NATS has no flow control; use JetStream when nothing
/// may be lost). The sequence ends (`nil`) after ``unsubscribe()``, a drain or ``NATSClient/close()``,
/// once the buffered messages are consumed; it throws ``NATSClientError/reconnectFailed(attempts:last:)``
/// when the client gives up reconnecting. Reconnects are transparent: the subscription is re-sent and
/// keeps receiving.
///
/// Several tasks may iterate one subscription; each message goes to one of them. When the last copy of
/// the subscription and its iterators are gone, the client unsubscribes.
public struct NATSSubscription: AsyncSequence, Sendable {
    /// The element type: one received message.
    public typealias Element = NATSMessage

    /// Unsubscribes when the last reference goes away, so a forgotten subscription does not keep
    /// receiving messages into a buffer nobody reads.
    final class Handle: Sendable {
        let client: NATSClient
        let sid: UInt64
        let buffer: SubscriptionBuffer

        init(client: NATSClient, sid: UInt64, buffer: SubscriptionBuffer) {
            self.client = client
            self.sid = sid
            self.buffer = buffer
        }

        deinit {
            client.removeSubscription(sid: sid, afterMessages: nil)
        }
    }

    /// The subject (possibly with wildcards) subscribed to.
    public let subject: String
    /// The queue group, `nil` for a plain subscription.
    public let queueGroup: String?
    private let handle: Handle

    init(subject: String, queueGroup: String?, handle: Handle) {
        self.subject = subject
        self.queueGroup = queueGroup
        self.handle = handle
    }

    /// The subscription id on the connection (kept across reconnects).
    public var sid: UInt64 { handle.sid }

    /// Messages dropped because the buffer was full.
    public var droppedMessages: Int { handle.buffer.droppedMessages }

    /// Messages received and not yet consumed.
    public var bufferedMessages: Int { handle.buffer.bufferedMessages }

    /// Stops the subscription. Messages already buffered can still be consumed; then the sequence ends.
    /// Unsubscribing twice, or on a closed client, does nothing.
    public func unsubscribe() {
        handle.client.removeSubscription(sid: handle.sid, afterMessages: nil)
    }

    /// Unsubscribes on the server but keeps receiving what the server sent before it learned of it; a
    /// ``NATSClient/flush(timeout:)`` afterwards waits until all of that has arrived. End it with
    /// ``finishDraining()``.
    func startDraining() {
        handle.client.startDraining(sid: handle.sid)
    }

    /// Ends a subscription after ``startDraining()``: buffered messages can still be consumed, then the
    /// sequence ends.
    func finishDraining() {
        handle.client.finishDraining(sid: handle.sid)
    }

    /// Stops the subscription after `count` messages in total have been delivered to it (counting those
    /// already delivered); at once if that many already were.
    ///
    /// - Throws: ``NATSClientError/invalidArgument(_:value:rule:)`` when `count` is below 1.
    public func unsubscribe(afterMessages count: Int) throws {
        guard count >= 1 else {
            throw NATSClientError.invalidArgument("afterMessages", value: "\(count)", rule: "must be at least 1")
        }
        handle.client.removeSubscription(sid: handle.sid, afterMessages: count)
    }

    /// Creates an iterator; every iterator takes from the same buffer.
    public func makeAsyncIterator() -> Iterator {
        Iterator(handle: handle)
    }

    /// Takes the subscription's messages in order.
    public struct Iterator: AsyncIteratorProtocol {
        private let handle: Handle

        init(handle: Handle) {
            self.handle = handle
        }

        /// The next message, or `nil` when the subscription has ended.
        ///
        /// - Throws: ``NATSClientError`` when the client gave up reconnecting; `CancellationError` when the
        ///   task is cancelled while waiting.
        public mutating func next() async throws -> NATSMessage? {
            try await handle.buffer.next()
        }
    }
}
