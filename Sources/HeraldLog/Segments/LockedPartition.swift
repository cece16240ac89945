import NIOConcurrencyHelpers

/// A ``PartitionStore`` behind a lock, shared by the partition's writer and its readers.
///
/// `@unchecked Sendable` is safe because every access to `store` goes through `withLock`; the only work done
/// outside the lock is the writer's file write and sync of an already prepared append, which touch the file
/// handle (safe from any thread) and bytes no one else holds.
final class LockedPartition: @unchecked Sendable {
    private let lock = NIOLock()
    private let store: PartitionStore

    init(_ store: PartitionStore) {
        self.store = store
    }

    /// Runs `body` with exclusive access to the store.
    func withLock<T>(_ body: (PartitionStore) throws(StorageError) -> T) throws(StorageError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(store)
    }

    /// Runs `body`, which cannot fail, with exclusive access to the store.
    func withLock<T>(_ body: (PartitionStore) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(store)
    }
}
