/// What a backend persists of one consumer group's position in one partition: the floor, the
/// acknowledged offsets above it and the delivery counts of unacknowledged events.
package struct PartitionCheckpoint: Sendable, Equatable {
    /// Everything below is acknowledged.
    package var floor: Offset
    /// Acknowledged offsets above the floor.
    package var acknowledged: [Offset]
    /// Delivery counts of unacknowledged events.
    package var attempts: [Offset: Int]

    /// Creates a checkpoint.
    package init(floor: Offset, acknowledged: [Offset], attempts: [Offset: Int]) {
        self.floor = floor
        self.acknowledged = acknowledged
        self.attempts = attempts
    }
}
