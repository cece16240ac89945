/// How a consumer settles a delivery.
public enum Settlement: Sendable, Hashable {
    /// Handled: the broker will not deliver the event to this group again.
    case ack
    /// Not handled: deliver it again after `retryAfter`, unless that would exceed the group's maximum
    /// deliveries, in which case it goes to the dead-letter topic with `failure` recorded.
    case nack(retryAfter: Duration, failure: DeliveryFailure?)
    /// Will never be handled: move it to the dead-letter topic now, with `failure` recorded.
    case reject(failure: DeliveryFailure)
}
