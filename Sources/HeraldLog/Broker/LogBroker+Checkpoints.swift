import Herald
import Synchronization

/// Consumer group checkpoints.
extension LogBroker {
    func checkpointGroups(all: Bool) throws {
        let files = state.withLock { state -> [(String, String, GroupCheckpointFile)] in
            var files: [(String, String, GroupCheckpointFile)] = []
            for topic in state.topics.values {
                for (group, options, checkpoint) in topic.groups.takeCheckpoints(force: all) {
                    files.append((topic.name, group, GroupCheckpointFile(topic: topic.name, group: group, options: options, checkpoint: checkpoint)))
                }
            }
            return files
        }
        try groupFiles.withLock { _ in
            for (topic, group, file) in files {
                // A topic deleted since its checkpoint was taken keeps no group files.
                guard state.withLock({ $0.topics[topic] != nil }) else { continue }
                let directory = "\(groupsDirectory)/\(topic)"
                try fileSystem.createDirectory(directory)
                try fileSystem.writeAtomically(try file.encoded(), to: "\(directory)/\(group).json")
            }
        }
    }
}
