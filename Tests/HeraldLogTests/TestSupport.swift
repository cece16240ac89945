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

/// Every event `broker` serves of `topic`'s `partition`, read around damaged ranges; the ranges whose reads
/// failed (each named by the error); and the error of a read that failed without naming a range, where
/// reading stopped.
func readAround(_ broker: LogBroker, topic: String, partition: Int) async throws -> (served: [StoredEvent], damaged: [Range<Offset>], failure: StorageError?) {
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
            guard let range = error.damagedOffsets, range.upperBound > next else { return (served, damaged, error) }
            damaged.append(range)
            next = range.upperBound
        }
    }
    return (served, damaged, nil)
}

/// The entries of a journal file that its generation (its name) wrote, up to the first that is not whole or
/// not of that generation: what recovery reads of it. Past the last, a recycled file holds what it held
/// before.
func journalEntries(ofFile path: String) throws -> [(position: Int, length: Int, partition: Int)] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let generation = UInt64(((path as NSString).lastPathComponent as NSString).deletingPathExtension) ?? 0
    func integer(_ at: Int, _ size: Int) -> UInt64 {
        data[at..<at + size].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
    var found: [(position: Int, length: Int, partition: Int)] = []
    var position = 0
    // Prefix (length, crc) 8, then version 1, generation 8, partition 4, topic length 2.
    while position + 23 <= data.count {
        let length = Int(integer(position, 4))
        guard length > 0, position + 8 + length <= data.count, data[position + 8] == 1, integer(position + 9, 8) == generation else { break }
        found.append((position, length, Int(integer(position + 17, 4))))
        position += 8 + length
    }
    return found
}
