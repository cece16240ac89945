import HeraldLog
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct StorageErrorTests {
    @Test func classifiesSystemErrors() {
        let full = StorageError.system("pwrite", path: "/data/0.log", errno: ENOSPC)
        #expect(full.isNoSpace && full.isRetryable)
        let missing = StorageError.system("open", path: "/data/0.log", errno: ENOENT)
        #expect(missing.isNotFound && !missing.isRetryable)
        let broken = StorageError.system("fdatasync", path: "/data/0.log", errno: EIO)
        #expect(broken.isIO && !broken.isRetryable)
        let busy = StorageError.system("open", path: "/data/0.log", errno: EAGAIN)
        #expect(busy.isIO && busy.isRetryable)
    }

    @Test func messagesNameThePathTheCallAndTheCause() {
        let error = StorageError.io("fdatasync", path: "/data/0.log", errno: EIO)
        #expect(error.message.contains("/data/0.log"))
        #expect(error.message.contains("fdatasync"))
        #expect(error.message.contains("errno \(EIO)"))
        #expect(error.operation == "fdatasync")
        #expect(error.errno == EIO)
        #expect(error.description.hasPrefix("StorageError: "))
    }

    @Test func corruptionNamesThePosition() {
        let error = StorageError.corruption(path: "/data/0.log", position: 4096, reason: "checksum mismatch")
        #expect(error.isCorruption && !error.isRetryable)
        #expect(error.position == 4096)
        #expect(error.message.contains("byte 4096"))
        #expect(error.message.contains("checksum mismatch"))
    }

    @Test func closedIsNotRetryable() {
        let error = StorageError.closed(path: "/data/0.log")
        #expect(error.isClosed && !error.isRetryable)
        #expect(error.message.contains("/data/0.log"))
    }
}
