/// The rule every consumer group name follows: the same characters as a topic name.
public enum ConsumerGroupName {
    /// Checks a group name.
    ///
    /// - Throws: ``BrokerError/invalidGroupName(_:reason:)``.
    public static func validate(_ name: String) throws(BrokerError) {
        do {
            try TopicName.validate(name)
        } catch {
            throw .invalidGroupName(name, reason: error.reason ?? error.message)
        }
    }
}
