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
        let name = configuration.name
        while true {
            let step = try state.withLock { state throws(BrokerError) -> TopicCreation in
                if state.isShutDown { throw .closed() }
                if state.quarantinedTopics[name] != nil { throw state.missingTopic(name) }
                if let existing = state.topics[name] {
                    if existing.configuration != configuration { throw .topicExists(name) }
                    return .exists
                }
                if state.deletingTopics.contains(name) {
                    throw .unavailable("topic '\(name)' is being deleted; create it again once deleteTopic has returned")
                }
                if let creation = state.creations[name] { return .wait(creation) }
                let creation = AsyncSignal()
                state.creations[name] = creation
                // The journal may still hold entries of a topic of this name deleted since the broker
                // opened: this one files its entries under a name of its own.
                let incarnation = state.deletedTopics.contains(name) ? String(UUID().uuidString.prefix(8)).lowercased() : nil
                return .create(creation, incarnation: incarnation)
            }
            switch step {
            case .exists:
                return
            case .wait(let creation):
                // Another call is creating it: look again once it is done. The creator notifies once; a
                // notification that came before this wait is kept for one waiter only, so each waiter passes
                // it on to the next.
                await creation.wait()
                creation.notify()
                try Task.checkCancellation()
            case .create(let creation, let incarnation):
                defer {
                    state.withLock { _ = $0.creations.removeValue(forKey: name) }
                    creation.notify()
                }
                // The files are written and the topic opened on an I/O thread, holding no lock.
                let topic = try await onIOThread { [self] in try createTopicFiles(configuration, options: options, incarnation: incarnation) }
                state.withLock { $0.topics[name] = topic }
                return
            }
        }
    }

    /// What a call to create a topic does next.
    enum TopicCreation: Sendable {
        /// The topic exists with the same configuration.
        case exists
        /// Another call is creating it.
        case wait(AsyncSignal)
        /// This call creates it, under the incarnation given.
        case create(AsyncSignal, incarnation: String?)
    }

    /// Writes a new topic's manifest and opens it (on an I/O thread, holding no lock).
    func createTopicFiles(_ configuration: TopicConfiguration, options: LogTopicOptions, incarnation: String?) throws -> LogTopic {
        let directory = "\(topicsDirectory)/\(configuration.name)"
        let manifest = try TopicManifest(configuration, options: options, incarnation: incarnation).encoded()
        try fileSystem.createDirectory(directory)
        try fileSystem.writeAtomically(manifest, to: "\(directory)/topic.json")
        try fileSystem.syncDirectory(topicsDirectory)
        return try openTopic(configuration, options: options, incarnation: incarnation)
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

    /// Where one event stands in a group. - Throws: ``BrokerError`` for an unknown topic or group.
    public func deliveryState(group: String, on topic: String, partition: Partition, offset: Offset) async throws -> DeliveryState? {
        try groupDeliveryState(group, on: topic, partition: partition, offset: offset)
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
            state.deletedTopics.insert(topic)
            state.deletingTopics.insert(topic)
            return topicState
        }
        removed.withLock {
            removed.isDeleted = true
            removed.groups.closeAll()
            idleWaiters.notifyAll()
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
            // Retention's file work on the topic is finished or will not start: none writes into a
            // directory a new topic of the same name takes.
            try removed.retirementFiles.withLock { _ throws(StorageError) in
                try fileSystem.rename(directory, to: aside)
            }
            try fileSystem.syncDirectory(topicsDirectory)
            try fileSystem.removeItem(aside)
            try checkpointer.removeCheckpoints(ofTopic: topic)
        }
    }
}
