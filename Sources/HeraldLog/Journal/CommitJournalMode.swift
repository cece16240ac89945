/// When fsync-before-acknowledge appends go through the broker's commit journal (one sync for a round of
/// appends to any number of partitions) rather than each partition syncing its own segment.
///
/// Measured on a 2-core VM (ext4, `herald bench`, 4 publishers of 1,000-event batches): with 16 partitions
/// the journal published 1.1–2× faster than per-partition syncs; with 4 partitions on 2 I/O threads the
/// per-partition syncs, two running at once, were 1.3–1.45× faster than the journal, which writes every
/// byte twice.
public enum CommitJournalMode: Sendable, Hashable {
    /// Use the journal while the broker holds more fsync-before-acknowledge partitions than twice its I/O
    /// threads (more syncs than can run at once). The default.
    case automatic
    /// Always use the journal.
    case always
    /// Never: each partition syncs its own segment. A journal left by an earlier run is still replayed.
    case never
}
