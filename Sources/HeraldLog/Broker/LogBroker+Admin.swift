import Herald
import NIOCore
import Synchronization

import struct Foundation.UUID

/// Topics and the admin protocol.
extension LogBroker {
    // MARK: Topics

    /// Creates a topic with the broker's default log options. - Throws: ``BrokerError``, ``StorageError``.
    public func createTopic(_ configuration: TopicConfiguration) async throws {
        try await createTopic(configuration, options: LogTopicOptions())
    }

    /// Creates a topic, or does nothing if one with the same configuration exists; its configuration and
    /// options are persisted with it.
    ///
    /// - Throws: ``BrokerError`` for an invalid or conflicting configuration, ``StorageError`` when the
    ///   topic cannot be written.
    public func createTopic(_ configuration: TopicConfiguration, options: LogTopicOptions) async throws {
        try configuration.validate()
        guard configuration.maximumEventBytes <= Self.maximumEventBytes else {
            throw BrokerError.invalidConfiguration(
                topic: configuration.name, setting: "maximumEventBytes", value: "\(configuration.maximumEventBytes)",
                rule: "must be at most \(Self.maximumEventBytes), the largest event the log's format stores (LogBroker.maximumEventBytes)"
            )
        }
        let exists = try state.withLock { state throws(BrokerError) -> Bool in
            if state.isShutDown { throw .closed() }
            if state.quarantinedTopics[configuration.name] != nil { throw state.missingTopic(configuration.name) }
            guard let existing = state.topics[configuration.name] else { return false }
            if existing.configuration != configuration { throw .topicExists(configuration.name) }
            return true
        }
        if exists { return }
        let directory = "\(topicsDirectory)/\(configuration.name)"
        // Created under the lock, where it will live (topics are not Sendable); topic creation is rare. The
        // file work runs on an I/O thread.
        let outcome = try await onIOThread { [self] in try createTopicFiles(configuration, options: options, directory: directory) }
        switch outcome {
        case .created, .exists: return
        case .conflict: throw BrokerError.topicExists(configuration.name)
        case .deleting: throw BrokerError.unavailable("topic '\(configuration.name)' is being deleted; create it again once deleteTopic has returned")
        }
    }

    /// How creating a topic's files ended.
    enum TopicCreation: Sendable {
        case created
        case exists
        case conflict
        case deleting
    }

    func createTopicFiles(
        _ configuration: TopicConfiguration,
        options: LogTopicOptions,
        directory: String
    ) throws -> TopicCreation {
        try state.withLock { state throws -> TopicCreation in
            if let existing = state.topics[configuration.name] {
                return existing.configuration != configuration ? .conflict : .exists
            }
            if state.deletingTopics.contains(configuration.name) { return .deleting }
            // The journal may still hold entries of a topic of this name deleted since the broker opened:
            // this one files its entries under a name of its own.
            let incarnation = state.deletedTopics.contains(configuration.name) ? String(UUID().uuidString.prefix(8)).lowercased() : nil
            let manifest = try TopicManifest(configuration, options: options, incarnation: incarnation).encoded()
            try fileSystem.createDirectory(directory)
            try fileSystem.writeAtomically(manifest, to: "\(directory)/topic.json")
            try fileSystem.syncDirectory(topicsDirectory)
            state.topics[configuration.name] = try openTopic(configuration, options: options, incarnation: incarnation)
            return .created
        }
    }

    /// Every topic's configuration, sorted by name.
    public func topics() async throws -> [TopicConfiguration] {
        state.withLock { state in state.topics.values.map(\.configuration) }.sorted { $0.name < $1.name }
    }

    // MARK: Admin

    /// A topic's configuration, retention (its limits and ``LogTopicOptions/retentionAge``) and partitions,
    /// whose bytes are the bytes of their segment files. - Throws: ``BrokerError`` for an unknown topic.
    public func describeTopic(_ topic: String) async throws -> TopicDescription {
        try withGroupTopic(topic) { topicState throws(BrokerError) in
            TopicDescription(
                configuration: topicState.configuration,
                retention: TopicRetention(topicState.configuration, maximumAge: topicState.options.retentionAge),
                partitions: topicState.partitions.map { partition in
                    PartitionDescription(
                        partition: partition.index, startOffset: partition.startOffset, endOffset: partition.endOffset, bytes: partition.storedBytes
                    )
                }
            )
        }
    }

    /// The topic's consumer groups with their members and lag. - Throws: ``BrokerError`` for an unknown topic.
    public func describeGroups(of topic: String) async throws -> [GroupDescription] {
        try groupDescriptions(of: topic)
    }

    /// Deletes a topic: its subscriptions end, its partitions are closed and its files and group
    /// checkpoints removed (the directory is first renamed aside, so a crash part way leaves no half topic:
    /// the next open removes what is left). A topic created again under the name before the broker is
    /// reopened files its commit journal entries apart from the deleted one's.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, ``StorageError`` when its files cannot be removed
    ///   (the topic is gone from the broker either way).
    public func deleteTopic(_ topic: String) async throws {
        let removed = try state.withLock { state throws(BrokerError) -> LogTopic in
            if state.isShutDown { throw .closed() }
            guard let topicState = state.topics.removeValue(forKey: topic) else { throw state.missingTopic(topic) }
            topicState.groups.closeAll()
            state.deletedTopics.insert(topic)
            state.deletingTopics.insert(topic)
            idleWaiters.notifyAll()
            return topicState
        }
        let partitions = removed.partitions.map(\.writer.partition)
        let directory = removed.directory
        defer { state.withLock { _ = $0.deletingTopics.remove(topic) } }
        try await onIOThread { [self] in
            for partition in partitions {
                journal?.unregister(partition)
                try? partition.withLock { (store: PartitionStore) throws(StorageError) in try store.close() }
            }
            let aside = "\(topicsDirectory)/.deleted-\(UUID().uuidString)"
            try fileSystem.rename(directory, to: aside)
            try fileSystem.syncDirectory(topicsDirectory)
            try fileSystem.removeItem(aside)
            try groupFiles.withLock { _ throws(StorageError) in
                let groups = "\(groupsDirectory)/\(topic)"
                if fileSystem.fileExists(groups) {
                    try fileSystem.removeItem(groups)
                    try fileSystem.syncDirectory(groupsDirectory)
                }
            }
        }
    }
}
