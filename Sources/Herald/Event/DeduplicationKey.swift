/// What makes an event unique by the CloudEvents spec: its `source` and `id` together. Brokers
/// de-duplicate publishes on it; never on `time`.
///
/// The key hashes its two strings once, when made, and keeps the result: a broker looks a key up in
/// several tables per publish (its window, the publishes in flight, the batch itself), and each of those
/// then hashes one integer instead of two strings.
public struct DeduplicationKey: Sendable, Hashable {
    /// The event's `source`.
    public var source: String { didSet { digest = Self.digest(source, id) } }
    /// The event's `id`.
    public var id: String { didSet { digest = Self.digest(source, id) } }
    private var digest: Int

    /// Creates a key.
    public init(source: String, id: String) {
        self.source = source
        self.id = id
        self.digest = Self.digest(source, id)
    }

    private static func digest(_ source: String, _ id: String) -> Int {
        var hasher = Hasher()
        hasher.combine(source)
        hasher.combine(id)
        return hasher.finalize()
    }

    /// Feeds the stored digest of `source` and `id`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }

    /// Equal when `source` and `id` are.
    public static func == (lhs: DeduplicationKey, rhs: DeduplicationKey) -> Bool {
        lhs.digest == rhs.digest && lhs.id == rhs.id && lhs.source == rhs.source
    }
}
