import Herald

/// The answer to a publish: one receipt per event, in the order sent.
struct PublishResponse: Encodable, Sendable {
    /// Where one event is stored.
    struct Receipt: Encodable, Sendable {
        /// The event's id.
        var id: String
        /// The partition it is in.
        var partition: Int
        /// Its offset in the partition.
        var offset: Int64
        /// Whether an earlier copy (same `source` and `id`) was stored, and this one was not.
        var duplicate: Bool
    }

    /// The receipts.
    var receipts: [Receipt]

    init(events: [Event], receipts: [PublishReceipt]) {
        self.receipts = zip(events, receipts).map { event, receipt in
            Receipt(id: event.id, partition: receipt.partition.index, offset: receipt.offset.value, duplicate: receipt.isDuplicate)
        }
    }
}
