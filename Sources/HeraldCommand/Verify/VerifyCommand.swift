import ArgumentParser
import Foundation
import HeraldTesting

/// `herald verify`: runs a registered set of handlers under every misconception of seed 003 and prints
/// the report; exits 1 when a check failed.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run registered handlers under every misconception of the event-driven checklist and print the report.",
        discussion: """
            The handlers run first fault-free (the reference), then under each fault profile — duplicates, \
            reordering, lost acknowledgements, crashes, skewed and equal timestamps, conflicting payloads, \
            malformed events, bursts, slow, failing and unavailable dependencies, competing consumers — on \
            simulated time, seeded: the same seed replays the same run (the command runs itself with \
            SWIFT_DETERMINISTIC_HASHING=1 for that). A failure is shrunk to the fewest \
            events and faults that still break the invariant. The report lists every line of the checklist \
            as survived, failed (with the reproduction) or not applicable (with why). Exits 1 when a check \
            failed. Targets: \(VerificationTarget.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).
            """
    )

    @Argument(help: "The registered target to verify.")
    var target = "coffee-shop"

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "The seed: the same seed gives the same schedule and the same result.")
    var seed: UInt64 = 1

    @Option(name: .customLong("profile"), help: "Only this fault profile (repeatable); default all of them.")
    var profiles: [String] = []

    @Option(help: "Publish this many events instead of the target's own scenario.")
    var events: Int?

    @Option(help: "With --events: spread them over this many simulated days (default 1).")
    var days: Double?

    func validate() throws {
        guard VerificationTarget.all.contains(where: { $0.name == target }) else {
            throw ValidationError("no verification target '\(target)'; the registered ones: \(VerificationTarget.all.map(\.name).joined(separator: ", "))")
        }
        for name in profiles where FaultProfile.Kind(rawValue: name) == nil {
            throw ValidationError(
                "no fault profile '\(name)'; the profiles: \(FaultProfile.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let events, events < 1 { throw ValidationError("--events \(events): give at least 1") }
        if let days, !(days > 0 && days <= 3650) { throw ValidationError("--days \(days): give more than 0 and at most 3650") }
        if days != nil, events == nil { throw ValidationError("--days spreads the --events; give --events as well") }
    }

    func run() async throws {
        DeterministicHashing.ensure()
        guard let chosen = VerificationTarget.all.first(where: { $0.name == target }) else { throw ExitCode.validationFailure }
        let kinds = profiles.compactMap(FaultProfile.Kind.init(rawValue:))
        let selected = kinds.isEmpty ? FaultProfile.all : kinds.map { FaultProfile($0) }
        let size = ScenarioSize(events: events, span: days.map { .milliseconds(Int64($0 * 86_400_000)) })
        let report = try await chosen.verify(size, selected, seed)
        if json {
            print(String(decoding: try report.json(), as: UTF8.self))
        } else {
            print(report.text)
        }
        if !report.passed { throw ExitCode(1) }
    }
}
