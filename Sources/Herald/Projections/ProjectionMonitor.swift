import Synchronization

/// The projections a process runs, for whoever reports on them: the server's admin API
/// (`GET /projections`) and dashboards. Register each projection's status source once; a source that
/// fails is reported by name with its error instead of hiding the others.
public final class ProjectionMonitor: Sendable {
    /// A projection's status, or why it could not be read.
    public struct Report: Sendable {
        /// The projection's name.
        public var name: String
        /// Its status, when it could be read.
        public var status: ProjectionStatus?
        /// Why it could not, otherwise.
        public var error: String?
    }

    // Mutex: projections register from their tasks while reports are read from request handlers.
    private let sources = Mutex<[String: @Sendable () async throws -> ProjectionStatus]>([:])

    /// No projections.
    public init() {}

    /// Reports projection `name` with `status`; registering a name again replaces its source.
    public func watch(_ name: String, status: @escaping @Sendable () async throws -> ProjectionStatus) {
        sources.withLock { $0[name] = status }
    }

    /// Stops reporting projection `name`.
    public func forget(_ name: String) {
        sources.withLock { _ = $0.removeValue(forKey: name) }
    }

    /// Every registered projection's report, sorted by name.
    public func reports() async -> [Report] {
        let current = sources.withLock { $0 }.sorted { $0.key < $1.key }
        var reports: [Report] = []
        for (name, source) in current {
            do {
                reports.append(Report(name: name, status: try await source(), error: nil))
            } catch {
                reports.append(Report(name: name, status: nil, error: "\(error)"))
            }
        }
        return reports
    }
}
