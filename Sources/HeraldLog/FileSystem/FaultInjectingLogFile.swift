import NIOCore

/// A file opened through a ``FaultInjectingFileSystem``: writes and syncs consult its faults and
/// counters; everything else passes through.
struct FaultInjectingLogFile: LogFile {
    let base: any LogFile
    let faults: FaultInjectingFileSystem

    var path: String { base.path }

    func size() throws(StorageError) -> Int64 {
        try base.size()
    }

    func write(_ bytes: ByteBuffer, at offset: Int64) throws(StorageError) {
        let (allowed, fault) = faults.admitWrite(bytes.readableBytes)
        if allowed > 0 {
            var stored = bytes
            stored.moveWriterIndex(to: bytes.readerIndex + allowed)
            try base.write(stored, at: offset)
            faults.recordWritten(allowed)
        }
        if let fault { throw fault.error("write", path: path) }
    }

    func read(count: Int, at offset: Int64) throws(StorageError) -> ByteBuffer {
        try base.read(count: count, at: offset)
    }

    func sync() throws(StorageError) {
        if let fault = faults.admitSync() { throw fault.error("sync", path: path) }
        let truncations = faults.truncationCount(of: path)
        let size = try base.size()
        try base.sync()
        if !faults.recordSynced(path, size: size, truncations: truncations) { throw FaultInjectingFileSystem.Fault.io.error("sync", path: path) }
    }

    func truncate(to size: Int64) throws(StorageError) {
        try faults.admitTruncate(path, to: size)
        try base.truncate(to: size)
    }

    func close() throws(StorageError) {
        try base.close()
    }
}
