import Foundation
import Testing
@testable import GeoQuery
import GeoQueryServer

/// `outcomes-for-crime` and `outcomes-at-location` against the City of London outcomes CSVs read
/// independently (see ``OutcomeData``), with and without `--api-limits`.
@Suite(.serialized) struct OutcomeAPIServerTests {
    /// (Crime ID, outcome name) pairs of an `outcomes-at-location` answer, sorted.
    static func pairs(_ r: TestServer.Reply) -> [String] {
        r.list.map { o in
            let crime = o["crime"] as? [String: Any], category = o["category"] as? [String: Any]
            return "\(crime?["persistent_id"] as? String ?? "?") \(category?["name"] as? String ?? "?")"
        }.sorted()
    }

    @Test func outcomesForCrimeIsTheCrimeAndEveryOutcome() async throws {
        try await TestServer.with(OutcomeData.mirror) { s in
            for id in OutcomeData.randomIDs(12, seed: 7) {
                let r = try await s.get("/api/outcomes-for-crime/\(id)")
                #expect(r.status == 200, "\(r.body)")
                // The id with its first byte escaped is the same id.
                let escaped = try await s.get("/api/outcomes-for-crime/%\(String(id.utf8.first!, radix: 16))\(id.dropFirst())")
                #expect(escaped.status == 200 && escaped.body == r.body, "\(escaped.body.prefix(200))")
                // Keys in the order of a response cut from the live API: outcomes, then crime.
                #expect(PoliceAPIServerTests.topLevelKeys(r.body) == ["outcomes", "crime"], "\(r.body.prefix(80))")
                let body = r.json as? [String: Any] ?? [:]
                let outcomes = body["outcomes"] as? [[String: Any]] ?? []
                let expected = OutcomeData.events[id]!
                #expect(outcomes.map { ($0["category"] as? [String: Any])?["name"] as? String ?? "" } == expected.map(\.name))
                #expect(outcomes.map { $0["date"] as? String ?? "" } == expected.map(\.month))
                #expect(outcomes.allSatisfy { $0["person_id"] is NSNull })
                #expect(outcomes.allSatisfy { o in
                    let c = o["category"] as? [String: Any]
                    return c?["code"] as? String == CrimeOutcome.code(forName: c?["name"] as? String ?? "")
                })
                // The crime: as the street files give it, when the mirror holds its month.
                if let rows = OutcomeData.streetRows[id] {
                    let crime = body["crime"] as? [String: Any] ?? [:]
                    #expect(crime["persistent_id"] as? String == id)
                    #expect(rows.contains { $0.month == crime["month"] as? String && $0.category == crime["category"] as? String })
                    let location = crime["location"] as? [String: Any]
                    if let row = rows.first(where: { !$0.lat.isEmpty }) {
                        #expect(location?["latitude"] as? String == row.lat && location?["longitude"] as? String == row.lng)
                    }
                    let id = crime["id"] as? Int ?? -1
                    #expect(id >= 0 && id < 1 << 53)
                    // The real API's crime here has no outcome_status (the outcomes are the answer),
                    // and a crime without a location has a null location_type.
                    #expect(crime["outcome_status"] == nil && crime.keys.sorted() == ["category", "context", "id", "location", "location_subtype", "location_type", "month", "persistent_id"])
                    #expect((location == nil) == (crime["location_type"] is NSNull))
                } else {
                    #expect(body["crime"] is NSNull)
                }
            }
            // 404 for a well-formed id the mirror lacks, 400 for text that is not an id.
            let unknown = try await s.get("/api/outcomes-for-crime/\(String(repeating: "ab", count: 32))")
            #expect(unknown.status == 404 && unknown.error != nil)
            let malformed = try await s.get("/api/outcomes-for-crime/not%20a%20crime%20id")
            #expect(malformed.status == 400 && malformed.error?.contains("not a Crime ID") == true, "\(malformed.body)")
        }
    }

    @Test func outcomesAtLocationByNearestPlaceByIdAndByPolygon() async throws {
        // Locations with outcomes in a month: the first few located crimes with one, by Crime ID.
        var asked: [(lat: String, lng: String, month: String)] = []
        for id in OutcomeData.events.keys.sorted() where asked.count < 4 {
            guard let row = OutcomeData.streetRows[id]?.first(where: { !$0.lat.isEmpty }),
                  let e = OutcomeData.events[id]?.first(where: { $0.month >= row.month }) else { continue }
            asked.append((row.lat, row.lng, e.month))
        }
        #expect(asked.count == 4)
        try await TestServer.with(OutcomeData.mirror) { s in
            for a in asked {
                let atPoint = OutcomeData.outcomes(in: a.month) { lat, lng in
                    String(format: "%.6f", lat) == a.lat && String(format: "%.6f", lng) == a.lng
                }
                #expect(!atPoint.isEmpty)
                // lat/lng: the map points within 1 mile (WGS84 geodesic), as the live API and crimes-street.
                let (cLat, cLng) = (Double(a.lat)!, Double(a.lng)!)
                let withinMile = OutcomeData.outcomes(in: a.month) { lat, lng in
                    Geodesic.wgs84.distance(lat1: cLat, lng1: cLng, lat2: lat, lng2: lng) <= PoliceAPIServerTests.oneMile
                }
                let near = try await s.get("/api/outcomes-at-location?lat=\(a.lat)&lng=\(a.lng)&date=\(a.month)")
                #expect(near.status == 200 && OutcomeAPIServerTests.pairs(near) == withinMile && withinMile.count >= atPoint.count, "\(near.body.prefix(300))")
                let locationID = OutcomeData.mirror.mapPoint(OutcomeData.mirror.nearestMapPoint(lat: cLat, lng: cLng)!.index).id
                let byID = try await s.get("/api/outcomes-at-location?location_id=\(locationID)&date=\(a.month)")
                #expect(byID.status == 200 && OutcomeAPIServerTests.pairs(byID) == atPoint, "\(byID.body.prefix(300))")
            }
            // A box over the western half of the City, its edges between the 6-decimal coordinates.
            let (south, north, west, east) = (51.5100005, 51.5200005, -0.1100005, -0.0900005)
            for month in ["2018-12", "2019-01", "2019-02"] {
                let expected = OutcomeData.outcomes(in: month) { lat, lng in lat > south && lat < north && lng > west && lng < east }
                #expect(expected.count > 20)
                let poly = "\(south),\(west):\(north),\(west):\(north),\(east):\(south),\(east)"
                let r = try await s.get("/api/outcomes-at-location?poly=\(poly)&date=\(month)")
                #expect(r.status == 200 && OutcomeAPIServerTests.pairs(r) == expected, "\(month): \(r.body.prefix(300))")
            }
            // Months whose crimes the mirror holds but no outcomes file: no outcomes, by the same
            // reading (the engine skips its walk over the crimes when no event has the month).
            for month in ["2018-10", "2020-06"] {
                let expected = OutcomeData.outcomes(in: month) { lat, lng in lat > south && lat < north && lng > west && lng < east }
                let crimes = OutcomeData.streetRows.values.joined().filter { $0.month == month && !$0.lat.isEmpty }
                #expect(expected.isEmpty && !crimes.isEmpty, "\(month): \(expected.count) outcomes, \(crimes.count) crimes")
                let poly = "\(south),\(west):\(north),\(west):\(north),\(east):\(south),\(east)"
                let r = try await s.get("/api/outcomes-at-location?poly=\(poly)&date=\(month)")
                #expect(r.status == 200 && r.list.isEmpty, "\(month): \(r.body.prefix(300))")
            }
            let badDate = try await s.get("/api/outcomes-at-location?location_id=1&date=2019-13")
            #expect(badDate.status == 400)
            let badPoly = try await s.get("/api/outcomes-at-location?poly=51.5,-0.1:51.6,-0.1&date=2019-01")
            #expect(badPoly.status == 400)
            let noPlace = try await s.get("/api/outcomes-at-location?date=2019-01")
            #expect(noPlace.status == 400)
            let unknownPoint = try await s.get("/api/outcomes-at-location?location_id=999999999&date=2019-01")
            #expect(unknownPoint.status == 404)
        }
    }

    /// `--api-limits`: more than 10,000 outcomes in one answer is the live service's 503. The
    /// City's real months hold ~700 outcomes, so one more month is written: 10,001 outcomes
    /// for real City crimes.
    @Test func overTenThousandOutcomesIs503OnlyWithAPILimits() async throws {
        let folder = TestData.temporaryDirectory("outcomes-many")
        let file = folder + "/2019-03-city-of-london-outcomes.csv"
        func inBox(_ r: OutcomeData.StreetRow) -> Bool {
            guard let lat = Double(r.lat), let lng = Double(r.lng) else { return false }
            return r.month <= "2019-03" && lat > 51.50 && lat < 51.53 && lng > -0.12 && lng < -0.07
        }
        let located = OutcomeData.streetRows.filter { $0.value.contains(where: inBox) }.keys.sorted()
        var csv = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n"
        for k in 0...10_000 {
            csv += "\(located[k % located.count]),2019-03,City of London Police,City of London Police,,,No location,,,Suspect charged\n"
        }
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let dir = TestData.temporaryDirectory("outcomes-limit")
        _ = try Ingest.run(paths: OutcomeData.streetFiles + [file], mirror: .directory(dir))
        let m = try CrimeMirror.open(.directory(dir))
        let poly = "51.50,-0.12:51.53,-0.12:51.53,-0.07:51.50,-0.07"
        // Each generated outcome counts once, where its crime is placed, when that is inside the box.
        var expected = 0
        for k in 0...10_000 {
            guard let (lat, lng) = OutcomeData.place(of: located[k % located.count], by: "2019-03", in: m) else { continue }
            if lat > 51.50 && lat < 51.53 && lng > -0.12 && lng < -0.07 { expected += 1 }
        }
        #expect(expected > 10_000)
        try await TestServer.with(m, apiLimits: true) { s in
            let r = try await s.get("/api/outcomes-at-location?poly=\(poly)&date=2019-03")
            #expect(r.status == 503 && r.error?.contains("\(expected) outcomes") == true, "\(r.body.prefix(200))")
            let small = try await s.get("/api/outcomes-for-crime/\(located[0])")
            #expect(small.status == 200)
        }
        try await TestServer.with(m) { s in
            let r = try await s.get("/api/outcomes-at-location?poly=\(poly)&date=2019-03")
            #expect(r.status == 200 && r.list.count == expected)
        }
    }
}
