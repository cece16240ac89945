/// Which messages `$JS.API.STREAM.PURGE` removes.
public struct StreamPurgeRequest: Sendable, Hashable, Encodable {
    /// Only messages on subjects matching this filter.
    public var filter: String?
    /// Only messages below this sequence.
    public var sequence: UInt64?
    /// Keep this many of the newest messages.
    public var keep: UInt64?

    /// A purge of everything (with all `nil`), or of what the arguments name.
    public init(filter: String? = nil, sequence: UInt64? = nil, keep: UInt64? = nil) {
        self.filter = filter
        self.sequence = sequence
        self.keep = keep
    }

    enum CodingKeys: String, CodingKey {
        case filter
        case sequence = "seq"
        case keep
    }
}
