import Testing

@testable import Herald

@Suite("OffsetTable")
struct OffsetTableTests {
    /// A small deterministic generator, so a failure repeats.
    struct LinearCongruential {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("behaves like a dictionary under random inserts, updates, removals and sliding", arguments: [1, 2, 3, 4, 5])
    func matchesDictionary(seed: UInt64) {
        var generator = LinearCongruential(state: seed)
        var table = OffsetTable<Int>()
        var reference: [Offset: Int] = [:]
        var low: Int64 = 1_000
        for step in 0..<20_000 {
            let offset = Offset(low + Int64(generator.next(64)) - 8)
            switch generator.next(6) {
            case 0, 1:
                table[offset] = step
                reference[offset] = step
            case 2:
                table[offset]? += 1
                reference[offset]? += 1
            case 3:
                #expect(table.removeValue(forKey: offset) == reference.removeValue(forKey: offset))
            case 4:
                table[offset] = nil
                reference[offset] = nil
            default:
                // The window slides forward, as a group's floor does.
                for old in reference.keys where old.value < low {
                    table[old] = nil
                    reference[old] = nil
                }
                low += Int64(generator.next(4))
            }
            #expect(table[offset] == reference[offset])
            #expect(table.count == reference.count)
        }
        let held = Array(table).map { [$0.key.value, Int64($0.value)] }
        let expected = reference.sorted { $0.key < $1.key }.map { [$0.key.value, Int64($0.value)] }
        #expect(held == expected)
        #expect(table.values == reference.sorted { $0.key < $1.key }.map(\.value))
    }

    @Test("an update through optional chaining on an absent offset stores nothing")
    func chainingOnAbsentOffset() {
        var table = OffsetTable<Int>()
        table[Offset(5)] = 1
        table[Offset(100)]? += 1
        #expect(table.count == 1)
        #expect(Array(table).map(\.key) == [Offset(5)])
        table[Offset(5)] = nil
        #expect(table.isEmpty)
        table[Offset(2)] = 7
        table[Offset(0)] = 8
        #expect(Array(table).map(\.key) == [Offset(0), Offset(2)])
    }
}
