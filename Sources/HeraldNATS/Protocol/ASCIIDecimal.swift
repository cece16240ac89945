/// Unsigned decimal numbers in protocol bytes (ack subjects, reply subjects), read without making a
/// string first.
enum ASCIIDecimal {
    /// The number `bytes` spell: 1 to 20 ASCII digits whose value fits in `UInt64`; `nil` otherwise.
    static func parse(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(digit))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }
}
