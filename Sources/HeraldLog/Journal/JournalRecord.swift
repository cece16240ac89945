import Herald
import NIOCore

/// One entry of the commit journal: record batches a partition's writer appended, and the partition they
/// belong to. The layout is in `Docs/storage-format.md` ("Commit journal").
///
/// Every entry carries the generation of the file it was written to: journal files are recycled, so past
/// the newest entry a file may hold entries of an earlier generation, which end the file.
struct JournalRecord {
    /// Bytes before the checksummed part: the length and the checksum.
    static let prefixSize = 8
    /// Version, generation, partition and topic length.
    static let fixedSize = 15
    static let formatVersion: UInt8 = 1

    /// The topic's name.
    var topic: String
    /// The partition's index.
    var partition: Int
    /// Where the batches start in the journal file, and how many bytes they take.
    var batchesPosition: Int64
    var batchesLength: Int

    /// The bytes an entry of `batches` for `topic` takes.
    static func size(topic: String, batches: Int) -> Int {
        prefixSize + fixedSize + topic.utf8.count + batches
    }

    /// Appends an entry for `batches` of `topic`'s `partition`, in a file of `generation`, to `buffer`.
    static func encode(generation: UInt64, topic: String, partition: Int, batches: ByteBuffer, into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        let length = fixedSize + topic.utf8.count + batches.readableBytes
        buffer.writeInteger(UInt32(length), endianness: .little)
        buffer.writeInteger(UInt32(0), endianness: .little)  // the checksum, set below
        buffer.writeInteger(formatVersion)
        buffer.writeInteger(generation, endianness: .little)
        buffer.writeInteger(UInt32(partition), endianness: .little)
        buffer.writeInteger(UInt16(topic.utf8.count), endianness: .little)
        buffer.writeString(topic)
        buffer.writeImmutableBuffer(batches)
        let crc = buffer.withUnsafeReadableBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(start + prefixSize - buffer.readerIndex)...]))
        }
        buffer.setInteger(crc, at: start + 4, endianness: .little)
    }

    /// What an entry's prefix says: the bytes after it and their checksum; `nil` when there is no entry
    /// (zero length: the end of what was written).
    static func peekPrefix(_ buffer: ByteBuffer) -> (length: Int, crc: UInt32)? {
        guard let length: UInt32 = buffer.getInteger(at: buffer.readerIndex, endianness: .little),
            let crc: UInt32 = buffer.getInteger(at: buffer.readerIndex + 4, endianness: .little),
            length > 0
        else { return nil }
        return (Int(length), crc)
    }

    /// Decodes the checksummed part of an entry (`body`, read from `position + prefixSize` of a file of
    /// `generation`), checking it against `crc`; `nil` if it is damaged, of an unknown version, or left from
    /// an earlier generation of a recycled file.
    static func decode(body: ByteBuffer, crc: UInt32, position: Int64, generation: UInt64) -> JournalRecord? {
        guard CRC32C.checksum(body) == crc else { return nil }
        var body = body
        guard body.readInteger(as: UInt8.self) == formatVersion,
            body.readInteger(endianness: .little, as: UInt64.self) == generation,
            let partition = body.readInteger(endianness: .little, as: UInt32.self),
            let topicLength = body.readInteger(endianness: .little, as: UInt16.self),
            let topic = body.readString(length: Int(topicLength))
        else { return nil }
        let batchesStart = position + Int64(prefixSize + fixedSize) + Int64(topicLength)
        return JournalRecord(topic: topic, partition: Int(partition), batchesPosition: batchesStart, batchesLength: body.readableBytes)
    }

    /// The most bytes of a damaged entry read to tell what it claims: a round's worth and a header.
    static let maximumClaimBytes = CommitJournal.maximumRoundBytes + prefixSize + fixedSize + Int(UInt16.max)

    /// What a damaged entry (`bytes`, from its prefix on) says it held, without trusting its checksum: the
    /// topic and partition its header names (`nil` when they do not read), the offsets from its first batch
    /// to the last one whose header is plausible and follows on (up to `Int64.max` — from there on, how many
    /// not known — when a later header is damaged; `nil` when nothing reads), and whether every one
    /// of those batches is whole and passes its own checksum — then the damage is in the entry's header, and
    /// the topic and partition it names are not to be believed.
    static func claim(in bytes: ByteBuffer) -> (topic: String, partition: Int, offsets: Range<Offset>?, batchesIntact: Bool)? {
        guard let (length, _) = peekPrefix(bytes), length >= fixedSize else { return nil }
        var body = bytes.getSlice(at: bytes.readerIndex, length: min(bytes.readableBytes, prefixSize + length)) ?? bytes
        guard body.readSlice(length: prefixSize + 9) != nil,
            let partition = body.readInteger(endianness: .little, as: UInt32.self),
            let topicLength = body.readInteger(endianness: .little, as: UInt16.self),
            topicLength > 0,
            let topicBytes = body.readSlice(length: Int(topicLength)),
            let topic = String(validating: topicBytes.readableBytesView, as: UTF8.self)
        else { return nil }
        var offsets: Range<Offset>?
        var intact = true
        while let header = RecordBatch.peekHeader(body) {
            let follows = offsets.map { $0.upperBound == header.baseOffset } ?? true
            guard RecordBatch.implausibility(of: header) == nil, follows else {
                // A batch header is damaged: the offsets from there on are not known. Claim from the first
                // offset known (this batch's, if it is the first and its base offset reads) on.
                intact = false
                if let lower = offsets?.lowerBound ?? (header.baseOffset.value >= 0 ? header.baseOffset : nil) {
                    offsets = lower..<Offset(Int64.max)
                }
                break
            }
            offsets = (offsets?.lowerBound ?? header.baseOffset)..<header.nextOffset
            guard case .batch = RecordBatch.parse(body, decodeRecords: false) else {
                intact = false
                break
            }
            body.moveReaderIndex(forwardBy: header.size)
        }
        return (topic, Int(partition), offsets, intact && offsets != nil && body.readableBytes == 0)
    }
}
