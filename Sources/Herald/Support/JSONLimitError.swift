/// A JSON document broke a ``JSONLimits`` bound and was refused before it was decoded.
///
/// ``message`` names the bound, the value found and where: "JSON nests deeper than 128 levels: an array
/// opens level 129 at byte 128". Nothing was decoded; the same bytes always fail the same way, so
/// retrying does not help.
public struct JSONLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bound that was broken; compare with the static members (`error.code == .tooDeep`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case tooDeep
            case tooLarge
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// Arrays and objects nest deeper than ``JSONLimits/maximumDepth``.
        public static let tooDeep = Code(.tooDeep)
        /// The document has more bytes than ``JSONLimits/maximumBytes``.
        public static let tooLarge = Code(.tooLarge)

        /// The code's name, such as `tooDeep`.
        public var description: String { base.rawValue }
    }

    /// The bound that was broken.
    public let code: Code
    /// The bound's value: the maximum depth or the maximum number of bytes.
    public let limit: Int
    /// The zero-based byte offset where the bound was broken: the bracket that opened one level too many,
    /// or the first byte beyond ``limit`` for a document that is too large.
    public let offset: Int
    /// What went wrong and what to do about it.
    public let message: String

    private init(_ code: Code, limit: Int, offset: Int, message: String) {
        self.code = code
        self.limit = limit
        self.offset = offset
        self.message = message
    }

    /// An array (`[`) or object (`{`) at byte `offset` opens level `limit + 1`.
    static func tooDeep(limit: Int, offset: Int, opening bracket: UInt8) -> Self {
        let container = bracket == UInt8(ascii: "[") ? "an array" : "an object"
        return Self(
            .tooDeep,
            limit: limit,
            offset: offset,
            message: "JSON nests deeper than \(limit) levels: \(container) opens level \(limit + 1) at byte "
                + "\(offset); the document is refused undecoded (flatten it, or raise JSONLimits.maximumDepth)"
        )
    }

    /// A document of `size` bytes is larger than `limit`.
    static func tooLarge(size: Int, limit: Int) -> Self {
        Self(
            .tooLarge,
            limit: limit,
            offset: limit,
            message: "JSON document of \(size) bytes exceeds the limit of \(limit) bytes; the document is "
                + "refused undecoded (send smaller documents, or raise JSONLimits.maximumBytes)"
        )
    }

    /// The code and the message.
    public var description: String { "JSONLimitError.\(code): \(message)" }
}
