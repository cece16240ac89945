/// Where one webhook stands, as `GET /webhooks` shows it.
public struct WebhookStatus: Sendable, Hashable, Encodable {
    /// The webhook's name.
    public var name: String
    /// Its topic.
    public var topic: String
    /// Its consumer group.
    public var group: String
    /// Its endpoint.
    public var url: String
    /// `validating`, `active` or `refused`.
    public var state: String
    /// Why the endpoint refused, while it does.
    public var refusal: String?
    /// The endpoint's limit of requests per minute, if it set one.
    public var allowedRatePerMinute: Int?
    /// Events the endpoint took.
    public var delivered: Int
    /// Deliveries that failed and will be tried again.
    public var retried: Int
    /// Events sent to the group's dead letters.
    public var deadLettered: Int
    /// The last failure, if any.
    public var lastFailure: String?
}

/// The webhooks' statuses, shared by their dispatchers and the admin API.
actor WebhookStatusBoard {
    private var statuses: [String: WebhookStatus] = [:]

    func register(_ configuration: WebhookConfiguration) {
        statuses[configuration.name] = WebhookStatus(
            name: configuration.name, topic: configuration.topic, group: configuration.group, url: configuration.url, state: "validating",
            refusal: nil, allowedRatePerMinute: nil, delivered: 0, retried: 0, deadLettered: 0, lastFailure: nil)
    }

    func update(_ name: String, _ change: (inout WebhookStatus) -> Void) {
        guard var status = statuses[name] else { return }
        change(&status)
        statuses[name] = status
    }

    /// Every webhook's status, by name.
    func all() -> [WebhookStatus] {
        statuses.values.sorted { $0.name < $1.name }
    }
}
