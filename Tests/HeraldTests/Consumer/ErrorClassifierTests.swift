import Herald
import Testing

@Suite("Error classifier")
struct ErrorClassifierTests {
    private struct Declined: PermanentFailure {}
    private struct Flaky: Error {}

    @Test("a broker error is retried when it says it is retryable and dead-lettered when it is not")
    func brokerErrorsFollowIsRetryable() {
        let classifier = ErrorClassifier.standard
        #expect(classifier.classify(BrokerError.topicFull("payments", limit: "10 events")) == .retryable)
        #expect(classifier.classify(BrokerError.unavailable("connection lost")) == .retryable)
        #expect(classifier.classify(BrokerError.unknownTopic("paymnets")) == .permanent)
        #expect(classifier.classify(BrokerError.eventTooLarge(topic: "payments", eventID: "e1", size: 10, limit: 5)) == .permanent)
        #expect(classifier.classify(BrokerError.storage("publishing", error: Flaky(), isRetryable: true)) == .retryable)
        #expect(classifier.classify(BrokerError.storage("publishing", error: Flaky(), isRetryable: false)) == .permanent)
        #expect(classifier.classify(Declined()) == .permanent)
        #expect(classifier.classify(Flaky()) == .retryable)
    }

    @Test("broker errors carry a public code, and the underlying error does not take part in equality")
    func codes() {
        let error = BrokerError.storage("publishing to topic 'orders'", error: Flaky(), isRetryable: true)
        #expect(error.code == .storage)
        #expect(error.underlying is Flaky)
        #expect(BrokerError.unknownGroup(topic: "orders", group: "billing").code == .unknownGroup)
        #expect(BrokerError.unknownTopic("orders") == BrokerError.unknownTopic("orders"))
        #expect(BrokerError.unknownTopic("orders").description.hasPrefix("BrokerError(unknownTopic): "))
    }
}
