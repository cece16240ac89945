import Herald

/// What retention decided: the offset each partition starts at from now on. The events below go, and so
/// do the segments wholly below.
struct RetentionPlan: Equatable, Sendable {
    /// The new start offset, by partition index, of each partition that moves.
    var starts: [Int: Offset] = [:]

    /// Whether nothing moves.
    var isEmpty: Bool { starts.isEmpty }
}
