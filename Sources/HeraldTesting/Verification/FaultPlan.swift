import Synchronization

/// Which faults strike in one run: a profile, a seed, and optionally the only sites allowed to strike
/// (how a failure is shrunk to its fewest faults). Whether a site strikes depends only on the seed, the
/// profile and the site's name, never on what ran before, so a run replays exactly. Records the sites that
/// struck.
public final class FaultPlan: Sendable {
    /// The profile played; `nil` for the fault-free reference run.
    public let profile: FaultProfile?
    /// The seed.
    public let seed: UInt64
    /// The only sites that may strike; `nil` for all.
    public let allowed: Set<FaultSite>?
    // Mutex: sites strike from the simulation's tasks; the verifier reads them after the run.
    private let struck = Mutex<[FaultSite]>([])

    /// A plan.
    public init(profile: FaultProfile?, seed: UInt64, allowed: Set<FaultSite>? = nil) {
        self.profile = profile
        self.seed = seed
        self.allowed = allowed
    }

    /// Whether the profile is `kind` (never, for the reference run).
    public func plays(_ kind: FaultProfile.Kind) -> Bool { profile?.kind == kind }

    /// Whether `site` strikes under a profile of `kind`, at the profile's probability (or `probability`),
    /// and records it when it does.
    public func strikes(_ site: FaultSite, for kind: FaultProfile.Kind, probability: Double? = nil) -> Bool {
        guard let profile, profile.kind == kind else { return false }
        if let allowed, !allowed.contains(site) { return false }
        guard unitValue(for: site) < (probability ?? profile.probability) else { return false }
        struck.withLock { $0.append(site) }
        return true
    }

    /// A value in 0..<1 fixed by the seed and `site`, for choices that are not a yes or no (a delay's length).
    public func unitValue(for site: FaultSite) -> Double {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "\(seed)|\(profile?.kind.rawValue ?? "-")|\(site.action)|\(site.subject)|\(site.attempt)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        var generator = SeededRandomGenerator(seed: hash)
        return Double(generator.next() >> 11) / Double(1 << 53)
    }

    /// The sites that struck, in the order they did.
    public var struckSites: [FaultSite] { struck.withLock { $0 } }
}
