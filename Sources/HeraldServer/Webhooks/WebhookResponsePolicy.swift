import Foundation
import Herald

/// What a webhook's answer means for the delivery: acknowledged, delivered again later, or dead-lettered
/// now. A pure function of the status and headers, as Event Grid decides it: 2xx acknowledges; 400, 413,
/// 415 and 422 say the event itself is wrong, so it goes to the dead letters with the status recorded; 408,
/// 429 and every other status, a timeout or a failed connection are delivered again after the backoff, or
/// after `Retry-After` when the endpoint sends one (capped at one hour).
public enum WebhookOutcome: Sendable, Hashable {
    /// The endpoint took the event.
    case acknowledged
    /// Deliver again: after `after` when the endpoint said so, else after the retry policy's backoff.
    case retry(after: Duration?, failure: DeliveryFailure)
    /// The event will never be taken: to the dead letters now.
    case deadLetter(DeliveryFailure)

    /// The statuses that mean the event will never be taken.
    public static let permanentStatuses: Set<Int> = [400, 413, 415, 422]
    /// The longest `Retry-After` honoured.
    public static let maximumRetryAfter = Duration.seconds(3_600)

    /// The outcome of an answer with `status` and `retryAfter` (the header's value, if any), at `now`.
    public static func classify(status: Int, retryAfter: String?, now: Date = Date()) -> WebhookOutcome {
        if (200..<300).contains(status) { return .acknowledged }
        let failure = DeliveryFailure(errorType: "WebhookHTTPStatus", message: "the endpoint answered \(status)")
        if permanentStatuses.contains(status) { return .deadLetter(failure) }
        return .retry(after: retryAfter.flatMap { parseRetryAfter($0, now: now) }, failure: failure)
    }

    /// `Retry-After` as a delay: delta-seconds, or an HTTP date (RFC 9110); `nil` when it is neither.
    public static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return min(.seconds(seconds), maximumRetryAfter) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let seconds = max(0, date.timeIntervalSince(now))
        return min(.milliseconds(Int64(seconds * 1_000)), maximumRetryAfter)
    }
}
