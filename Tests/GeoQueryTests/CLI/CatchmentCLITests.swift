import Foundation
import Testing
@testable import GeoQuery

/// `--catchment`, `geoquery catchment` and `geoquery point` through the built binary.
@Suite struct CatchmentCLITests {
    static let leicester = ["--mirror", TestData.realMirrorPath, "--lat", "52.6344", "--lng", "-1.1313", "--radius", "0.5mi", "--from", "2021-01", "--to", "2021-12"]

    func json(_ args: [String]) throws -> [String: Any] {
        let r = try CLIRun.run(args)
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func catchmentObjectInTheQueryJSON() throws {
        let j = try json(Self.leicester + ["--catchment", "--format", "json"])
        let c = try #require(j["catchment"] as? [String: Any])
        for key in ["map_points_inside", "query_area_km2", "union_area_km2", "expansion_ratio", "outside_area_km2",
                    "served_from_outside_km2", "uncovered_km2", "certain", "reported", "possible", "effective_radius_m", "straddlers"] {
            #expect(c[key] != nil, "catchment.\(key)")
        }
        #expect(c["reported"] as? Int == j["total"] as? Int)
        let certain = try #require(c["certain"] as? Int), possible = try #require(c["possible"] as? Int), total = try #require(j["total"] as? Int)
        #expect(certain <= total && total <= possible)
        let straddlers = try #require(c["straddlers"] as? [[String: Any]])
        #expect(!straddlers.isEmpty && straddlers.allSatisfy { ["straddling-in", "straddling-out"].contains($0["relation"] as? String ?? "") })
        // The long form says the same.
        let long = try json(["catchment"] + Self.leicester + ["--format", "json"])
        #expect((long["catchment"] as? [String: Any])?["possible"] as? Int == possible)
    }

    @Test func geojsonHasTheQueryCatchmentsAndPoints() throws {
        let j = try json(["catchment"] + Self.leicester + ["--format", "geojson"])
        #expect(j["type"] as? String == "FeatureCollection")
        let features = try #require(j["features"] as? [[String: Any]])
        let roles = features.compactMap { ($0["properties"] as? [String: Any])?["role"] as? String }
        #expect(roles.filter { $0 == "query" }.count == 1)
        #expect(roles.filter { $0 == "catchment" }.count == roles.filter { $0 == "map_point" }.count)
        #expect(roles.filter { $0 == "catchment" }.count > 100)
    }

    @Test func svgIsWritten() throws {
        let path = TestData.temporaryDirectory("svg") + "/c.svg"
        let r = try CLIRun.run(["catchment"] + Self.leicester + ["--svg", path])
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("Crimes per km² of catchment") && svg.contains("query boundary") && svg.contains("certain"))
        #expect(r.stdout.contains("count bounds"))
    }

    @Test func pointByPlaceAndById() throws {
        let byPlace = try json(["point", "--mirror", TestData.realMirrorPath, "--lat", "52.6344", "--lng", "-1.1313", "--format", "json"])
        let mp = try #require(byPlace["map_point"] as? [String: Any])
        let id = try #require(mp["id"] as? Int)
        let byId = try json(["point", "--mirror", TestData.realMirrorPath, "--id", String(id), "--format", "json"])
        #expect(byId["total"] as? Int == byPlace["total"] as? Int)
        let c = try #require(byId["catchment"] as? [String: Any])
        #expect((c["area_km2"] as? Double ?? 0) > 0)
        #expect((c["geometry"] as? [String: Any])?["type"] as? String == "Polygon")
        let feature = try json(["point", "--mirror", TestData.realMirrorPath, "--id", String(id), "--format", "geojson"])
        #expect(feature["type"] as? String == "Feature")
    }

    @Test func theRootCommandDrawsAndExportsToo() throws {
        let path = TestData.temporaryDirectory("svg") + "/root.svg"
        let geo = try json(Self.leicester + ["--format", "geojson", "--svg", path])
        #expect(geo["type"] as? String == "FeatureCollection")
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("<svg"))
        let long = try CLIRun.run(["catchment"] + Self.leicester + ["--format", "geojson"])
        #expect(try JSONSerialization.jsonObject(with: Data(long.stdout.utf8)) as? NSDictionary == geo as NSDictionary)
    }

    @Test func pointByPostcode() throws {
        let byPostcode = try json(["point", "--mirror", TestData.realMirrorPath, "--postcode", "LE1 5WW", "--format", "json"])
        let centre = try TestData.realMirror.postcodes().resolve("LE1 5WW")
        let byPlace = try json(["point", "--mirror", TestData.realMirrorPath, "--lat", "\(centre.lat)", "--lng", "\(centre.lng)", "--format", "json"])
        #expect((byPostcode["map_point"] as? [String: Any])?["id"] as? Int == (byPlace["map_point"] as? [String: Any])?["id"] as? Int)
    }

    @Test func aPlaceFarOutsideCoverageIsSaidSo() throws {
        let r = try CLIRun.run(["point", "--mirror", TestData.realMirrorPath, "--lat", "49.5", "--lng", "-10.0"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("outside this mirror's coverage"))
    }

    @Test func anAreaWithNoMapPointsReportsZeroAndTheNearest() throws {
        let r = try CLIRun.run(["catchment", "--mirror", TestData.realMirrorPath, "--lat", "53.2", "--lng", "1.3", "--radius", "500m"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("no map point is inside the query") && r.stdout.contains("the nearest is"))
    }

    @Test func badInput() throws {
        let bad = BadInputTests()
        try bad.expectError(["point", "--mirror", TestData.realMirrorPath, "--id", "99999999"], "no map point has id 99999999")
        try bad.expectError(["point", "--mirror", TestData.realMirrorPath, "--id", "-1"], "no map point has id -1")  // a negative id is its value, not an option
        try bad.expectError(["--mirror", TestData.realMirrorPath, "--lat", "52.6", "--lng", "-1.1", "--radius", "10.0001mi"], "radius 10.0001 mi is above the cap")  // not "10.00 mi"
        try bad.expectError(["--mirror", TestData.realMirrorPath, "--lat", "52.6", "--lng", "-1.1", "--radius", "16093.5m"], "radius 10.00004 mi is above the cap")
        try bad.expectError(["point", "--lat", "52.6"], "give --lat and --lng", status: 2)
        try bad.expectError(["point", "--lat", "52.6", "--lng", "-1.1", "--radius", "1km"], "not a radius or polygon", status: 2)
        try bad.expectError(["point", "--mirror", TestData.realMirrorPath, "--lat", "52.6", "--lng", "-1.1", "--poly", "52.6,-1.2:52.7,-1.2:52.7,-1.1"], "point takes a place (--lat/--lng or --postcode) or --id, not a radius or polygon: use 'geoquery catchment' for areas (see 'geoquery point --help')", status: 2)
        // Its help lists what it takes, not the area options it refuses.
        let help = try CLIRun.run(["point", "--help"]).stdout
        #expect(help.contains("--lat") && help.contains("--postcode") && help.contains("--from") && help.contains("--exclude-btp"), "\(help)")
        #expect(!help.contains("--radius") && !help.contains("--poly") && !help.contains("--repair") && !help.contains("--feature-key"), "\(help)")
        try bad.expectError(["--lat", "52.6344", "--lng", "-1.1313", "--catchment", "--format", "csv"], "--catchment has no CSV form")
        try bad.expectError(["catchment", "--lat", "52.6344", "--lng", "-1.1313", "--svg", "/nonexistent/dir/c.svg"], "--svg /nonexistent/dir/c.svg: the folder /nonexistent/dir does not exist", status: 2)
    }
}
