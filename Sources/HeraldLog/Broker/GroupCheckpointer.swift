import Herald
import Synchronization

/// Writes the consumer groups' checkpoints (one JSON file per group, under `groups/<topic>/`) and removes a
/// deleted topic's. It owns those files: the broker calls it each maintenance round and on close.
///
/// Blocking file work: call it on the broker's I/O threads.
final class GroupCheckpointer: Sendable {
    /// The directory of every topic's group files.
    let directory: String
    private let fileSystem: any LogFileSystem
    // Mutex: serialises checkpoint writes with the removal of a deleted topic's group directory, so that a
    // checkpoint taken before the deletion cannot write its file after it. Held only on the I/O threads.
    private let files = Mutex(())

    init(directory: String, fileSystem: any LogFileSystem) {
        self.directory = directory
        self.fileSystem = fileSystem
    }

    /// Writes the checkpoint of every group of `topics` that changed since its last one (`all`: every group).
    /// A write that fails is marked on its group and written again at the next call.
    ///
    /// - Throws: the first failure, once every other checkpoint was written.
    func checkpoint(_ topics: [LogTopic], all: Bool) throws {
        var pending: [(LogTopic, String, GroupCheckpointFile)] = []
        for topic in topics {
            topic.withLock {
                for checkpoint in topic.groups.takeCheckpoints(force: all) {
                    pending.append((topic, checkpoint.group, GroupCheckpointFile(topic: topic.name, checkpoint: checkpoint)))
                }
            }
        }
        var firstFailure: (any Error)?
        files.withLock { _ in
            for (topic, group, file) in pending {
                // A topic deleted since its checkpoint was taken keeps no group files (a topic created
                // again under its name is another `LogTopic`).
                guard !topic.withLock({ topic.isDeleted }) else { continue }
                do {
                    let topicDirectory = "\(directory)/\(topic.name)"
                    try fileSystem.createDirectory(topicDirectory)
                    try fileSystem.writeAtomically(try file.encoded(), to: "\(topicDirectory)/\(group).json")
                } catch {
                    topic.withLock { topic.groups.checkpointFailed(group) }
                    firstFailure = firstFailure ?? error
                }
            }
        }
        if let firstFailure { throw firstFailure }
    }

    /// Removes the group files of a deleted topic (after ``LogTopic/isDeleted`` was set).
    ///
    /// - Throws: ``StorageError`` when the directory cannot be removed.
    func removeCheckpoints(ofTopic name: String) throws(StorageError) {
        try files.withLock { _ throws(StorageError) in
            let topicDirectory = "\(directory)/\(name)"
            if fileSystem.fileExists(topicDirectory) {
                try fileSystem.removeItem(topicDirectory)
                try fileSystem.syncDirectory(directory)
            }
        }
    }
}
