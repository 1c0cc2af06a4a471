import Foundation
import Testing
@testable import GeoQuery

/// v3 snapshots store crime columns at their narrowest width, v4 also at 3 bytes and the Crime ID
/// index packed; v2 (fixed widths) and v3 mirrors must still open, answer the same, and extend.
@Suite struct MirrorVersionTests {
    static let first = ["2019-01/2019-01-leicestershire-street.csv", "2019-01/2019-01-city-of-london-street.csv",
                        "2019-02/2019-02-leicestershire-street.csv"].map { TestData.archive + "/" + $0 }
    /// A new month, a restated (force, month) and a new force for a held month.
    static let later = ["2019-12/2019-12-leicestershire-street.csv", "2019-02/2019-02-leicestershire-street.csv",
                        "2019-02/2019-02-city-of-london-street.csv"].map { TestData.archive + "/" + $0 }

    /// Radius queries over Leicester and the City at several sizes and month ranges.
    static let queries: [CrimeQuery] = {
        var out: [CrimeQuery] = []
        for (lat, lng) in [(52.6344, -1.1313), (52.7700, -1.2000), (51.5155, -0.0922), (52.5800, -1.0500)] {
            for metres in [150.0, 800, 4000, 16000] {
                out.append(.radius(lat: lat, lng: lng, Distance(metres: metres)))
                out.append(.radius(lat: lat, lng: lng, Distance(metres: metres), from: Month("2019-02"), to: Month("2019-02")))
                out.append(.radius(lat: lat, lng: lng, Distance(metres: metres), categories: ["burglary", "anti-social-behaviour"]))
            }
        }
        return out
    }()

    /// The re-ingest's sequential decoder (id slots counted as it goes) gives every crime exactly
    /// as the per-row decoder does, in all three layouts (v2: ids for every row; v3/v4: ranked).
    @Test(arguments: [UInt32(2), 3, 4, 5, 6])
    func sequentialDecodingEqualsPerRowDecoding(formatVersion: UInt32) throws {
        let v4 = TestData.temporaryDirectory("decode")
        _ = try Ingest.run(paths: MirrorVersionTests.first, mirror: .directory(v4))
        let table = try CrimeMirror.open(.directory(v4)).snapshot.crimeTable()
        let dir = TestData.temporaryDirectory("decode-v\(formatVersion)")
        _ = try MirrorLocation.directory(dir).write(SnapshotBuilder(table: table, synthetic: false, formatVersion: formatVersion).build())
        let mirror = try CrimeMirror.open(.directory(dir)), snapshot = mirror.snapshot
        // `info` names the version the file was written in, not the one this geoquery writes.
        #expect(snapshot.formatVersion == formatVersion && mirror.info.formatVersion == formatVersion)
        try snapshot.verifyRows()
        let columns = try StoredCrimeColumns(snapshot)
        func fields(_ c: StoredCrime) -> [UInt64] {
            let r = c.row
            return [r.id.w0, r.id.w1, r.id.w2, r.id.w3, UInt64(r.id.kind.rawValue), UInt64(UInt32(bitPattern: r.month)),
                    UInt64(UInt32(bitPattern: r.location)), UInt64(UInt32(bitPattern: r.lsoaCode)), UInt64(UInt32(bitPattern: r.lsoaName)),
                    UInt64(UInt32(bitPattern: r.context)), UInt64(UInt16(bitPattern: r.reportedBy)), UInt64(UInt16(bitPattern: r.fallsWithin)),
                    UInt64(r.force), UInt64(r.category), UInt64(r.outcome), UInt64(c.outcome), UInt64(UInt32(bitPattern: c.outcomeMonth))]
        }
        var visited = 0, mismatches = 0, withID = 0
        columns.forEachCrime { i, c in
            #expect(i == visited)
            if fields(c) != fields(columns.crime(i)) { mismatches += 1 }
            if c.row.id.kind != .none { withID += 1 }
            visited += 1
        }
        #expect(visited == columns.count && visited > 10_000)
        #expect(withID > 0 && withID < visited)  // both kinds of row, so the slot counting is exercised
        #expect(mismatches == 0)
    }

    func version(_ dir: String) throws -> UInt32 {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName))
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }
    }

    /// The same files as a v2 mirror (or `version`'s): ingested, then rewritten as that version lays it out.
    func v2Mirror(_ files: [String], version: UInt32 = 2) throws -> String {
        let current = TestData.temporaryDirectory("current")
        _ = try Ingest.run(paths: files, mirror: .directory(current))
        let table = try CrimeMirror.open(.directory(current)).snapshot.crimeTable()
        let dir = TestData.temporaryDirectory("v\(version)")
        _ = try MirrorLocation.directory(dir).write(SnapshotBuilder(table: table, synthetic: false, formatVersion: version).build())
        return dir
    }

    /// A v4 mirror (every node's (month, category) projection sparse) answers as v5 (busy nodes'
    /// dense rows), all months and one, on the fast path; the next ingest rewrites it as v5.
    @Test func aV4MirrorWithoutDenseRowsAnswersTheSame() throws {
        let v4 = try v2Mirror(Self.first, version: 4)
        #expect(try version(v4) == 4)
        let old = try CrimeMirror.open(.directory(v4))
        #expect(old.projections.dense == nil)
        let fresh = TestData.temporaryDirectory("fresh")
        _ = try Ingest.run(paths: Self.first, mirror: .directory(fresh))
        let current = try CrimeMirror.open(.directory(fresh))
        let dense = try #require(current.projections.dense)
        #expect((0..<(dense.start.count - 1)).contains { dense.start[$0] < dense.start[$0 + 1] })
        try expectSameAnswers(old, current)
        _ = try Ingest.run(paths: Self.later, mirror: .directory(v4))
        #expect(try version(v4) == SnapshotFormat.version)
    }

    func expectSameAnswers(_ a: CrimeMirror, _ b: CrimeMirror) throws {
        for q in Self.queries {
            #expect(try a.query(q) == b.query(q))
            #expect(try a.crimes(q) == b.crimes(q))
        }
    }

    @Test func aV2MirrorOpensWithTheSameAnswers() throws {
        let v2 = try v2Mirror(Self.first)
        #expect(try version(v2) == 2)
        let fresh = TestData.temporaryDirectory("fresh")
        _ = try Ingest.run(paths: Self.first, mirror: .directory(fresh))
        #expect(try version(fresh) == SnapshotFormat.version)
        try expectSameAnswers(CrimeMirror.open(.directory(v2)), CrimeMirror.open(.directory(fresh)))
        // The narrower columns are what make v3 smaller: months in 2 bytes, not 4.
        let s = try CrimeMirror.open(.directory(fresh)).snapshot
        let rows = Int(s.array(.pointCrimeStart, as: UInt32.self).last!)
        #expect(s.raw(.crimeMonth).count == 2 * rows)
        #expect(try CrimeMirror.open(.directory(v2)).snapshot.raw(.crimeMonth).count == 4 * rows)
    }

    @Test func aV2MirrorExtendsLikeAFromScratchIngest() throws {
        let v2 = try v2Mirror(Self.first)
        let summary = try Ingest.run(paths: Self.later, mirror: .directory(v2))
        #expect(summary.partitionsReplaced == 1)
        #expect(try version(v2) == SnapshotFormat.version)
        let fresh = TestData.temporaryDirectory("fresh")
        _ = try Ingest.run(paths: Self.first + Self.later, mirror: .directory(fresh))
        try expectSameAnswers(CrimeMirror.open(.directory(v2)), CrimeMirror.open(.directory(fresh)))
        #expect(try CrimeMirror.open(.directory(v2)).snapshot.meta.crimes == CrimeMirror.open(.directory(fresh)).snapshot.meta.crimes)
    }

    @Test func everyCrimeColumnReadsBackAsWritten() throws {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: Self.first, mirror: .directory(dir))
        let snapshot = try CrimeMirror.open(.directory(dir)).snapshot
        let table = try snapshot.crimeTable()
        // Independently of the column code: the CSVs split by the reference reader, as multisets of
        // (Crime ID, month, location, LSOA code, LSOA name, context, reported by, falls within).
        var expected: [String: Int] = [:], got: [String: Int] = [:]
        for file in Self.first {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for (i, line) in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() where i > 0 {
                let f = ReferenceRows.split(String(line))
                expected[[f[0], f[1], f[6], f[7], f[8], f[11], f[2], f[3], f[10]].joined(separator: "|"), default: 0] += 1
            }
        }
        for r in table.rows {
            let fields = [r.id.text(table.textIDs), Month(ordinal: Int(r.month)).description, table.locations[r.location],
                          table.lsoaCodes[r.lsoaCode], table.lsoaNames[r.lsoaName], table.contexts[r.context],
                          table.agencies[Int32(r.reportedBy)], table.agencies[Int32(r.fallsWithin)], table.outcomes[Int32(r.outcome)]]
            got[fields.joined(separator: "|"), default: 0] += 1
        }
        #expect(got.count > 1000)
        #expect(got == expected)
    }

    /// Every width packs and reads back, 3 bytes included.
    @Test func packedIntegersRoundTrip() {
        var rng = SeededRandom(seed: SeededRandom.seed(2026_1207))  // GEOQUERY_TEST_SEED to try others
        for maximum: UInt32 in [0, 0xFF, 0x100, 0xFFFF, 0x1_0000, 0xFF_FFFF, 0x100_0000, .max] {
            let values = (0..<(PackedIntegers.pieceValues + 1000)).map { _ in UInt32.random(in: 0...maximum, using: &rng) } + [maximum]
            let width = PackedIntegers.width(for: values.max()!)
            #expect(width == (maximum <= 0xFF ? 1 : maximum <= 0xFFFF ? 2 : maximum <= 0xFF_FFFF ? 3 : 4))
            #expect(PackedIntegers.width(for: maximum, formatVersion: 3) == (width == 3 ? 4 : width))
            var bytes: [UInt8] = [], pieces = 0
            PackedIntegers.pack(count: values.count, width: width, { values[$0] }) { bytes += $0; pieces += 1 }
            #expect(pieces == (values.count + PackedIntegers.pieceValues - 1) / PackedIntegers.pieceValues)
            bytes.withUnsafeBytes { raw in
                let packed = PackedIntegers(raw: raw, width: width)
                #expect(raw.count == width * values.count && packed.count == values.count)
                #expect((0..<values.count).allSatisfy { packed[$0] == values[$0] })
            }
        }
    }

    /// The real archive holds more than 65,536 Crime IDs, so v4 packs its index at 3 bytes a slot
    /// where v3 took 4: both find every sampled Crime ID's crimes, as a scan of the rows does.
    @Test func theCrimeIDIndexIsPackedAndFindsTheSameCrimes() throws {
        let v4 = TestData.realMirror
        let table = try v4.snapshot.crimeTable()
        let v3dir = TestData.temporaryDirectory("v3-index")
        _ = try MirrorLocation.directory(v3dir).write(SnapshotBuilder(table: table, synthetic: false, formatVersion: 3).build())
        let v3 = try CrimeMirror.open(.directory(v3dir))
        #expect(try version(v3dir) == 3 && version(TestData.realMirrorPath) == SnapshotFormat.version)
        let columns = try StoredCrimeColumns(v4.snapshot)
        let hex = (0..<columns.count).filter { columns.value(.idKind, $0) == Int(CrimeID.Kind.hex.rawValue) }
        #expect(columns.idSlots > 65_536)
        #expect(v4.snapshot.raw(.crimeIDOrder).count == 3 * hex.count)
        #expect(v3.snapshot.raw(.crimeIDOrder).count == 4 * hex.count)
        // Expected from the rows themselves: every row holding the sampled Crime ID.
        var byID: [String: Int] = [:]
        for i in hex { byID[columns.crime(i).row.id.text(table.textIDs), default: 0] += 1 }
        var rng = SplitMix64(seed: 10)
        for _ in 0..<300 {
            let id = columns.crime(hex[Int(rng.next() % UInt64(hex.count))]).row.id.text(table.textIDs)
            let found = try v4.crimes(persistentID: id)
            #expect(found.count == byID[id] && found.allSatisfy { $0.persistentID == id }, "\(id)")
            #expect(try v3.crimes(persistentID: id) == found)
        }
        #expect(try v4.crimes(persistentID: String(repeating: "0", count: 64)).isEmpty)
    }
}
