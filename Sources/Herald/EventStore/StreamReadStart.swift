/// Where a read of one stream starts.
public enum StreamReadStart: Sendable, Hashable {
    /// The first event (forwards) — or, read backwards, nothing before it: use ``end``.
    case start
    /// The last event: read backwards from here.
    case end
    /// This revision, included.
    case revision(UInt64)
}

/// Which way a read goes.
public enum ReadDirection: Sendable, Hashable {
    /// Oldest first.
    case forwards
    /// Newest first.
    case backwards
}
