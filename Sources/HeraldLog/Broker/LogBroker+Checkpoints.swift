import Herald
import Synchronization

/// Consumer group checkpoints.
extension LogBroker {
    func checkpointGroups(all: Bool) throws {
        var files: [(String, String, GroupCheckpointFile)] = []
        for topic in state.withLock({ Array($0.topics.values) }) {
            topic.withLock {
                for (group, options, checkpoint) in topic.groups.takeCheckpoints(force: all) {
                    files.append((topic.name, group, GroupCheckpointFile(topic: topic.name, group: group, options: options, checkpoint: checkpoint)))
                }
            }
        }
        var firstFailure: (any Error)?
        groupFiles.withLock { _ in
            for (topic, group, file) in files {
                // A topic deleted since its checkpoint was taken keeps no group files.
                guard let topicState = state.withLock({ $0.topics[topic] }) else { continue }
                do {
                    let directory = "\(groupsDirectory)/\(topic)"
                    try fileSystem.createDirectory(directory)
                    try fileSystem.writeAtomically(try file.encoded(), to: "\(directory)/\(group).json")
                } catch {
                    // Written again at the next round.
                    topicState.withLock { topicState.groups.checkpointFailed(group) }
                    firstFailure = firstFailure ?? error
                }
            }
        }
        if let firstFailure { throw firstFailure }
    }
}
