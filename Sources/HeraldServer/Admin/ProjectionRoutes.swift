import Herald
import Hummingbird

/// `GET /projections`: each projection the process reports (``ProjectionMonitor``) with its position, the
/// store's head and how far behind it is. Needs the `admin` permission.
struct ProjectionRoutes: Sendable {
    let monitor: ProjectionMonitor
    let authorizer: Authorizer

    /// One projection as the API shows it.
    struct Document: Encodable {
        var name: String
        var position: UInt64?
        var headPosition: UInt64?
        var positionsBehind: UInt64?
        var lastAppliedRecordedAt: String?
        var observedAt: String?
        var error: String?

        init(_ report: ProjectionMonitor.Report) {
            name = report.name
            position = report.status?.position
            headPosition = report.status?.headPosition
            positionsBehind = report.status?.positionsBehind
            lastAppliedRecordedAt = report.status?.lastAppliedRecordedAt.map(RFC3339.format)
            observedAt = report.status.map { RFC3339.format($0.observedAt) }
            error = report.error
        }
    }

    func register(on router: Router<some RequestContext>) {
        router.get("projections") { request, _ in
            _ = try authorizer.authorize(request.headers, .read, topic: nil)
            return try JSONResponse.make(["projections": await monitor.reports().map(Document.init)])
        }
    }
}
