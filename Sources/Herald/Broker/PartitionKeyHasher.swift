/// Maps a partition key to a partition with a hash that is the same in every process and on every
/// machine (64-bit FNV-1a), so that every backend and every producer agrees on where a key lives.
public enum PartitionKeyHasher {
    /// The partition of `key` among `partitionCount` partitions.
    public static func partition(forKey key: String, partitionCount: Int) -> Partition {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return Partition(Int(fnv1a(key) % UInt64(partitionCount)))
    }

    /// The 64-bit FNV-1a hash of the key's UTF-8 bytes.
    public static func fnv1a(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
