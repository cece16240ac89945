/// What makes an event unique by the CloudEvents spec: its `source` and `id` together. Brokers
/// de-duplicate publishes on it; never on `time`.
public struct DeduplicationKey: Sendable, Hashable {
    /// The event's `source`.
    public var source: String
    /// The event's `id`.
    public var id: String

    /// Creates a key.
    public init(source: String, id: String) {
        self.source = source
        self.id = id
    }
}
