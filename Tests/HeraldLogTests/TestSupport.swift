import Foundation
import Herald
import HeraldLog
import HeraldTesting

/// Runs `body` with the path of a fresh directory under the system's temporary directory, and
/// removes the directory and its contents afterwards.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("herald-log-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Runs `body` with a fresh temporary directory, as ``withTemporaryDirectory(_:)``, for async tests.
func withTemporaryDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("herald-log-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url.path)
}

/// Runs blocking work (file copies, large reads) on a thread of its own and waits for it, so that it does
/// not hold one of the few threads the tests' async code shares.
func onBlockingThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Swift.Result { try body() }) }
    }
}

/// Every event `broker` serves of `topic`'s `partition`, read around damaged ranges, and the ranges whose
/// reads failed (each named by the error). Stops at the first read that fails without naming a range.
func readAround(_ broker: LogBroker, topic: String, partition: Int) async throws -> (served: [StoredEvent], damaged: [Range<Offset>]) {
    var served: [StoredEvent] = []
    var damaged: [Range<Offset>] = []
    var next = Offset(0)
    while true {
        do {
            let stored = try await broker.read(topic: topic, partition: Partition(partition), from: next, limit: 500)
            guard let last = stored.last else { break }
            served += stored
            next = last.offset.next
        } catch let error as StorageError {
            guard let range = error.damagedOffsets, range.upperBound > next else { throw error }
            damaged.append(range)
            next = range.upperBound
        }
    }
    return (served, damaged)
}
