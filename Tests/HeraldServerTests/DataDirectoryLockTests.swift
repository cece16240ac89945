import Foundation
import HeraldLog
import Testing

/// Two processes must never open one embedded log: the second is refused with the first's pid named,
/// and a `kill -9` of the first leaves no stale lock behind.
@Suite("Embedded log: one process per data directory")
struct DataDirectoryLockTests {
    @Test("a log open in herald serve is refused to another process, naming it; after kill -9 it opens")
    func secondProcessRefused() async throws {
        try await withTemporaryDirectory { directory in
            let server = try await ServeProcess.start(dataDirectory: directory)
            do {
                let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
                try? await broker.close()
                Issue.record("a second process opened the log")
            } catch let error as StorageError {
                #expect(error.isInUse)
                #expect(error.message.contains("process \(server.process.processIdentifier)"), "\(error.message)")
            }
            await server.kill()
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try await broker.close()
        }
    }
}
