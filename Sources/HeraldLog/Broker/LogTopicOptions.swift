/// Settings of a topic that only the embedded log has, persisted with the topic.
public struct LogTopicOptions: Sendable, Hashable {
    /// When publishes are acknowledged relative to the disk. Default `nil`: the broker's default
    /// (``LogBrokerConfiguration/defaultDurability``).
    public var durability: DurabilityPolicy?
    /// Events older than this are deleted by the broker's maintenance, whole segments at a time.
    /// Default `nil`: kept until a size limit removes them.
    public var retentionAge: Duration?

    /// Creates options with the defaults stated on each property.
    public init(durability: DurabilityPolicy? = nil, retentionAge: Duration? = nil) {
        self.durability = durability
        self.retentionAge = retentionAge
    }
}
