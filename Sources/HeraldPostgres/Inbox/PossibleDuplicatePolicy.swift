/// What a ``PostgresInbox`` does with an event older than what it remembers: one stored before the inbox
/// purged its records of that time, which may therefore have been handled once already. Either way it is
/// logged at `warning` and counted in `herald_inbox_possible_duplicates_total`.
public enum PossibleDuplicatePolicy: Sendable, Hashable {
    /// Run the handler (the event is more likely new than not: a replay, a late redelivery).
    case handle
    /// Do not run the handler; record the key so that later copies are plain duplicates.
    case skip
}
