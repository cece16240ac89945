import Foundation

/// Seeded mutations of known-good inputs: bit flips, byte changes, inserted tokens, deletions,
/// duplications, splices of two inputs, and runs of opening brackets (depth bombs).
public struct InputMutator: Sendable {
    private var random: SeededRandomGenerator
    private let corpus: [[UInt8]]
    private let tokens: [[UInt8]]

    /// Mutates entries of `corpus` (known-good inputs), inserting `tokens` (fragments of the input's
    /// grammar) among other changes, in the sequence `seed` gives.
    public init(seed: UInt64, corpus: [[UInt8]], tokens: [[UInt8]]) {
        self.random = SeededRandomGenerator(seed: seed)
        self.corpus = corpus
        self.tokens = tokens
    }

    /// A new input: a corpus entry with one to four mutations.
    public mutating func next() -> [UInt8] {
        var input = pick(corpus)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            mutate(&input)
        }
        return input
    }

    private mutating func pick(_ entries: [[UInt8]]) -> [UInt8] {
        entries.isEmpty ? [] : entries[Int.random(in: 0..<entries.count, using: &random)]
    }

    private mutating func position(in input: [UInt8]) -> Int {
        Int.random(in: 0...input.count, using: &random)
    }

    private mutating func mutate(_ input: inout [UInt8]) {
        switch Int.random(in: 0..<7, using: &random) {
        case 0 where !input.isEmpty:
            let index = Int.random(in: 0..<input.count, using: &random)
            input[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1 where !input.isEmpty:
            input[Int.random(in: 0..<input.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        case 2:
            input.insert(contentsOf: pick(tokens), at: position(in: input))
        case 3 where !input.isEmpty:
            let start = Int.random(in: 0..<input.count, using: &random)
            let end = min(input.count, start + Int.random(in: 1...16, using: &random))
            input.removeSubrange(start..<end)
        case 4 where !input.isEmpty:
            let start = Int.random(in: 0..<input.count, using: &random)
            let end = min(input.count, start + Int.random(in: 1...32, using: &random))
            input.insert(contentsOf: input[start..<end], at: position(in: input))
        case 5:
            let other = pick(corpus)
            input = Array(input.prefix(position(in: input))) + other.suffix(from: position(in: other))
        default:
            let bracket = Array((Bool.random(using: &random) ? "[" : #"{"a":"#).utf8)
            let count = [2, 127, 128, 129, 511, 512, 513, 2000][Int.random(in: 0..<8, using: &random)]
            let run = (0..<count).flatMap { _ in bracket }
            input.insert(contentsOf: run, at: position(in: input))
        }
    }

    /// `bytes` for a report: printable ASCII as it is, other bytes as `\xFF`, and the exact bytes in base64.
    public static func describe(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes.prefix(300) {
            switch byte {
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        if bytes.count > 300 { text += "… (\(bytes.count) bytes)" }
        return "\(text)\n  base64: \(Data(bytes).base64EncodedString())"
    }
}
