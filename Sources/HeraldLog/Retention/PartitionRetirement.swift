import Herald
import NIOCore

/// Retention's file work on one partition, decided under its topic's lock and done after leaving it:
/// persist the new start offset, then delete the segments taken out of the store.
///
/// `@unchecked Sendable` is safe: its segments were detached from their store (``PartitionStore/detachSegments(below:)``),
/// so this value is the only way to reach them, and a topic's retirements run one at a time, under
/// ``LogTopic/retirementFiles``.
struct PartitionRetirement: @unchecked Sendable {
    /// The start offset to persist, if it moved.
    var start: Offset?
    /// Segments no longer in the store whose files are to be deleted, oldest first.
    var segments: [Segment] = []

    /// Whether there is nothing to do.
    var isEmpty: Bool { start == nil && segments.isEmpty }

    /// Adds later work: the later start wins, and segments accumulate.
    mutating func merge(_ later: PartitionRetirement) {
        if let next = later.start { start = max(start ?? next, next) }
        segments += later.segments
    }

    /// Writes the start file in `directory` and deletes the segments. Returns what is left to do after a
    /// failure (tried again later) with the failure, or an empty retirement.
    func run(directory: String, fileSystem: any LogFileSystem) -> (left: PartitionRetirement, failure: StorageError?) {
        if let start {
            do {
                try fileSystem.writeAtomically(
                    ChecksummedText.seal(ByteBuffer(string: String(start.value))), to: LogPartition.startFile(directory)
                )
            } catch {
                return (self, error)
            }
        }
        var left = PartitionRetirement()
        var failure: StorageError?
        for segment in segments {
            do {
                try segment.delete()
            } catch {
                left.segments.append(segment)
                failure = failure ?? error
            }
        }
        if !segments.isEmpty {
            do {
                try fileSystem.syncDirectory(directory)
            } catch {
                failure = failure ?? error
            }
        }
        return (left, failure)
    }
}
