import Foundation
import Testing
@testable import GeoQuery
@testable import GeoQueryServer

/// No request pays for a catchment build, and crimes-street says what the mirror lacks.
@Suite(.serialized) struct ServerPolishTests {
    /// Every file of a folder with what identifies its contents now (a write or a rename changes it).
    static func files(_ dir: String) throws -> [String: FileIdentity] {
        var out: [String: FileIdentity] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) { out[name] = FileIdentity(dir + "/" + name) }
        return out
    }

    /// Leicestershire and City of London for 2019-01, clipped to the force boundaries: small, real.
    static func ingestSmallMirror() throws -> String {
        let dir = TestData.temporaryDirectory("catchments-at-ingest")
        let files = ["leicestershire", "city-of-london"].map { TestData.archive + "/2019-01/2019-01-\($0)-street.csv" }
        let summary = try Ingest.run(paths: files, boundaries: [TestData.forceBoundaries], mirror: .directory(dir))
        #expect(summary.catchmentsComputed && summary.phases.contains { $0.0 == "catchments" })
        return dir
    }

    @Test func aFreshlyIngestedMirrorHasItsCatchmentsAndTheFirstRequestWritesNothing() async throws {
        let dir = try Self.ingestSmallMirror()
        let path = dir + "/" + CatchmentFile.fileName
        let mirror = try CrimeMirror.open(.directory(dir))
        // The file is there and made for this snapshot (info reads its identity).
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(mirror.info.catchmentBytes != nil)
        let before = try Self.files(dir)
        try await TestServer.with(mirror) { s in
            let r = try await s.get("/v1/catchment?lat=52.6344&lng=-1.1313&radius=0.5mi&date=2019-01")
            #expect(r.status == 200, "\(r.body)")
            // The answer is the library's, computed from the stored catchments.
            let expected = try mirror.catchmentReport(.radius(lat: 52.6344, lng: -1.1313, try Distance(parsing: "0.5mi"), from: Month("2019-01"), to: Month("2019-01")))
            #expect(r.body == expected.result.json(area: expected.area, catchment: expected) + "\n" && expected.mapPointsInside > 0)
        }
        #expect(try Self.files(dir) == before, "a request wrote to the mirror folder")
    }

    @Test func aServerBuildsMissingCatchmentsBeforeItListens() async throws {
        let dir = try Self.ingestSmallMirror()
        let path = dir + "/" + CatchmentFile.fileName
        try FileManager.default.removeItem(atPath: path)
        let mirror = try CrimeMirror.open(.directory(dir))
        #expect(mirror.info.catchmentBytes == nil)
        try await TestServer.with(mirror) { s in
            // Listening already means built: the file is back before any request is sent.
            #expect(FileManager.default.fileExists(atPath: path))
            let before = try Self.files(dir)
            let r = try await s.get("/v1/catchment?lat=51.5155&lng=-0.0922&radius=0.25mi&date=2019-01")
            #expect(r.status == 200, "\(r.body)")
            #expect(try Self.files(dir) == before)
        }
    }

    /// `X-GeoQuery-Coverage`: `complete` where the mirror holds every force of the area that month,
    /// else the (force, month)s it lacks, by the force areas' own reckoning.
    @Test func crimesStreetSaysWhichForceMonthsAreMissing() async throws {
        let mirror = TestData.realMirror
        try await TestServer.with { s in
            // Canterbury (Kent): the real mirror holds Kent for 2019-01 only, and BTP for 40 months.
            for (lat, lng) in [(51.2795, 1.0830), (52.6344, -1.1313), (54.7761, -1.5733)] {
                let force = try #require(ForceAreas.builtIn.force(at: lat, lng))
                for month in ["2019-01", "2019-06", "2020-03"] {
                    let r = try await s.get("/api/crimes-street/all-crime?lat=\(lat)&lng=\(lng)&date=\(month)")
                    #expect(r.status == 200, "\(r.body)")
                    let header = try #require(r.headers["x-geoquery-coverage"], "\(r.headers)")
                    let held = mirror.holds(force: force, month: Month(month)!)
                    if held {
                        #expect(!header.contains("\(force):"), "\(force) \(month): \(header)")
                    } else {
                        #expect(header.hasPrefix("partial; missing=") && header.contains("\(force):\(month)"), "\(force) \(month): \(header)")
                        #expect(r.list.isEmpty || r.list.allSatisfy { ($0["location_type"] as? String) == "BTP" }, "crimes of a force not held")
                    }
                    if header == "complete" { #expect(held) }
                }
            }
        }
    }

    /// The answers for one place or force carry the same header: an empty list at a place whose
    /// force-month the mirror lacks is missing data, not "no crime". The cases are the archive's
    /// facts: the City is held for 2019-01, not 2019-06; the Met never; BTP to 2019-02 (its
    /// stations in Leicester and Edinburgh, outside every force area); no outcomes file at all.
    @Test func placeAndForceAnswersSayWhenTheirForceMonthIsMissing() async throws {
        let mirror = TestData.realMirror
        #expect(mirror.holds(force: "city-of-london", month: Month("2019-01")!) && !mirror.holds(force: "city-of-london", month: Month("2019-06")!))
        #expect(mirror.holds(force: "btp", month: Month("2019-01")!) && !mirror.holds(force: "btp", month: Month("2020-06")!) && mirror.holds(force: "leicestershire", month: Month("2020-06")!))
        try await TestServer.with { s in
            func header(_ path: String) async throws -> String {
                let r = try await s.get("/api/" + path)
                #expect(r.status == 200, "\(path): \(r.body)")
                return r.headers["x-geoquery-coverage"] ?? "none"
            }
            for (path, expected) in [
                ("crimes-at-location?lat=51.5155&lng=-0.0922&date=2019-01", "complete"),
                ("crimes-at-location?lat=51.5155&lng=-0.0922&date=2019-06", "partial; missing=city-of-london:2019-06"),
                ("crimes-at-location?lat=51.50&lng=-0.135&date=2019-01", "partial; missing=metropolitan:2019-01"),
                ("crimes-at-location?location_id=125957&date=2019-01", "complete"),                  // Leicester station
                ("crimes-at-location?location_id=125957&date=2020-06", "partial; missing=btp:2020-06"),
                ("crimes-at-location?lat=55.95&lng=-3.19&date=2020-06", "partial; missing=btp:2020-06"), // Edinburgh
                ("crimes-no-location?force=city-of-london&date=2019-01", "complete"),
                ("crimes-no-location?force=city-of-london&date=2019-06", "partial; missing=city-of-london:2019-06"),
                ("crimes-no-location?force=metropolitan&date=2019-01", "partial; missing=metropolitan:2019-01"),
                ("outcomes-at-location?location_id=125957&date=2019-01", "partial; missing=btp:2019-01,leicestershire:2019-01"),
            ] {
                let got = try await header(path)
                #expect(got == expected, "\(path): \(got), expected \(expected)")
            }
            // outcomes-at-location by POST (a harvest sends a circle's 512-gon so): the same answer
            // and header as GET (it was 404).
            let poly = "52.64,-1.15:52.64,-1.11:52.62,-1.11:52.62,-1.15"
            let got = try await s.get("/api/outcomes-at-location?poly=\(poly)&date=2019-01")
            let posted = try await s.post("/api/outcomes-at-location", form: "poly=\(poly)&date=2019-01")
            #expect(posted.status == 200 && posted.body == got.body && posted.headers["x-geoquery-coverage"] == got.headers["x-geoquery-coverage"], "\(posted.status) \(posted.body.prefix(200))")
            // outcomes-at-location over an area: every force of it lacks the month's outcomes.
            let area = try await header("outcomes-at-location?lat=51.5155&lng=-0.0922&date=2019-01")
            #expect(area.hasPrefix("partial; missing=") && area.contains("city-of-london:2019-01") && area.contains("metropolitan:2019-01"), "\(area)")
        }
    }

    /// A second server on a port the first holds: one plain sentence, not NIO's
    /// "bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)".
    @Test func aPortInUseIsSaidPlainly() async throws {
        try await TestServer.with { first in
            var options = ServerOptions()
            options.port = Int(first.base.split(separator: ":").last!)!
            let second = MirrorServer(mirror: TestData.realMirror, options: options, log: { _ in })
            let error = await #expect(throws: GeoQueryError.self) { try await second.run(stopOnSignals: false) }
            #expect(error?.description == "port \(options.port) is already in use (another server listens there): choose another with --port, or --port 0 for a free one")
        }
    }
}
