/// A deterministic random number generator (SplitMix64): the same seed gives the same sequence, so a
/// randomised test or a fuzz run repeats exactly from its seed.
public struct SeededRandomGenerator: RandomNumberGenerator, Sendable {
    /// The generator's state; the next value is derived from it.
    public var state: UInt64

    /// Starts the sequence of `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next value of the sequence.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
