/// Where ``RetryMiddleware`` draws its jitter: the system's random numbers, or, inside a seeded
/// simulation (HeraldTesting's verifier sets ``seed`` for the run), numbers that follow from the seed and
/// the delivery, so that a run replays with the same backoff.
package enum RetryJitter {
    /// The simulation's seed; `nil` outside one.
    @TaskLocal package static var seed: UInt64?

    /// A generator for the retries of `delivery`: seeded from ``seed`` and where the delivery is stored
    /// when there is a seed, else the system's.
    static func generator(for delivery: Delivery) -> any RandomNumberGenerator {
        guard let seed else { return SystemRandomNumberGenerator() }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for byte in "\(delivery.topic)/\(delivery.partition.index)@\(delivery.offset.value)#\(delivery.attempt)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return SplitMix64(state: hash)
    }
}

/// SplitMix64: a small, fast generator whose sequence follows from its state.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
