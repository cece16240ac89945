/// Which dead letters of a group a triage request means: some positions, one category, or all of them;
/// open ones only (redriven, edited and archived ones are not selected again).
public enum TriageSelection: Sendable, Hashable, CustomStringConvertible {
    /// These positions.
    case positions([DeadLetterPosition])
    /// Every open dead letter of the category with this id.
    case category(String)
    /// Every open dead letter.
    case all

    public var description: String {
        switch self {
        case .positions(let positions):
            let shown = positions.prefix(10).map(\.description).joined(separator: ", ")
            return "positions \(shown)\(positions.count > 10 ? " and \(positions.count - 10) more" : "")"
        case .category(let id): return "category \(id)"
        case .all: return "all"
        }
    }
}
