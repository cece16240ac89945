/// Strings a connection's parser made lately, found again by their bytes: messages of one stream repeat
/// the same subjects, header names and most header values (`ce-datacontenttype`, a media type, a source),
/// and handing out the string made before costs a comparison where a new one costs an allocation (freed
/// later on another thread). Only strings too long for Swift's inline representation (over 15 bytes) and
/// at most 256 bytes are kept, in a fixed table of 64 slots, each holding the last string of its hash.
struct RecentStrings {
    /// Empty until the first string is kept (a table made for one message often keeps none).
    private var slots: [String?] = []
    private static let slotCount = 64

    /// Creates an empty table.
    init() {}

    /// The string of `bytes`: the one kept for the same bytes, or what `make` makes of them (kept then);
    /// `nil` when `make` refuses them.
    mutating func string(_ bytes: UnsafeRawBufferPointer, make: (UnsafeRawBufferPointer) -> String?) -> String? {
        guard bytes.count > 15, bytes.count <= 256 else { return make(bytes) }
        let slot = Self.slot(of: bytes)
        if !slots.isEmpty, let kept = slots[slot], Self.matches(kept, bytes) { return kept }
        guard let made = make(bytes) else { return nil }
        if slots.isEmpty { slots = Array(repeating: nil, count: Self.slotCount) }
        slots[slot] = made
        return made
    }

    /// A slot from the length and the first and last eight bytes (at least 16 are there).
    private static func slot(of bytes: UnsafeRawBufferPointer) -> Int {
        let head = bytes.loadUnaligned(as: UInt64.self)
        let tail = bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self)
        let mixed = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(bytes.count)
        return Int(truncatingIfNeeded: (mixed ^ (mixed >> 29)) % UInt64(slotCount))
    }

    private static func matches(_ kept: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        UTF8Text.equals(kept, bytes)
    }
}
