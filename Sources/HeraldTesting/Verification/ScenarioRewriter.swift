import Foundation
import Herald
import NIOCore

/// Rewrites a scenario as a producer-side profile plays it: events swapped, late, with skewed or equal
/// times, sent again days later, sent again under the same id with another payload, malformed copies
/// mixed in, or all at once. Every event without a `time` gets the simulated time it is published at.
struct ScenarioRewriter {
    let plan: FaultPlan
    let epoch: Date

    /// What was added, by the added event's id: checked afterwards to be neither lost nor silently skipped.
    enum Injection: String, Sendable, Codable {
        case conflictingPayload = "conflicting payload"
        case malformed = "malformed"
        case poison = "poison"
        case republished = "republished"
    }

    /// The rewritten steps, in publishing order, and the injected events by id.
    func rewrite(_ scenario: Scenario) -> (steps: [Scenario.Step], injected: [String: Injection]) {
        var steps = scenario.steps.map { step -> Scenario.Step in
            var step = step
            if step.event.time == nil { step.event.time = epoch.addingTimeInterval(step.at.timeInterval) }
            return step
        }
        var injected: [String: Injection] = [:]
        guard let profile = plan.profile else { return (steps, injected) }
        switch profile.kind {
        case .reorderedPublishing:
            // An event overtakes the one before it with the same key (or, without a key, its neighbour):
            // the two swap places and publishing times.
            // The steps not yet moved, in order, all and by key; a moved one is dropped when it reaches the top.
            var moved = Set<Int>()
            var unmoved: [Int] = []
            var unmovedByKey: [String: [Int]] = [:]
            func latest(_ stack: inout [Int]) -> Int? {
                while let last = stack.last, moved.contains(last) { stack.removeLast() }
                return stack.last
            }
            for later in steps.indices {
                let key = steps[later].event.partitionKey
                let earlier = if let key { latest(&unmovedByKey[key, default: []]) } else { latest(&unmoved) }
                guard
                    let earlier,
                    plan.strikes(FaultSite(action: "publish before its predecessor", subject: steps[later].event.id), for: .reorderedPublishing)
                else {
                    unmoved.append(later)
                    if let key { unmovedByKey[key, default: []].append(later) }
                    continue
                }
                let first = steps[earlier]
                steps[earlier] = Scenario.Step(topic: steps[later].topic, event: steps[later].event, at: first.at)
                steps[later] = Scenario.Step(topic: first.topic, event: first.event, at: steps[later].at)
                moved.formUnion([earlier, later])
            }
        case .delayedPublishing:
            for index in steps.indices {
                let site = FaultSite(action: "publish late", subject: steps[index].event.id)
                if plan.strikes(site, for: .delayedPublishing) {
                    steps[index].at += profile.duration * (0.5 + plan.unitValue(for: site))
                }
            }
        case .skewedTime:
            for index in steps.indices {
                let site = FaultSite(action: "skew the time of", subject: steps[index].event.id)
                if plan.strikes(site, for: .skewedTime), let time = steps[index].event.time {
                    let shift = profile.duration.timeInterval * (plan.unitValue(for: site) * 2 - 1)
                    steps[index].event.time = time.addingTimeInterval(shift)
                }
            }
        case .sameTimestamp:
            for index in steps.indices.dropFirst() {
                let site = FaultSite(action: "give the time of its predecessor to", subject: steps[index].event.id)
                if plan.strikes(site, for: .sameTimestamp) { steps[index].event.time = steps[index - 1].event.time }
            }
        case .conflictingPayload:
            for step in steps {
                let site = FaultSite(action: "send again with another payload", subject: step.event.id)
                guard plan.strikes(site, for: .conflictingPayload) else { continue }
                var conflicting = step.event
                conflicting.data = Self.changed(step.event.data)
                steps.append(Scenario.Step(topic: step.topic, event: conflicting, at: step.at + .seconds(300)))
                injected[conflicting.id] = .conflictingPayload
            }
        case .malformedEvents:
            for step in steps {
                if plan.strikes(FaultSite(action: "mix in a malformed copy of", subject: step.event.id), for: .malformedEvents) {
                    var malformed = step.event
                    malformed.id = "\(step.event.id)~malformed"
                    malformed.data = ByteBuffer(string: #"{"truncated": "#)
                    steps.append(Scenario.Step(topic: step.topic, event: malformed, at: step.at))
                    injected[malformed.id] = .malformed
                }
                if plan.strikes(FaultSite(action: "mix in a poison copy of", subject: step.event.id), for: .malformedEvents) {
                    var poison = step.event
                    poison.id = "\(step.event.id)~poison"
                    poison.data = ByteBuffer(string: #"{"unexpected":[1,2,3]}"#)
                    steps.append(Scenario.Step(topic: step.topic, event: poison, at: step.at))
                    injected[poison.id] = .poison
                }
            }
        case .burst:
            for index in steps.indices { steps[index].at = .zero }
        case .duplicateDaysLater:
            for step in steps where plan.strikes(FaultSite(action: "publish again days later", subject: step.event.id), for: .duplicateDaysLater) {
                steps.append(Scenario.Step(topic: step.topic, event: step.event, at: step.at + profile.duration))
            }
        default:
            break
        }
        // Stable: events published at the same moment keep their order.
        let ordered = steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        return (ordered, injected)
    }

    /// `data` with its first number or string (depth first, keys in sorted order) changed, or, when it is
    /// not JSON or has neither, a byte added: the same event under the same id, with another payload.
    static func changed(_ data: ByteBuffer?) -> ByteBuffer {
        let bytes = data.map { Array($0.readableBytesView) } ?? []
        if var value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), value.changeFirstScalar() {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let encoded = try? encoder.encode(value) { return ByteBuffer(bytes: encoded) }
        }
        return ByteBuffer(bytes: bytes + [UInt8(ascii: " ")])
    }
}

/// Any JSON value, to change one scalar of a payload without knowing its type.
private enum JSONValue: Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 { try container.encode(Int64(number)) } else { try container.encode(number) }
        case .string(let string): try container.encode(string)
        case .array(let array): try container.encode(array)
        case .object(let object): try container.encode(object)
        }
    }

    /// Changes the first number (plus one) or string (suffixed) met depth first, keys in sorted order;
    /// `false` when there is neither.
    mutating func changeFirstScalar() -> Bool {
        switch self {
        case .number(let number):
            self = .number(number + 1)
            return true
        case .string(let string):
            self = .string(string + " (changed)")
            return true
        case .array(var array):
            for index in array.indices where array[index].changeFirstScalar() {
                self = .array(array)
                return true
            }
            return false
        case .object(var object):
            for key in object.keys.sorted() {
                if var value = object[key], value.changeFirstScalar() {
                    object[key] = value
                    self = .object(object)
                    return true
                }
            }
            return false
        case .null, .bool:
            return false
        }
    }
}
