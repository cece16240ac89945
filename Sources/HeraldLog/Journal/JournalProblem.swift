import Herald

/// Bytes of a commit journal file that recovery could not replay, and what they held as far as can be told.
///
/// The journal is the only durable copy of what was acknowledged since its last checkpoint, so any of its
/// bytes that cannot be replayed may have been acknowledged events: each is reported with its byte range
/// and, when the damaged entry's header still reads, the partition and offsets it claims. Those claims come
/// from bytes that failed their checksum: a lead for the operator, not a fact.
public struct JournalProblem: Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// An entry failed its checksum and whole entries follow it: it was damaged after it was written.
        case damaged
        /// The file's last entry is not whole or fails its checksum, and nothing valid follows: a write the
        /// stop interrupted (never acknowledged), or damage to the last entry. The two cannot be told apart.
        case cutTail
        /// A whole entry's batch starts past its partition's end: the events between were lost (an earlier
        /// entry was damaged, or the segment lost what the journal no longer holds). They are recorded as
        /// damage in the partition too, served around; replay goes on after them.
        case gap
        /// Damaged journal bytes held entries whose partition cannot be read. This partition's topic syncs
        /// before acknowledging, so it may have lost events from its end after replay (``offsets``' lower
        /// bound) on; how many is not known.
        case possibleLoss
    }

    /// What went wrong.
    public var kind: Kind
    /// The journal file.
    public var path: String
    /// The byte position of the entry (or, for a gap, of the batch that cannot follow).
    public var position: Int64
    /// The byte position after the bytes not replayed.
    public var endPosition: Int64
    /// The topic the entry names, if its header reads.
    public var topic: String?
    /// The partition the entry names, if its header reads.
    public var partition: Int?
    /// The offsets that may be lost: for a gap, those between the partition's end and the batch; for a
    /// possible loss, from the partition's end on (up to `Int64.max`); else the offsets the entry's batches
    /// claim, if their headers read.
    public var offsets: Range<Offset>?

    /// Creates the description of a problem.
    public init(kind: Kind, path: String, position: Int64, endPosition: Int64, topic: String? = nil, partition: Int? = nil, offsets: Range<Offset>? = nil) {
        self.kind = kind
        self.path = path
        self.position = position
        self.endPosition = endPosition
        self.topic = topic
        self.partition = partition
        self.offsets = offsets
    }

    /// Whether the problem may have cost `offset` of `topic`'s `partition`.
    public func mayHaveLost(topic: String, partition: Int, offset: Offset) -> Bool {
        self.topic == topic && self.partition == partition && (offsets?.contains(offset) ?? false)
    }

    public var description: String {
        let place = "commit journal '\(path)' bytes \(position)..<\(endPosition)"
        let claim: String
        if let topic, let partition {
            let range =
                offsets.map {
                    $0.upperBound.value == Int64.max
                        ? ", offsets from \($0.lowerBound.value) on (how many is not known)" : ", offsets \($0.lowerBound.value)..<\($0.upperBound.value)"
                } ?? ", offsets unknown"
            claim = "\(topic)/\(partition)\(range)"
        } else {
            claim = "partition unknown (the entry's header is damaged)"
        }
        switch kind {
        case .damaged:
            return "\(place): the entry fails its checksum, entries after it are replayed; it claims \(claim)"
        case .cutTail:
            return
                "\(place): the file ends in an entry that is not whole or fails its checksum (an interrupted write, never acknowledged, or damage); it claims \(claim)"
        case .gap:
            return "\(place): the batch starts past its partition's end, the events between were lost: \(claim)"
        case .possibleLoss:
            let from = offsets.map { "\($0.lowerBound.value)" } ?? "its end"
            return
                "\(place) held entries whose partition cannot be read: \(topic ?? "?")/\(partition.map(String.init) ?? "?") may have lost events from offset \(from) on (how many is not known)"
        }
    }
}
