import Logging
import NIOCore

/// The commit journal's files as recovery finds them at open: every whole entry, grouped by partition.
struct JournalScan: Sendable {
    /// A partition, named as the journal names it.
    struct Location: Hashable, Sendable {
        var topic: String
        var partition: Int
    }

    /// One entry's batches: in which file, where.
    struct Batches: Sendable {
        var path: String
        var position: Int64
        var length: Int
    }

    /// The journal files found, oldest first.
    private(set) var files: [(generation: UInt64, path: String)] = []
    /// Each partition's entries, in the order they were written.
    private(set) var entries: [Location: [Batches]] = [:]

    /// The generation the next journal file takes.
    var nextGeneration: UInt64 { (files.last?.generation ?? 0) + 1 }

    /// The path of a journal file: its generation in 20 digits, so names sort in order.
    static func path(_ directory: String, generation: UInt64) -> String {
        let digits = String(generation)
        return "\(directory)/\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits).journal"
    }

    /// The generation a journal file's name gives, or `nil` for other files.
    static func generation(ofFile name: String) -> UInt64? {
        guard name.hasSuffix(".journal") else { return nil }
        let stem = name.dropLast(".journal".count)
        guard stem.count == 20 else { return nil }
        return UInt64(stem)
    }

    /// Reads every journal file in `directory` (creating the directory if missing). A file ends at its
    /// first entry that is not whole or whose checksum fails: a write the stop interrupted, never
    /// acknowledged, which is logged and ignored.
    ///
    /// - Throws: ``StorageError`` when a file cannot be read.
    static func scan(_ directory: String, fileSystem: any LogFileSystem, logger: Logger) throws(StorageError) -> JournalScan {
        try fileSystem.createDirectory(directory)
        var scan = JournalScan()
        let generations = try fileSystem.contentsOfDirectory(directory).compactMap(generation(ofFile:)).sorted()
        for generation in generations {
            let path = path(directory, generation: generation)
            scan.files.append((generation, path))
            try scan.read(path, fileSystem: fileSystem, logger: logger)
        }
        return scan
    }

    private mutating func read(_ path: String, fileSystem: any LogFileSystem, logger: Logger) throws(StorageError) {
        let file = try fileSystem.open(path, creating: false)
        defer { try? file.close() }
        let size = try file.size()
        var position: Int64 = 0
        while position + Int64(JournalRecord.prefixSize) <= size {
            let prefix = try file.read(count: JournalRecord.prefixSize, at: position)
            guard let (length, crc) = JournalRecord.peekPrefix(prefix) else { return }
            let end = position + Int64(JournalRecord.prefixSize + length)
            guard end <= size else { break }
            let body = try file.read(count: length, at: position + Int64(JournalRecord.prefixSize))
            guard let record = JournalRecord.decode(body: body, crc: crc, position: position) else { break }
            entries[Location(topic: record.topic, partition: record.partition), default: []].append(
                Batches(path: path, position: record.batchesPosition, length: record.batchesLength)
            )
            position = end
        }
        if position < size {
            logger.notice(
                "the commit journal ends with bytes that are not a whole entry: a write interrupted by the stop, never acknowledged",
                metadata: ["herald.path": "\(path)", "herald.position": "\(position)", "herald.bytes": "\(size - position)"]
            )
        }
    }
}
