/// When a publish to the embedded log is acknowledged, relative to the disk.
public enum DurabilityPolicy: Sendable, Hashable {
    /// Write and `fdatasync` before acknowledging (the default). Concurrent publishes to a partition are
    /// coalesced into one write (group commit), and the broker's commit journal makes a round of such
    /// writes to any number of partitions durable with one sync
    /// (``LogBrokerConfiguration/commitJournal``; without it each partition syncs its own segment).
    case fsyncBeforeAcknowledge
    /// Acknowledge once written to the operating system; sync at least this often. A power loss can lose
    /// up to the interval's worth of acknowledged events; a process crash loses none.
    case fsyncInterval(Duration)
    /// Acknowledge once written to the operating system and leave syncing to it. A power loss can lose
    /// acknowledged events; a process crash loses none.
    case operatingSystem
}
