import Foundation
import Testing
@testable import GeoQuery

/// The ingest's merge of per-file tables (three passes on all cores) against merging them one at
/// a time by the rule, computed here on the rows' texts.
@Suite struct CrimeTableMergeTests {
    /// One file's table, read as the ingest reads it.
    static func table(_ path: String) throws -> CrimeTable {
        var table = CrimeTable()
        let bytes = try IngestSource.expand([path])[0].load()
        _ = try bytes.withUnsafeBufferPointer { try PoliceCSV.read($0, name: path, into: &table) }
        return table
    }

    /// A row by its texts, so tables with different string ids compare.
    static func text(_ r: CrimeRow, _ t: CrimeTable) -> String {
        let id = r.id.kind == .text ? "text:" + t.textIDs[Int32(truncatingIfNeeded: r.id.w0)] : r.id.text(t.textIDs)
        return [id, "\(r.latE6),\(r.lngE6)", "\(r.month)", t.forces[Int32(r.force)], t.categories[Int32(r.category)],
                t.outcomes[Int32(r.outcome)], t.agencies[Int32(r.reportedBy)], t.agencies[Int32(r.fallsWithin)],
                t.locations[r.location], t.lsoaCodes[r.lsoaCode], t.lsoaNames[r.lsoaName], t.contexts[r.context]].joined(separator: "|")
    }

    static func text(_ e: OutcomeEvent, _ t: CrimeTable) -> String {
        [e.id.text(t.textIDs), "\(e.month)", t.forces[Int32(e.force)], t.outcomes[Int32(e.outcome)]].joined(separator: "|")
    }

    static func strings(_ t: StringTable) -> [String] { (0..<t.count).map { t[Int32($0)] } }

    /// Files in input order with restatements: Kent's 2019-01 read twice (the second replaces the
    /// first), City of London's street and outcomes files for 2019-01, and months on either side.
    static let files: [String] = {
        let a = TestData.archive, o = TestData.outcomes
        return [a + "/2019-01/2019-01-kent-street.csv", a + "/2019-01/2019-01-city-of-london-street.csv",
                o + "/2019-01/2019-01-city-of-london-outcomes.csv", a + "/2019-02/2019-02-city-of-london-street.csv",
                a + "/2019-01/2019-01-btp-street.csv", a + "/2019-01/2019-01-kent-street.csv",
                a + "/2019-02/2019-02-btp-street.csv"]
    }()

    @Test(arguments: [false, true])
    func mergingAllAtOnceEqualsMergingOneByOne(intoHeldRows: Bool) throws {
        let tables = try Self.files.map(Self.table)
        // The rule, on texts: a later table restating a (force, month) drops what came before.
        var expectedRows: [(partition: String, text: String)] = [], expectedEvents: [(partition: String, text: String)] = []
        var expectedStrings: [[String]] = Array(repeating: [], count: 9)
        func strings(_ t: CrimeTable) -> [[String]] {
            [t.forces, t.agencies, t.categories, t.outcomes, t.locations, t.lsoaCodes, t.lsoaNames, t.contexts, t.textIDs].map(Self.strings)
        }
        var merged = CrimeTable()
        var inputs = tables
        if intoHeldRows {
            // The table already holds the first file (as a re-ingest's mirror does).
            merged = inputs.removeFirst()
        }
        for (k, list) in strings(merged).enumerated() { expectedStrings[k] = list }
        expectedRows = merged.rows.map { ("\(merged.forces[Int32($0.force)]) \($0.month)", Self.text($0, merged)) }
        for t in inputs {
            let street = Set(t.rows.map { "\(t.forces[Int32($0.force)]) \($0.month)" })
            let outcome = Set(t.events.map { "\(t.forces[Int32($0.force)]) \($0.month)" })
            expectedRows.removeAll { street.contains($0.partition) }
            expectedEvents.removeAll { outcome.contains($0.partition) }
            expectedRows += t.rows.map { ("\(t.forces[Int32($0.force)]) \($0.month)", Self.text($0, t)) }
            expectedEvents += t.events.map { ("\(t.forces[Int32($0.force)]) \($0.month)", Self.text($0, t)) }
            for (k, list) in strings(t).enumerated() {
                for s in list where !expectedStrings[k].contains(s) { expectedStrings[k].append(s) }
            }
        }
        try merged.merge(&inputs)
        #expect(inputs.allSatisfy { $0.rows.isEmpty && $0.events.isEmpty })
        // Kent 2019-01 restated: its first reading is gone, so the rows are fewer than read.
        #expect(merged.rows.count < tables.reduce(0) { $0 + $1.rows.count })
        #expect(merged.rows.count == expectedRows.count)
        let rowsAgree = merged.rows.map { Self.text($0, merged) } == expectedRows.map(\.text)
        #expect(rowsAgree)
        #expect(!merged.events.isEmpty)
        let eventsAgree = merged.events.map { Self.text($0, merged) } == expectedEvents.map(\.text)
        #expect(eventsAgree)
        // String ids as interning table by table gives them.
        #expect(strings(merged) == expectedStrings)
    }

    /// Limits are checked as the one-by-one merge did: the table that passes one is refused.
    @Test func aTableThatPassesALimitIsRefused() throws {
        var tables: [CrimeTable] = []
        for k in 0..<70 {
            var t = CrimeTable()
            var r = CrimeRow()
            r.force = UInt8(t.forces.intern("force-\(k)"))
            r.month = 24_000
            t.rows.append(r)
            tables.append(t)
        }
        var merged = CrimeTable()
        #expect(throws: GeoQueryError.self) { try merged.merge(&tables) }
    }
}
