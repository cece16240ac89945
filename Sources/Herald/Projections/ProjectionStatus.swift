import struct Foundation.Date

/// How far a projection (a read model fed from an event store) is behind the store: what the admin API's
/// `GET /projections` shows and the `herald_projection_lag` gauge records.
public struct ProjectionStatus: Sendable, Hashable, Codable {
    /// The projection's name.
    public var name: String
    /// The global position of the last event applied, `nil` before the first.
    public var position: UInt64?
    /// The store's last global position, `nil` when the store is empty.
    public var headPosition: UInt64?
    /// Positions between the two (0 when caught up). Positions may skip numbers in some stores (NATS
    /// numbers an append's events within its message), so this is an upper bound of the events behind.
    public var positionsBehind: UInt64
    /// When the last applied event was recorded in the store, `nil` before the first.
    public var lastAppliedRecordedAt: Date?
    /// When this status was taken.
    public var observedAt: Date

    /// A status.
    public init(name: String, position: UInt64?, headPosition: UInt64?, lastAppliedRecordedAt: Date?, observedAt: Date) {
        self.name = name
        self.position = position
        self.headPosition = headPosition
        self.lastAppliedRecordedAt = lastAppliedRecordedAt
        self.observedAt = observedAt
        switch (position, headPosition) {
        case (_, nil): self.positionsBehind = 0
        case (nil, let head?): self.positionsBehind = head + 1
        case (let position?, let head?): self.positionsBehind = head > position ? head - position : 0
        }
    }
}
