import Foundation
import Testing
@testable import GeoQuery

/// Every outcome event per Crime ID survives ingest, re-ingest and supersession, checked against
/// the outcomes CSVs read independently.
@Suite(.serialized) struct OutcomeHistoryTests {
    static func history(_ m: CrimeMirror, _ id: String) throws -> [OutcomeData.Event] {
        try m.outcomeHistory(persistentID: id).map { OutcomeData.Event(month: $0.month.description, name: $0.name) }
    }

    @Test func everyCrimeIDsOutcomesAreKeptInOrder() throws {
        let m = OutcomeData.mirror
        #expect(OutcomeData.events.count > 1_000)
        #expect(OutcomeData.events.values.contains { $0.count > 1 })
        for (id, events) in OutcomeData.events {
            #expect(try OutcomeHistoryTests.history(m, id) == events, "\(id)")
        }
        let codes = try m.outcomeHistory(persistentID: OutcomeData.events.keys.sorted()[0]).map(\.code)
        #expect(codes.allSatisfy { !$0.isEmpty && !$0.contains(" ") })
        #expect(try m.outcomeHistory(persistentID: String(repeating: "0", count: 64)).isEmpty)
        #expect(throws: GeoQueryError.self) { try m.outcomeHistory(persistentID: "not an id") }
    }

    @Test func reIngestAndSupersessionKeepEachEventOnce() throws {
        let dir = TestData.temporaryDirectory("outcomes-again")
        _ = try Ingest.run(paths: OutcomeData.streetFiles + OutcomeData.outcomeFiles, mirror: .directory(dir))
        // The same outcomes files again (each replaces its own (force, month)), then one street month.
        _ = try Ingest.run(paths: OutcomeData.outcomeFiles, mirror: .directory(dir))
        _ = try Ingest.run(paths: [OutcomeData.streetFiles[0]], mirror: .directory(dir))
        let m = try CrimeMirror.open(.directory(dir))
        for (id, events) in OutcomeData.events {
            #expect(try OutcomeHistoryTests.history(m, id) == events, "\(id)")
        }
    }

    @Test func crimesByPersistentIDMatchTheStreetFiles() throws {
        let m = OutcomeData.mirror
        for id in OutcomeData.randomIDs(40, seed: 11) + Array(OutcomeData.streetRows.keys.sorted().prefix(20)) {
            let rows = OutcomeData.streetRows[id] ?? []
            let crimes = try m.crimes(persistentID: id)
            #expect(crimes.count == rows.count, "\(id)")
            #expect(crimes.map { "\($0.month) \($0.category) \($0.located ? Format.microDegrees($0.mapPoint.latE6) : "")" }.sorted()
                    == rows.map { "\($0.month) \($0.category) \($0.lat)" }.sorted(), "\(id)")
            // The same crimes, ids included, as the map point's own listing gives them.
            for c in crimes {
                let plan = try QueryPlan(.radius(lat: 0, lng: 0, Distance(metres: 1)), mirror: m)
                let point = c.located ? m.mapPointIndex(id: c.mapPoint.id)! : m.mapPointCount
                #expect(try m.crimes(atPoints: [point], plan).contains(c))
            }
        }
    }
}
