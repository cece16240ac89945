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

    /// Damaged entries that whole entries of the same generation follow (so not an interrupted write), and
    /// each file's last entry when it is of the file's generation but not whole or damaged: each with its
    /// file, byte range and what it claims. Their batches are lost unless the segments hold them; replay
    /// reports the gap they leave.
    private(set) var problems: [JournalProblem] = []

    /// The first damaged bytes that held entries whose partition cannot be read or believed (a header that
    /// does not read or is where the damage is, or more bytes damaged than the one entry whose header reads):
    /// any partition that journals may have lost events.
    private(set) var unattributedDamage: JournalProblem?

    /// The spare file, if there is one: the generation it last held.
    private(set) var spare: UInt64?

    /// The generation the next journal file takes: above every generation a file here has held, so that
    /// an entry left in a recycled file can never pass for a new one.
    var nextGeneration: UInt64 { max(files.last?.generation ?? 0, spare ?? 0) + 1 }

    /// The path of the journal file of `generation`: the generation in 20 digits, so names sort in order.
    static func path(_ directory: String, generation: UInt64) -> String {
        "\(directory)/\(stem(generation)).journal"
    }

    /// The path of the spare file: a retired file kept to be reused as the next one (so that writing the
    /// journal overwrites allocated blocks instead of growing a file), named by the generation it last held.
    static func sparePath(_ directory: String, generation: UInt64) -> String {
        "\(directory)/\(stem(generation)).spare"
    }

    private static func stem(_ generation: UInt64) -> String {
        SegmentName.twentyDigits(generation)
    }

    /// The generation a file's name gives if it ends in `suffix`, else `nil`.
    static func generation(ofFile name: String, suffix: String = ".journal") -> UInt64? {
        SegmentName.number(inName: name, suffix: suffix)
    }

    /// Reads every journal file in `directory` (creating the directory if missing). A file ends at its
    /// first entry that is not whole, fails its checksum or belongs to an earlier generation: a write the
    /// stop interrupted (never acknowledged), or what a recycled file held before.
    ///
    /// - Throws: ``StorageError`` when a file cannot be read.
    static func scan(_ directory: String, fileSystem: any LogFileSystem, logger: Logger) throws(StorageError) -> JournalScan {
        try fileSystem.createDirectory(directory)
        var scan = JournalScan()
        let names = try fileSystem.contentsOfDirectory(directory)
        scan.spare = names.compactMap { generation(ofFile: $0, suffix: ".spare") }.max()
        let generations = names.compactMap { generation(ofFile: $0) }.sorted()
        for generation in generations {
            let path = path(directory, generation: generation)
            scan.files.append((generation, path))
            try scan.read(path, generation: generation, fileSystem: fileSystem, logger: logger)
        }
        return scan
    }

    private mutating func read(_ path: String, generation: UInt64, fileSystem: any LogFileSystem, logger: Logger) throws(StorageError) {
        let file = try fileSystem.open(path, creating: false)
        defer { try? file.close() }
        let size = try file.size()
        var position: Int64 = 0
        while position + Int64(JournalRecord.prefixSize) <= size {
            guard let (record, end) = try Self.entry(in: file, at: position, size: size, generation: generation) else {
                // Not a whole entry of this generation. If one follows, this one was damaged after it was
                // written (an interrupted write is never followed by a whole entry of its generation).
                guard let next = try Self.nextEntry(in: file, after: position, size: size, generation: generation) else { break }
                let (problem, attributed) = try Self.problem(.damaged, in: file, path: path, from: position, to: next)
                logger.error("\(problem)")
                problems.append(problem)
                if !attributed { unattributedDamage = unattributedDamage ?? problem }
                position = next
                continue
            }
            entries[Location(topic: record.topic, partition: record.partition), default: []].append(
                Batches(path: path, position: record.batchesPosition, length: record.batchesLength)
            )
            position = end
        }
        guard position < size else { return }
        if try Self.startsEntry(of: generation, in: file, at: position, size: size) {
            // What follows an entry cut short is not attributed: a torn round leaves the same.
            let (problem, _) = try Self.problem(.cutTail, in: file, path: path, from: position, to: size)
            logger.warning("\(problem)")
            problems.append(problem)
            if problem.topic == nil { unattributedDamage = unattributedDamage ?? problem }
        } else {
            logger.debug(
                "the commit journal file ends here: what follows is not a whole entry of this generation (a write the stop interrupted, never acknowledged, or what a recycled file held before)",
                metadata: ["herald.path": "\(path)", "herald.position": "\(position)", "herald.bytes": "\(size - position)"]
            )
        }
    }

    /// Whether the bytes at `position` start an entry of `generation`, whole or not, perhaps with one bit of
    /// its version or generation flipped: what an interrupted write or damage to the last entry leaves,
    /// unlike zeros (nothing written) or a whole entry of an earlier generation (what a recycled file held
    /// before: its checksum holds, generation included).
    private static func startsEntry(of generation: UInt64, in file: any LogFile, at position: Int64, size: Int64) throws(StorageError) -> Bool {
        let count = Int(min(Int64(JournalRecord.prefixSize + 9), size - position))
        let bytes = try file.read(count: count, at: position)
        guard let version: UInt8 = bytes.getInteger(at: bytes.readerIndex + JournalRecord.prefixSize) else {
            // Cut inside the prefix: a header of this generation cut short, if its length was set.
            return JournalRecord.peekPrefix(bytes) != nil
        }
        if let (length, crc) = JournalRecord.peekPrefix(bytes), length <= JournalRecord.maximumClaimBytes,
            position + Int64(JournalRecord.prefixSize + length) <= size,
            CRC32C.checksum(try file.read(count: length, at: position + Int64(JournalRecord.prefixSize))) == crc
        {
            return false
        }
        // A header cut short of its generation is taken as this generation's: nothing else is written last.
        let written: UInt64 = bytes.getInteger(at: bytes.readerIndex + JournalRecord.prefixSize + 1, endianness: .little) ?? generation
        return (version ^ JournalRecord.formatVersion).nonzeroBitCount + (written ^ generation).nonzeroBitCount <= 1
    }

    /// The problem of `kind` for the bytes `position..<end` of `file`, with what the entry there claims, and
    /// whether the claim accounts for all the damaged bytes: the header reads, is not where the damage is
    /// (some batch fails its own checksum, or is cut), and the entry it describes ends at `end`.
    private static func problem(
        _ kind: JournalProblem.Kind, in file: any LogFile, path: String, from position: Int64, to end: Int64
    ) throws(StorageError) -> (JournalProblem, attributed: Bool) {
        let bytes = try file.read(count: Int(min(end - position, Int64(JournalRecord.maximumClaimBytes))), at: position)
        let claim = JournalRecord.claim(in: bytes)
        let entryEnd = JournalRecord.peekPrefix(bytes).map { position + Int64(JournalRecord.prefixSize + $0.length) } ?? position
        let problem = JournalProblem(
            kind: kind, path: path, position: position, endPosition: end, topic: claim?.topic, partition: claim?.partition, offsets: claim?.offsets)
        return (problem, claim.map { !$0.batchesIntact } == true && entryEnd >= end)
    }

    /// The whole, valid entry of `generation` at `position`, and where it ends, or `nil`.
    private static func entry(in file: any LogFile, at position: Int64, size: Int64, generation: UInt64) throws(StorageError) -> (JournalRecord, Int64)? {
        let prefix = try file.read(count: JournalRecord.prefixSize, at: position)
        guard let (length, crc) = JournalRecord.peekPrefix(prefix) else { return nil }
        let end = position + Int64(JournalRecord.prefixSize + length)
        guard end <= size else { return nil }
        let body = try file.read(count: length, at: position + Int64(JournalRecord.prefixSize))
        guard let record = JournalRecord.decode(body: body, crc: crc, position: position, generation: generation) else { return nil }
        return (record, end)
    }

    /// The position of the first whole, valid entry of `generation` after `damage`, or `nil`. Linear in the
    /// bytes searched: a checksum is computed only where the version byte and the generation match.
    private static func nextEntry(in file: any LogFile, after damage: Int64, size: Int64, generation: UInt64) throws(StorageError) -> Int64? {
        let chunk = 1 << 20
        let header = JournalRecord.prefixSize + 9
        var chunkStart = damage + 1
        while chunkStart + Int64(header) <= size {
            let bytes = try file.read(count: Int(min(Int64(chunk + header), size - chunkStart)), at: chunkStart)
            let candidates = bytes.withUnsafeReadableBytes { raw -> [Int] in
                var found: [Int] = []
                var index = 0
                while index < min(chunk, raw.count - header + 1) {
                    if raw[index + JournalRecord.prefixSize] == JournalRecord.formatVersion,
                        raw.loadUnaligned(fromByteOffset: index + JournalRecord.prefixSize + 1, as: UInt64.self) == generation.littleEndian
                    {
                        found.append(index)
                    }
                    index += 1
                }
                return found
            }
            for candidate in candidates {
                let position = chunkStart + Int64(candidate)
                if try entry(in: file, at: position, size: size, generation: generation) != nil { return position }
            }
            chunkStart += Int64(chunk)
        }
        return nil
    }
}
