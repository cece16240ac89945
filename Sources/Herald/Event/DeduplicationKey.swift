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

    /// A 128-bit digest of `source` and `id`: the stored 64-bit digest and a second one, salted
    /// differently. Two different keys share one with a probability of about 2⁻¹²⁸ per pair (for a
    /// million keys held, about 10⁻²⁷ that any two do), so a window can hold it in place of the strings.
    package var fingerprint: DeduplicationFingerprint {
        var hasher = Hasher()
        hasher.combine(UInt64(0x5EED_F1A6_E4A1))
        hasher.combine(source)
        hasher.combine(id)
        return DeduplicationFingerprint(high: UInt64(bitPattern: Int64(digest)), low: UInt64(bitPattern: Int64(hasher.finalize())))
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

/// A fixed-size stand-in for a ``DeduplicationKey`` (see ``DeduplicationKey/fingerprint``): 16 bytes,
/// compared as two integers, with nothing to retain or chase when a large window looks it up.
package struct DeduplicationFingerprint: Hashable, Sendable {
    /// The first 64 bits (the key's own digest).
    package let high: UInt64
    /// The second 64 bits.
    package let low: UInt64

    /// Feeds one half: the bits are already a hash.
    package func hash(into hasher: inout Hasher) {
        hasher.combine(low)
    }

    /// The bits are already a keyed hash of the key (Hasher's per-process random seed went into them), so
    /// a table uses them mixed with its seed directly instead of running SipHash over them again on every
    /// lookup: the de-duplication window looks up every published event, and that rehash was about a
    /// fifth of a batched publish's CPU time. `_rawHashValue(seed:)` is the standard library's own
    /// customisation point for this.
    package func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: low ^ UInt64(truncatingIfNeeded: seed))
    }
}
