import NIOCore

/// A 128-bit digest of what an event says: its `type`, `datacontenttype` and data bytes, but not its
/// `id`, `source`, `time`, `subject` or extensions (which are metadata about one publication of it).
///
/// ``IdempotencyMiddleware`` stores it with each idempotency key, so that a key reused for a different
/// payload is caught instead of silently treated as a duplicate.
///
/// The digest is two 64-bit FNV-1a hashes with different offset bases over an unambiguous encoding of the
/// three fields (each with a presence marker and its length). It detects accidental mismatches (a bug
/// or a reused key), not adversarial ones: FNV is not a cryptographic hash and collisions can be
/// constructed on purpose. Do not rely on it against a producer that tries to forge a match.
public struct PayloadFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The first 64 bits (FNV-1a with the standard offset basis).
    public let high: UInt64
    /// The second 64 bits (FNV-1a with a second offset basis).
    public let low: UInt64

    /// Creates a fingerprint from its two halves, for example as read back from a store.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The fingerprint of `event`'s `type`, `datacontenttype` and data.
    public init(of event: Event) {
        var hasher = Hasher128()
        hasher.field(event.type.utf8)
        if let contentType = event.dataContentType {
            hasher.field(contentType.utf8)
        } else {
            hasher.absentField()
        }
        if let data = event.data {
            hasher.field(data.readableBytesView)
        } else {
            hasher.absentField()
        }
        self.high = hasher.high
        self.low = hasher.low
    }

    /// Parses the 32 lowercase or uppercase hex digits that ``hexString`` produces; `nil` otherwise.
    public init?(hexString: String) {
        let digits = Array(hexString.utf8)
        guard digits.count == 32, hexString.allSatisfy(\.isHexDigit),
            let high = UInt64(String(decoding: digits[0..<16], as: UTF8.self), radix: 16),
            let low = UInt64(String(decoding: digits[16..<32], as: UTF8.self), radix: 16)
        else { return nil }
        self.high = high
        self.low = low
    }

    /// The fingerprint as 32 lowercase hex digits.
    public var hexString: String {
        Self.hex(high) + Self.hex(low)
    }

    /// The same as ``hexString``.
    public var description: String { hexString }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Two FNV-1a 64 hashes fed the same bytes.
private struct Hasher128 {
    private static let prime: UInt64 = 0x0000_0100_0000_01B3
    /// The standard FNV-1a 64 offset basis.
    private static let firstBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    /// A second basis: the standard one's FNV-1a hash of the byte string "herald.fingerprint".
    private static let secondBasis: UInt64 = {
        var value = firstBasis
        for byte in "herald.fingerprint".utf8 {
            value = (value ^ UInt64(byte)) &* prime
        }
        return value
    }()

    private(set) var high = firstBasis
    private(set) var low = secondBasis

    /// An absent field: a marker distinct from a present one, even an empty one.
    mutating func absentField() {
        byte(0)
    }

    /// A present field: a marker, its length as 8 little-endian bytes, then its bytes.
    mutating func field(_ bytes: some Collection<UInt8>) {
        byte(1)
        var length = UInt64(bytes.count)
        for _ in 0..<8 {
            byte(UInt8(truncatingIfNeeded: length))
            length >>= 8
        }
        for value in bytes {
            byte(value)
        }
    }

    private mutating func byte(_ value: UInt8) {
        high = (high ^ UInt64(value)) &* Self.prime
        low = (low ^ UInt64(value)) &* Self.prime
    }
}
