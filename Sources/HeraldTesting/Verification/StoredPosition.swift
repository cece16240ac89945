import Herald

/// `topic/partition@offset`: where an event is stored, as reports, effects and fault sites name it.
func storedPosition(topic: String, partition: Partition, offset: Offset) -> String {
    "\(topic)/\(partition.index)@\(offset.value)"
}
