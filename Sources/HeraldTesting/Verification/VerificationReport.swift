import Foundation

/// What a verification found: each profile's verdict, and each line of seed 003 with its result for this
/// handler set — survived, failed (with the reproduction), or not applicable (with why). As text
/// (``text``) and as JSON (``json()``).
public struct VerificationReport: Sendable, Encodable {
    /// One line of the checklist and its result.
    public struct Line: Sendable, Encodable {
        /// The checklist's heading.
        public var category: String
        /// The belief.
        public var belief: String
        /// The verdict: failed if any of its profiles failed, survived if all that applied survived.
        public var status: ProfileResult.Status
        /// The profiles behind the verdict.
        public var profiles: [String]
        /// Why not applicable, when it is not.
        public var reason: String?
        /// The Herald feature that prevents it or makes it visible.
        public var herald: String
    }

    /// The verification's name.
    public var name: String
    /// The scenario's name.
    public var scenario: String
    /// How many events the scenario publishes.
    public var events: Int
    /// The seed.
    public var seed: UInt64
    /// Each profile's verdict, in the order run.
    public var profiles: [ProfileResult]
    /// Each line of seed 003.
    public var checklist: [Line]
    /// Simulated seconds of the reference run.
    public var referenceSimulatedSeconds: Double
    /// Wall seconds the whole verification took, shrinking included.
    public var wallSeconds: Double

    /// Whether every profile that applied survived.
    public var passed: Bool { !profiles.contains { $0.status == .failed } }

    /// The profiles that failed.
    public var failures: [ProfileResult] { profiles.filter { $0.status == .failed } }

    /// The report as JSON (sorted keys, pretty).
    ///
    /// - Throws: `EncodingError` (not expected: every field encodes).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// The report as text.
    public var text: String {
        var lines = [
            "Verification '\(name)': scenario '\(scenario)' (\(events) events), seed \(seed): \(passed ? "passed" : "FAILED (\(failures.count) of \(profiles.count) profiles)")",
            "",
        ]
        for result in profiles {
            let verdict = result.status == .failed ? "FAILED" : result.status.rawValue
            let detail: String
            switch result.status {
            case .survived: detail = "\(result.faultsStruck) \(result.faultsStruck == 1 ? "fault" : "faults") struck"
            case .notApplicable: detail = result.reason ?? ""
            case .failed: detail = result.violations.map(\.invariant).joined(separator: "; ")
            }
            lines.append(
                "  \(verdict.padding(toLength: 15, withPad: " ", startingAt: 0)) \(result.profile.description.padding(toLength: 22, withPad: " ", startingAt: 0)) \(detail)"
            )
            if let reproduction = result.reproduction {
                lines += reproduction.text.split(separator: "\n").map { "      \($0)" }
            }
        }
        lines += ["", "Seed 003, line by line:"]
        var category = ""
        for line in checklist {
            if line.category != category {
                category = line.category
                lines.append("  \(category)")
            }
            let verdict = line.status == .failed ? "FAILED" : line.status.rawValue
            let why = line.reason.map { " — \($0)" } ?? " [\(line.profiles.joined(separator: ", "))]"
            lines.append("    \(verdict.padding(toLength: 15, withPad: " ", startingAt: 0)) \(line.belief)\(why)")
        }
        return lines.joined(separator: "\n")
    }
}
