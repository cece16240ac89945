extension Consumer {
    /// Refuses a set of consumers (one process's, or a deployment's) in which two groups handle one
    /// command type from the same topic: each group gets every command, so it would be carried out twice.
    /// Call it before running them; competing members of one group are fine.
    ///
    /// - Throws: ``ConsumerConfigurationError`` naming the command type, the topic and the groups.
    public static func checkCommandHandlers(_ consumers: [Consumer]) throws(ConsumerConfigurationError) {
        var owners: [String: String] = [:]
        for consumer in consumers {
            for (commandType, topic) in consumer.commandTopics.sorted(by: { $0.key < $1.key }) {
                let key = "\(topic)\u{0}\(commandType)"
                if let owner = owners[key], owner != consumer.configuration.group {
                    throw .duplicateCommandHandler(commandType: commandType, topics: [topic], groups: [owner, consumer.configuration.group])
                }
                owners[key] = consumer.configuration.group
            }
        }
    }
}
