import Herald

/// Delivery tokens as HTTP consumers hold them: `v1.<partition>.<offset>.<epoch>.<id>`, decimal.
extension DeliveryToken {
    /// The token as text.
    var wireValue: String {
        "v1.\(partition.index).\(offset.value).\(epoch).\(rawValue)"
    }

    /// The token `text` names, or `nil` when it is not one.
    init?(wireValue text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard text.utf8.count <= 100, parts.count == 5, parts[0] == "v1",
            let partition = Int(parts[1]), partition >= 0,
            let offset = Int64(parts[2]), offset >= 0,
            let epoch = UInt64(parts[3]),
            let raw = UInt64(parts[4])
        else { return nil }
        self.init(rawValue: raw, partition: Partition(partition), offset: Offset(offset), epoch: epoch)
    }
}
