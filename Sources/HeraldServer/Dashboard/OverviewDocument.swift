import Foundation

/// What the dashboard's overview shows, as `GET /dashboard/overview` answers it and its stream sends
/// it: per topic and group, the counts, lag, rates, the last hour per minute, critical time and dead
/// letters.
struct OverviewDocument: Sendable, Codable, Equatable {
    /// One topic.
    struct Topic: Sendable, Codable, Equatable {
        /// Its name.
        var name: String
        /// How many partitions it has.
        var partitions: Int
        /// Events stored (what retention kept).
        var events: Int64
        /// Bytes stored, where the backend knows.
        var bytes: Int64?
        /// Events it ever received (the sum of its partitions' end offsets).
        var published: Int64
        /// Whether it is a group's dead-letter topic.
        var isDeadLetterTopic: Bool
        /// Events published per second, over the last sampling interval.
        var publishedPerSecond: Double
        /// Events published in each of the last 60 minutes, oldest first.
        var publishedPerMinute: [Int64]
        /// Its consumer groups.
        var groups: [Group]
    }

    /// One consumer group of a topic.
    struct Group: Sendable, Codable, Equatable {
        /// Its name.
        var name: String
        /// Its members now.
        var members: Int
        /// Whether it is paused.
        var paused: Bool
        /// Events not yet acknowledged.
        var pending: Int64
        /// Of those, delivered and not settled.
        var inFlight: Int
        /// Of those, waiting to be delivered again.
        var awaitingRedelivery: Int
        /// Events it acknowledged in all (the sum of its committed offsets).
        var handled: Int64
        /// Events handled per second, over the last sampling interval.
        var handledPerSecond: Double
        /// Events handled in each of the last 60 minutes, oldest first.
        var handledPerMinute: [Int64]
        /// Seconds from the last handled event's time to when the server saw it handled (the critical
        /// time, to the sampling interval); `nil` before anything was seen handled.
        var criticalTimeSeconds: Double?
        /// The median seconds from hand-out to settlement of its last deliveries consumed over this
        /// server's HTTP API; `nil` for consumers that settle with the broker directly (in-process).
        var processingTimeSeconds: Double?
        /// Its dead-letter topic.
        var deadLetterTopic: String
        /// Events it dead-lettered in all.
        var deadLetters: Int64
    }

    /// When the figures were taken (RFC 3339).
    var at: String
    /// Seconds between samples.
    var intervalSeconds: Double
    /// The topics, by name.
    var topics: [Topic]
    /// Events the server has read to learn the flow since it started.
    var observedEvents: Int64
}
