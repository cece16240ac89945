import Foundation
import Herald

/// A property a team's handlers must keep under every fault: checked on each run against the fault-free
/// reference run of the same scenario. Returns what it found broken, one line each; none when it holds.
public struct Invariant<State: Equatable & Sendable>: Sendable {
    /// The name reports use.
    public let name: String
    private let check: @Sendable (_ reference: VerificationOutcome<State>, _ outcome: VerificationOutcome<State>) -> [String]

    /// An invariant of your own: `check` compares a run with the reference and returns what is broken.
    public init(_ name: String, check: @escaping @Sendable (_ reference: VerificationOutcome<State>, _ outcome: VerificationOutcome<State>) -> [String]) {
        self.name = name
        self.check = check
    }

    /// What `outcome` breaks, compared with `reference`.
    public func violations(reference: VerificationOutcome<State>, outcome: VerificationOutcome<State>) -> [String] {
        check(reference, outcome)
    }

    /// The four ready invariants, the most specific first (a reproduction is shrunk for the first one
    /// broken): effects at most once, no event lost, per-key order, then the final state.
    public static var standard: [Invariant] { [.eachSideEffectAtMostOnce, .noEventLost, .perKeyOrderOfEffects, .sameFinalState] }

    /// The handlers end in the state the fault-free run ended in.
    public static var sameFinalState: Invariant {
        Invariant("same final state as the reference") { reference, outcome in
            reference.state == outcome.state
                ? [] : ["the final state is \(canonical(outcome.state)), the reference ended in \(canonical(reference.state))"]
        }
    }

    /// No side effect happens more often than in the reference run (once, when it happened once there).
    public static var eachSideEffectAtMostOnce: Invariant {
        Invariant("each side effect at most once") { reference, outcome in
            let expected = Dictionary(reference.effects.map { ($0.identity, 1) }, uniquingKeysWith: +)
            let seen = Dictionary(outcome.effects.map { ($0.identity, 1) }, uniquingKeysWith: +)
            return seen.keys.sorted().compactMap { identity in
                let count = seen[identity] ?? 0
                let allowed = expected[identity] ?? 1
                guard count > allowed else { return nil }
                let causes = outcome.effects.filter { $0.identity == identity }.map(\.causedAt)
                return "'\(identity)' happened \(count) times (\(allowed) in the reference), handling \(causes.joined(separator: ", "))"
            }
        }
    }

    /// Every side effect of the reference happens (unless its event is in a dead-letter topic, visible
    /// and recoverable), every event settles, and no added malformed, poison or conflicting event is
    /// acknowledged without a trace: each must be dead-lettered or have an effect.
    public static var noEventLost: Invariant {
        Invariant("no event lost") { reference, outcome in
            var found: [String] = []
            let seen = Set(outcome.effects.map(\.identity))
            let parkedIDs = Set(outcome.deadLetters.map(\.eventID))
            for effect in reference.effects where !seen.contains(effect.identity) && !parkedIDs.contains(effect.causedBy) {
                found.append(
                    "'\(effect.identity)' never happened (the reference did it handling \(effect.causedBy)), and that event is in no dead-letter topic")
            }
            found += outcome.unsettled.map { "not settled when the run ended: \($0)" }
            let parkedPositions = Set(outcome.deadLetters.map(\.storedAt))
            let affected = Set(outcome.effects.map(\.causedAt))
            for (position, kind) in outcome.injected.sorted(by: { $0.key < $1.key })
            where !parkedPositions.contains(position) && !affected.contains(position) {
                found.append("the \(kind) event at \(position) was acknowledged with no effect and no dead letter: silently skipped")
            }
            return found
        }
    }

    /// For each key the handlers named (``SimulatedDependency/perform(_:key:idempotencyKey:_:)``'s `key`,
    /// a published event's partition key), effects happen in the reference's order.
    public static var perKeyOrderOfEffects: Invariant {
        Invariant("per-key order of effects") { reference, outcome in
            func orders(_ effects: [SideEffect]) -> [String: [String]] {
                var result: [String: [String]] = [:]
                for effect in effects {
                    guard let key = effect.key else { continue }
                    if result[key]?.contains(effect.identity) != true { result[key, default: []].append(effect.identity) }
                }
                return result
            }
            let expected = orders(reference.effects)
            let actual = orders(outcome.effects)
            return expected.keys.sorted().compactMap { key in
                guard let want = expected[key], let got = actual[key] else { return nil }
                let common = Set(want).intersection(got)
                let wantOrder = want.filter(common.contains)
                let gotOrder = got.filter(common.contains)
                return wantOrder == gotOrder ? nil : "key '\(key)': effects in the order \(gotOrder), the reference's was \(wantOrder)"
            }
        }
    }
}

/// `value` described the same way in every run: as JSON with sorted keys when it is `Encodable` (a
/// dictionary's own description follows its hash order, which differs between instances), else as Swift
/// describes it.
func canonical(_ value: some Sendable) -> String {
    guard let encodable = value as? any Encodable else { return String(describing: value) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(encodable) else { return String(describing: value) }
    return String(decoding: data, as: UTF8.self)
}
