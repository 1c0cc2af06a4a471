import Foundation
import Testing
@testable import GeoQuery

/// `query(_:fields:)` (issue 10: a batch line computes only what it writes): whatever keys are
/// asked, the JSON written with them is byte for byte what the full answer writes with them.
@Suite struct ResultPartsTests {
    /// Peer radius lines, LSOAs (border ones among them, where coverage runs GEOS), a circle with
    /// no map point near and one in the sea far from any (the nearest-point notes), a force filter.
    static let queries: [CrimeQuery] = {
        let peers = try! String(contentsOfFile: TestData.packageRoot.appendingPathComponent("Benchmarks/peers/queries.jsonl").path, encoding: .utf8)
        var qs = peers.split(separator: "\n").prefix(200).map { try! QueryInput(batchLine: BatchLine(String($0))).query(in: TestData.realMirror) }
        for (i, p) in SettledSharesTests.lsoas.enumerated() where i % 4 == 0 {
            qs.append(.polygon(p, from: Month(year: 2019, month: 1 + i % 12), to: Month(year: 2020, month: 1 + i % 12)))
        }
        qs.append(.radius(lat: 52.6344, lng: -1.1313, try! Distance(parsing: "2m")))
        qs.append(.radius(lat: 54.5, lng: -4.5, try! Distance(parsing: "1mi")))
        qs.append(.radius(lat: 52.6344, lng: -1.1313, try! Distance(parsing: "1mi"), forces: ["leicestershire", "kent"], excludeBTP: true))
        return qs
    }()

    /// A choice of keys lists them in the result's order, leaves out names that are not keys,
    /// and `all` holds every key.
    @Test func fieldsKeepTheKeysInTheResultsOrder() {
        #expect(QueryResult.Fields(["notes", "total", "no-such-key", "by_category"]).keys == ["total", "by_category", "notes"])
        #expect(QueryResult.Fields.all.keys == QueryResult.jsonKeys && QueryResult.Fields(QueryResult.jsonKeys) == .all)
        #expect(QueryResult.Fields([]).keys.isEmpty)
        for fields in Self.fieldSets { #expect(Set(QueryResult.Fields(fields).keys) == fields) }
    }

    /// `fields: nil` still means every key (it compiles: the `Fields` forms take no optional) and
    /// answers as `Fields.all` and as `query(_:)`.
    @Test func nilFieldsMeanEveryKey() throws {
        let m = TestData.realMirror, q = Self.queries[0]
        let none = try m.query(q, fields: nil), all = try m.query(q, fields: .all), plain = try m.query(q)
        #expect(none == all && all == plain)
        var a: [UInt8] = [], b: [UInt8] = []
        none.appendJSON(to: &a, area: q.area, fields: nil)
        all.appendJSON(to: &b, area: q.area, fields: .all)
        #expect(a == b && String(decoding: a, as: UTF8.self) == none.json(area: q.area))
    }

    /// Every key alone, the benchmark's pair, and seeded random subsets.
    static let fieldSets: [Set<String>] = {
        var sets = QueryResult.jsonKeys.map { Set([$0]) } + [["total", "by_category"], ["notes", "total"], ["area_km2", "density_per_km2"]]
        var rng = SplitMix64(seed: 10)
        for _ in 0..<24 { sets.append(Set(QueryResult.jsonKeys.filter { _ in rng.next() % 3 == 0 })) }
        return sets
    }()

    @Test func askedKeysWriteWhatTheFullAnswerWrites() throws {
        let m = TestData.realMirror
        var compared = 0
        for (i, q) in Self.queries.enumerated() {
            let full = try m.query(q)
            // Five field sets per query, rotating, so every set meets radius and polygon lines.
            for k in 0..<5 {
                let fields = Self.fieldSets[(i * 5 + k) % Self.fieldSets.count]
                let part = try m.query(q, fields: fields)
                #expect(part.json(area: q.area, fields: fields) == full.json(area: q.area, fields: fields), "query \(i), fields \(fields.sorted())")
                // The keys read once (as batch does) answer and write the same.
                let once = QueryResult.Fields(fields)
                var bytes: [UInt8] = [], onceBytes: [UInt8] = []
                part.appendJSON(to: &bytes, area: q.area, fields: fields)
                try m.query(q, fields: once).appendJSON(to: &onceBytes, area: q.area, fields: once)
                #expect(onceBytes == bytes, "query \(i), fields \(fields.sorted()) read once")
                compared += 1
            }
        }
        #expect(compared == Self.queries.count * 5)
    }

    /// The counts are there whatever is asked, and the skipped parts are really skipped.
    @Test func unaskedPartsAreLeftEmpty() throws {
        let border = try #require(Self.queries.first { q in
            guard case .polygon = q.area else { return false }
            return (try? TestData.realMirror.query(q).coverage.forces.count) ?? 0 > 1
        })
        let full = try TestData.realMirror.query(border)
        let part = try TestData.realMirror.query(border, fields: ["total", "by_category"])
        #expect(part.total == full.total && part.byCategory == full.byCategory && part.byOutcome == full.byOutcome)
        #expect(part.coverage.forces.isEmpty && part.notes.isEmpty && part.areaKm2 == 0)
        #expect(full.coverage.forces.count > 1 && full.areaKm2 > 0)
    }
}
