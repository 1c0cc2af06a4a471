import Foundation
import Testing
@testable import GeoQuery

/// Crime ids (the API's numeric `id`) on the real archive: stable when other months and forces
/// arrive, unique over the whole mirror, JSON-safe, and the same after re-ingesting the same files.
@Suite(.serialized) struct CrimeIdentityTests {
    /// Every crime of a mirror (located and not), through the same path `police-json` uses.
    static func allCrimes(_ m: CrimeMirror) throws -> [Crime] {
        let plan = try QueryPlan(.radius(lat: 0, lng: 0, Distance(metres: 1)), mirror: m)
        return try m.crimes(atPoints: Array(0...m.mapPointCount), plan)
    }

    /// What identifies a crime apart from its id: every field the API shows except the outcome.
    struct Fields: Hashable {
        var persistentID: String, category: String, month: Month, force: String
        var latE6: Int32, lngE6: Int32, located: Bool, location: String, context: String
        init(_ c: Crime) {
            persistentID = c.persistentID; category = c.category; month = c.month; force = c.force
            latE6 = c.located ? c.mapPoint.latE6 : 0; lngE6 = c.located ? c.mapPoint.lngE6 : 0
            located = c.located; location = c.locationName; context = c.context
        }
    }

    static func files(_ forces: [String], _ months: [String]) -> [String] {
        months.flatMap { m in forces.map { "\(TestData.archive)/\(m)/\(m)-\($0)-street.csv" } }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    static let subsetForces = ["city-of-london", "durham", "btp"]
    static let subsetMonths = ["2018-10", "2018-11", "2018-12"]

    @Test func idsAreUniqueBelow2to53AndKeptWhenOtherMonthsAndForcesArrive() throws {
        let subsetDir = TestData.temporaryDirectory("subset")
        _ = try Ingest.run(paths: CrimeIdentityTests.files(CrimeIdentityTests.subsetForces, CrimeIdentityTests.subsetMonths), mirror: .directory(subsetDir))
        let subset = try CrimeIdentityTests.allCrimes(try CrimeMirror.open(.directory(subsetDir)))
        #expect(subset.count > 10_000)

        // The whole archive (every month of 41 forces) ingested from scratch.
        let full = try CrimeIdentityTests.allCrimes(TestData.realMirror)
        #expect(full.count == TestData.referenceRows.count)
        var byID: [Int: Fields] = [:]
        for c in full {
            #expect(c.id >= 0 && c.id < 1 << 53)
            #expect(byID.updateValue(Fields(c), forKey: c.id) == nil, "id \(c.id) is given twice")
        }
        #expect(byID.count == full.count)
        var kept = 0
        for c in subset where byID[c.id] == Fields(c) { kept += 1 }
        #expect(kept == subset.count, "\(subset.count - kept) of \(subset.count) crimes changed id when the rest of the archive arrived")

        // Adding a month to the existing mirror (the re-ingest path: snapshot back to a table).
        _ = try Ingest.run(paths: CrimeIdentityTests.files(CrimeIdentityTests.subsetForces, ["2019-01"]), mirror: .directory(subsetDir))
        let grown = try CrimeIdentityTests.allCrimes(try CrimeMirror.open(.directory(subsetDir)))
        #expect(grown.count > subset.count)
        let grownByID = Dictionary(grown.map { ($0.id, Fields($0)) }, uniquingKeysWith: { a, _ in a })
        #expect(grownByID.count == grown.count)
        #expect(subset.allSatisfy { grownByID[$0.id] == Fields($0) })
    }

    @Test func reIngestingTheSameFilesGivesTheSameIds() throws {
        let files = CrimeIdentityTests.files(CrimeIdentityTests.subsetForces, CrimeIdentityTests.subsetMonths)
        var runs: [[Int: Fields]] = []
        for order in [files, files.reversed()] {
            let dir = TestData.temporaryDirectory("again")
            _ = try Ingest.run(paths: order, mirror: .directory(dir))
            runs.append(Dictionary(try CrimeIdentityTests.allCrimes(try CrimeMirror.open(.directory(dir))).map { ($0.id, Fields($0)) }, uniquingKeysWith: { a, _ in a }))
        }
        #expect(runs[0].count > 10_000)
        #expect(runs[0] == runs[1])
    }

    /// Rows identical but for their outcome (City of London 2020-01 holds such pairs: one Crime
    /// ID, two outcomes) keep their ids, outcome included, whatever was ingested before them: the
    /// mirror numbers outcomes by name, not in the order its files first named them.
    @Test func rowsIdenticalButForTheirOutcomeKeepTheirIdsWhateverCameFirst() throws {
        let month = CrimeIdentityTests.files(["city-of-london"], ["2020-01"])
        // 2019-01 names "Status update unavailable" before "Court result unavailable"; 2020-01 the other way round.
        let earlier = CrimeIdentityTests.files(["city-of-london", "leicestershire"], ["2019-01"])
        #expect(month.count == 1 && earlier.count == 2)
        var mirrors: [[Crime]] = []
        // Alone; in one ingest after 2019-01; and in a second ingest (into the delta, then compacted).
        for ingests in [[month], [earlier + month], [month + earlier], [earlier, month]] {
            let dir = TestData.temporaryDirectory("outcome-order")
            for paths in ingests { _ = try Ingest.run(paths: paths, mirror: .directory(dir)) }
            var views = [try CrimeMirror.open(.directory(dir))]
            if ingests.count > 1 {
                #expect(FileManager.default.fileExists(atPath: dir + "/" + MirrorDelta.fileName))
                _ = try Ingest.run(paths: [], mirror: .directory(dir), compact: true)
                views.append(try CrimeMirror.open(.directory(dir)))
            }
            for m in views { mirrors.append(try CrimeIdentityTests.allCrimes(m).filter { $0.month == Month("2020-01")! }) }
        }
        // The pairs this test is about are there (identical fields, different outcomes).
        let groups = Dictionary(grouping: mirrors[0], by: Fields.init)
        #expect(groups.values.contains { Set($0.map(\.outcome)).count > 1 })
        let alone = Dictionary(uniqueKeysWithValues: mirrors[0].map { ($0.id, "\($0.outcome)|\(Fields($0))") })
        for other in mirrors.dropFirst() {
            #expect(other.count == mirrors[0].count)
            let changed = other.filter { alone[$0.id] != "\($0.outcome)|\(Fields($0))" }
            #expect(changed.isEmpty, "\(changed.count) crimes of 2020-01 changed id or outcome: \(changed.prefix(2).map { "\($0.id) \($0.outcome)" })")
        }
    }

    /// The clash rule on its own: rows sharing a natural id keep it in content order, the rest move
    /// to free ids of the same partition, and every id ends up unique.
    @Test func clashingNaturalIdsAreResolvedWithinTheirPartition() {
        let p: UInt64 = 5 << CrimeIdentity.localBits
        // Rows 0 and 2 clash at p|7; row 1 holds p|8, so the loser skips to p|9. Row 3 clashes at the
        // top of the partition and wraps to its bottom.
        let naturals: [UInt64] = [p | 7, p | 8, p | 7, p | CrimeIdentity.localMask, p | CrimeIdentity.localMask]
        let contents: [UInt64] = [20, 1, 10, 3, 4]
        let clashes = CrimeIdentity.exceptions(rows: naturals.count, naturals: { out in
            for i in naturals.indices { out[i] = naturals[i] }
        }, forEachRow: { partitions, body in
            #expect(partitions.contains(5) && (0..<UInt64(1 << 16)).filter(partitions.contains).count == 1)
            for i in naturals.indices { body(i, naturals[i], contents[i]) }
        })
        #expect(clashes.map(\.row) == [0, 4])
        #expect(clashes.map(\.id) == [p | 9, p | 0])
    }

    /// The occurrence counter's table against a dictionary: runs from one row to tens of
    /// thousands, told their length or not (so the table grows), and hashes that share their
    /// low bits (so they probe the same slots).
    @Test func theOccurrenceCounterCountsAsADictionaryDoes() {
        var random = SplitMix64(seed: 7)
        var counter = OccurrenceCounter()
        for run in 0..<400 {
            let length = run % 50 == 0 ? Int(random.next() % 40_000) : Int(random.next() % 40)
            // Some runs take hashes that share their low bits, so they probe the same slots.
            let distinct = UInt64(1 + random.next() % UInt64(max(1, length)))
            let sameLowBits = run % 3 == 0
            var reference: [UInt64: UInt64] = [:]
            // Told the run's length, or less (so the table grows), or more.
            counter.reset(expecting: [length, length / 7, 2 * length][run % 3])
            for _ in 0..<length {
                let k = random.next() % distinct
                let content = sameLowBits ? k << 20 : k &* 0x9E37_79B9_7F4A_7C15
                let expected = reference[content, default: 0]
                reference[content] = expected + 1
                guard counter.next(content) == expected else {
                    Issue.record("run \(run): hash \(content) counted wrongly")
                    return
                }
            }
        }
    }
}
