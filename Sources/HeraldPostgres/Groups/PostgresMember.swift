import Herald

/// One subscriber of a group in this process: its id (`deliveries.member` holds `<instance>/<id>`), its
/// prefetch bound and the signal it waits on.
struct PostgresMember: Sendable {
    let id: UInt64
    let topic: String
    let group: String
    let prefetch: Int
    let signal: AsyncSignal
    /// The name its deliveries carry in `deliveries.member`.
    let name: String
}
