import Foundation
import Testing
@testable import GeoQuery

/// The snapshot build's faster parts, each against the plain computation it replaced.
@Suite struct SnapshotBuildPartsTests {
    /// The radix sort against the standard sort: keys spread over all 64 bits, keys that differ
    /// only in a few middle bits (natural ids: a partition code on top), few distinct keys, one
    /// key, and counts either side of the 24 where it hands buckets to an insertion sort.
    @Test(arguments: [0, 1, 2, 3, 17, 24, 25, 256, 257, 1_000, 70_000, 300_001])
    func radixSortEqualsTheStandardSort(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let shapes: [(String, () -> UInt64)] = [
            ("all bits", { rng.next() }),
            ("partition on top", { UInt64(rng.below(1_584)) << 48 | rng.next() >> 40 }),
            ("few values", { UInt64(rng.below(5)) << 61 }),
            ("one value", { 42 }),
        ]
        for (shape, next) in shapes {
            let values = (0..<count).map { _ in next() }
            var sorted = values
            sorted.radixSort()
            #expect(sorted == values.sorted(), "\(shape)")
            let held = Set(values)
            for v in values.prefix(50) { #expect(sorted.sortedContains(v)) }
            for _ in 0..<50 { let v = next() &+ 1; #expect(sorted.sortedContains(v) == held.contains(v), "\(shape)") }
        }
    }

    /// Coordinates are numbered in first-seen order, as the dictionary did, across the table's growth.
    @Test func coordinateNumberingMatchesADictionary() {
        var rng = SplitMix64(seed: 43)
        var numbering = CoordinateNumbering(), reference: [Int64: Int32] = [:]
        var order: [(Int32, Int32)] = []
        let extremes: [Int32] = [Int32.min + 1, -1, 0, 1, Int32.max]
        for _ in 0..<200_000 {
            let la = rng.chance(100) ? extremes[rng.below(extremes.count)] : Int32(rng.below(400)) - 200
            let lo = rng.chance(100) ? extremes[rng.below(extremes.count)] : Int32(rng.below(400)) - 200
            let key = Int64(la) << 32 | Int64(UInt32(bitPattern: lo))
            let expected = reference[key] ?? Int32(reference.count)
            if reference[key] == nil { order.append((la, lo)) }
            reference[key] = expected
            #expect(numbering.number(latE6: la, lngE6: lo) == expected)
        }
        let (lat, lng) = numbering.coordinates()
        #expect(lat == order.map(\.0))
        #expect(lng == order.map(\.1))
    }

    /// The Crime ID index's order: ids that share their first word (rare in real data, so made
    /// here) come out by their full id, then slot, as the single full-id sort gave; those alone
    /// in their first word come out between them in place.
    @Test func crimeIDSlotsFollowTheFullId() {
        var rng = SplitMix64(seed: 44)
        var rows: [CrimeRow] = []
        for i in 0..<5_000 {
            var r = CrimeRow()
            // Every third first word is unique (as nearly all real ones are), the rest shared.
            let w0 = i % 3 == 0 ? UInt64(1_000 + i) : UInt64(rng.below(300))
            r.id = CrimeID(kind: .hex, w0: w0, w1: UInt64(rng.below(3)), w2: UInt64(rng.below(2)), w3: UInt64(rng.below(2)))
            rows.append(r)
        }
        let keyed = rows.indices.map { IndexedCrimeID(w0: rows[$0].id.w0, slot: UInt32($0), row: UInt32($0)) }
        let expected = keyed.sorted { a, b in
            let x = rows[Int(a.row)].id, y = rows[Int(b.row)].id
            return (x.w0, x.w1, x.w2, x.w3, a.slot) < (y.w0, y.w1, y.w2, y.w3, b.slot)
        }.map(\.slot)
        var sortedKeys = keyed
        sortedKeys.radixSort()
        var slots = IndexedCrimeID.Slots(sortedKeys, rows: rows)
        var got: [UInt32] = []
        while let s = slots.next() { got.append(s) }
        let same = got == expected
        #expect(same)
    }

    /// The in-place move into crime order, split between parts, against a plain gather.
    @Test(arguments: [0, 1, 2, 17, 10_000])
    func permutingInPlaceEqualsGathering(count: Int) {
        var rng = SplitMix64(seed: UInt64(count) + 7)
        var order = (0..<count).map { Int32($0) }
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        let rows = (0..<count).map { i -> CrimeRow in
            var r = CrimeRow()
            r.location = Int32(i); r.id = CrimeID(kind: .hex, w0: UInt64(i), w3: UInt64(count - i))
            return r
        }
        let outcomes = (0..<count).map { (outcome: UInt8(truncatingIfNeeded: $0 * 7), month: Int32($0)) }
        for parts in [1, 2, 3, 4, 7] {
            var moved = rows, movedOutcomes = outcomes
            SnapshotBuilder.permute(&moved, &movedOutcomes, by: order, parts: parts)
            let same = moved.map(\.location) == order && moved.map(\.id.w3) == order.map { UInt64(count - Int($0)) }
                && movedOutcomes.map(\.month) == order && movedOutcomes.map(\.outcome) == order.map { UInt8(truncatingIfNeeded: Int($0) * 7) }
            #expect(same, "parts \(parts)")
        }
    }

    /// Content hashes four rows at a time equal the one-row hash, for every Crime ID kind, on real rows.
    @Test func contentHashesFourAtATimeEqualOneByOne() throws {
        var table = CrimeTable()
        let bytes = try IngestSource.expand([TestData.archive + "/2019-01/2019-01-durham-street.csv"])[0].load()
        _ = try bytes.withUnsafeBufferPointer { try PoliceCSV.read($0, name: "durham", into: &table) }
        // Real files hold hex ids and none (anti-social behaviour); text ids are made here.
        for i in stride(from: 0, to: table.rows.count, by: 5) {
            table.rows[i].id = CrimeID(kind: .text, w0: UInt64(table.textIDs.intern("ref-\(i % 23)")))
        }
        let kinds = Set(table.rows.map(\.id.kind.rawValue))
        #expect(kinds == [0, 1, 2])
        let hasher = CrimeIdentity.RowHasher(table)
        var got = [UInt64](repeating: 0, count: table.rows.count)
        table.rows.withUnsafeBufferPointer { rows in
            got.withUnsafeMutableBufferPointer { CrimeIdentity.fillContents($0, rows: rows, range: 3..<rows.count, hasher: hasher) }
        }
        let expected = table.rows.enumerated().map { i, r in i < 3 ? 0 : hasher.content(r, partition: hasher.partition(r)) }
        #expect(got == expected)
    }
}
