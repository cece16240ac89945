extension String {
    /// Whether a UTF-8 byte of the string matches, scanning its contiguous storage when it has one (native
    /// strings do): much faster than iterating the UTF-8 view on hot paths. Inlinable, so that the check
    /// is specialized into its callers instead of called per byte.
    @inlinable
    package func utf8Contains(where matches: (UInt8) -> Bool) -> Bool {
        utf8.withContiguousStorageIfAvailable { $0.contains(where: matches) } ?? utf8.contains(where: matches)
    }
}
