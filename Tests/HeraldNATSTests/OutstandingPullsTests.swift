import Testing

@testable import HeraldNATS

@Suite("Outstanding pull requests")
struct OutstandingPullsTests {
    private func pull(_ id: UInt64, _ batch: Int, at now: Moment) -> OutstandingPull {
        OutstandingPull(id: id, remaining: batch, issuedAt: now, lastHeard: now)
    }

    @Test("the messages requested and the idle partitions are counted as requests come, deliver and go")
    func counts() {
        let now = Moment.now
        var pulls = OutstandingPulls(partitions: 3)
        #expect(pulls.requested == 0 && pulls.idleCount == 3)
        pulls.append(pull(1, 2, at: now), to: 0)
        pulls.append(pull(2, 5, at: now), to: 0)
        pulls.append(pull(3, 4, at: now), to: 2)
        #expect(pulls.requested == 11 && pulls.idleCount == 1)
        #expect(pulls.requested(of: 0) == 7 && pulls.requested(of: 1) == 0)
        // Deliveries count against the oldest request; one that got its batch is done.
        pulls.noteDelivery(on: 0, now: now)
        pulls.noteDelivery(on: 0, now: now)
        #expect(pulls[0].map(\.id) == [2] && pulls.requested == 9)
        // A delivery on a partition without a request changes nothing.
        pulls.noteDelivery(on: 1, now: now)
        #expect(pulls.requested == 9 && pulls.idleCount == 1)
        #expect(pulls.removeAll(of: 2) { $0.id == 3 })
        #expect(!pulls.removeAll(of: 2) { _ in true })
        #expect(pulls.requested == 5 && pulls.idleCount == 2)
        for _ in 0..<5 { pulls.noteDelivery(on: 0, now: now) }
        #expect(pulls.requested == 0 && pulls.idleCount == 3 && pulls[0].isEmpty)
        pulls.append(pull(4, 3, at: now), to: 1)
        pulls.removeAll()
        #expect(pulls.requested == 0 && pulls.idleCount == 3)
    }
}
