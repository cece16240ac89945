/// Bounds on JSON that Herald did not write itself: how deeply arrays and objects may nest and how many
/// bytes a document may have.
///
/// Herald checks these before it decodes foreign JSON (CloudEvents documents, typed-event data, NATS and
/// JetStream replies, files read at open), in one pass that takes time linear in the document's size, and
/// refuses a document that breaks them with a ``JSONLimitError``. Without the check a document nested
/// 513 deep crashes Foundation's `JSONDecoder`.
///
/// ```swift
/// let event = try CloudEventJSON.decode(bytes, limits: JSONLimits(maximumDepth: 32))
/// ```
public struct JSONLimits: Sendable, Hashable {
    /// The deepest nesting any limit may allow: Foundation's `JSONDecoder` refuses (and at the end of a
    /// document crashes on) anything deeper, so a larger ``maximumDepth`` counts as this one.
    public static let depthCeiling = 512

    /// How many arrays and objects may be open at once; the document's top-level array or object is the
    /// first. Default 128; values above ``depthCeiling`` count as ``depthCeiling``.
    public var maximumDepth: Int
    /// The most bytes a document may have. Default 16 MiB.
    public var maximumBytes: Int

    /// Creates limits; every argument defaults to the value stated on its property.
    public init(maximumDepth: Int = 128, maximumBytes: Int = 16 * 1024 * 1024) {
        self.maximumDepth = maximumDepth
        self.maximumBytes = maximumBytes
    }

    /// The depth actually enforced: ``maximumDepth``, at most ``depthCeiling``.
    var effectiveDepth: Int { min(maximumDepth, Self.depthCeiling) }
}
