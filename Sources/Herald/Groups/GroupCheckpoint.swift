/// What a backend persists of one consumer group: its settings, whether an operator paused it, and its
/// position per partition.
package struct GroupCheckpoint: Sendable, Equatable {
    /// The group.
    package var group: String
    /// The settings its first subscriber chose.
    package var options: SubscriptionOptions
    /// Whether it is paused.
    package var isPaused: Bool
    /// Its position per partition.
    package var partitions: [PartitionCheckpoint]

    /// Creates a checkpoint.
    package init(group: String, options: SubscriptionOptions, isPaused: Bool, partitions: [PartitionCheckpoint]) {
        self.group = group
        self.options = options
        self.isPaused = isPaused
        self.partitions = partitions
    }
}
