import HTTPTypes
import Hummingbird
import Synchronization

/// Answers a request over its token's limits with 429, a problem naming the limit, and `Retry-After`;
/// counts the others in progress until their answer is written (a stream's until it ends). Probes are not
/// counted; a request without a valid token passes on, to be answered 401 by its route.
struct RequestLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RequestLimiter
    let authorizer: Authorizer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.unlimitedPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let principal = try? authorizer.authenticate(request.headers) else { return try await next(request, context) }
        if let refusal = limiter.admit(principal) {
            throw Self.problem(refusal, principal: principal)
        }
        let slot = RequestSlot(limiter: limiter, principal: principal)
        do {
            var response = try await next(request, context)
            let body = response.body
            // The slot ends once the body is written, or when the body is dropped unwritten (deinit).
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                defer { slot.end() }
                try await body.write(writer)
            }
            return response
        } catch {
            slot.end()
            throw error
        }
    }

    /// The probes: a load balancer's checks must not be refused for a busy token.
    static var unlimitedPaths: Set<String> { ["/healthz", "/readyz"] }

    static func problem(_ refusal: RequestLimiter.Refusal, principal: Principal) -> Problem {
        switch refusal {
        case .rate(let wait, let limits):
            let seconds = max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            let rate = limits.requestsPerSecond.map { "\($0)" } ?? "?"
            return Problem(
                status: .tooManyRequests, code: "rateLimited", title: "Too many requests",
                detail:
                    "the token '\(principal.name)' is over its rate of \(rate) requests per second (burst \(Int(limits.bucketSize))); "
                    + "retry after \(seconds) s, or raise limits.perToken or the token's limits in the server's configuration",
                attribute: "requestsPerSecond", retryAfterSeconds: seconds
            )
        case .concurrency(let limit):
            return Problem(
                status: .tooManyRequests, code: "tooManyConcurrentRequests", title: "Too many requests at once",
                detail:
                    "the token '\(principal.name)' has \(limit) requests in progress, as many as it may (open streams count); "
                    + "wait for one to end, or raise concurrentRequests in the server's configuration",
                attribute: "concurrentRequests", retryAfterSeconds: 1
            )
        }
    }
}

/// One admitted request's place in its token's count, given back exactly once: by ``end()`` or, if the
/// answer is dropped unwritten, when the last reference goes.
final class RequestSlot: Sendable {
    private let limiter: RequestLimiter
    private let principal: Principal
    private let ended = Atomic<Bool>(false)

    init(limiter: RequestLimiter, principal: Principal) {
        self.limiter = limiter
        self.principal = principal
    }

    func end() {
        if !ended.exchange(true, ordering: .acquiringAndReleasing) { limiter.end(principal) }
    }

    deinit { end() }
}
