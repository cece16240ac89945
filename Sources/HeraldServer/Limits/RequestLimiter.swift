import Herald
import Synchronization

/// Keeps each token's request rate and requests in progress within its ``TokenLimits``. Shared by every
/// request of the server, so its state is behind a mutex, held only to count.
final class RequestLimiter: Sendable {
    /// Why a request was refused.
    enum Refusal: Equatable, Sendable {
        /// Over the rate: a token is there again after this long.
        case rate(retryAfter: Duration, limits: TokenLimits)
        /// As many requests in progress as allowed.
        case concurrency(limit: Int)
    }

    private struct Account {
        var bucket: TokenBucket?
        var inProgress = 0
    }

    private let defaults: TokenLimits
    private let time: TimeSource
    // Mutex: every request of every connection counts in it; held for a dictionary update, never across await.
    private let accounts = Mutex<[String: Account]>([:])

    /// A limiter whose `defaults` apply to tokens that set no limits of their own, on `time`.
    init(defaults: TokenLimits, time: TimeSource) {
        self.defaults = defaults
        self.time = time
    }

    /// Admits a request of `principal`, or says why not; an admitted request must be ended with
    /// ``end(_:)``.
    func admit(_ principal: Principal) -> Refusal? {
        let limits = defaults.overridden(by: principal.token?.limits)
        let now = time.now.sinceOrigin
        return accounts.withLock { accounts -> Refusal? in
            var account = accounts[principal.name] ?? Account()
            if let limit = limits.concurrentRequests, account.inProgress >= limit {
                return .concurrency(limit: limit)
            }
            if let rate = limits.requestsPerSecond, rate > 0 {
                var bucket = account.bucket ?? TokenBucket(rate: rate, size: limits.bucketSize, now: now)
                let wait = bucket.take(now: now)
                account.bucket = bucket
                if let wait {
                    accounts[principal.name] = account
                    return .rate(retryAfter: wait, limits: limits)
                }
            }
            account.inProgress += 1
            accounts[principal.name] = account
            return nil
        }
    }

    /// Ends an admitted request of `principal`.
    func end(_ principal: Principal) {
        accounts.withLock { accounts in
            guard var account = accounts[principal.name] else { return }
            account.inProgress = max(0, account.inProgress - 1)
            accounts[principal.name] = account
        }
    }

    /// Requests of `principal` in progress now.
    func inProgress(_ principal: Principal) -> Int {
        accounts.withLock { $0[principal.name]?.inProgress ?? 0 }
    }
}
