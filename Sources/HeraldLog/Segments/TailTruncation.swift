import Herald

/// Bytes cut from the tail of a partition on recovery: a torn write (a power loss or crash in the middle of
/// an append that was never acknowledged), recognised because no valid batch follows it.
public struct TailTruncation: Sendable, Hashable, CustomStringConvertible {
    /// The segment file.
    public var path: String
    /// Where the cut was made.
    public var position: Int64
    /// How many bytes were cut.
    public var bytes: Int64
    /// The first offset that was not recovered (the next offset after the cut).
    public var fromOffset: Offset
    /// What was wrong with the bytes.
    public var reason: String

    public var description: String {
        "cut \(bytes) bytes at byte \(position) of \(path) (from offset \(fromOffset)): \(reason)"
    }
}
