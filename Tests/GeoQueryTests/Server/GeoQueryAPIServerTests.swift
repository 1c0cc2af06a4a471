import Foundation
import Testing
@testable import GeoQuery
@testable import GeoQueryServer

/// `/v1/`: exactly the CLI's output for the same parameters, and an OpenAPI document that stays true.
@Suite(.serialized) struct GeoQueryAPIServerTests {
    /// CLI arguments for an HTTP query string (`lat=1&exclude_btp=true` → `--lat 1 --exclude-btp`).
    static func arguments(_ query: String) -> [String] {
        query.split(separator: "&").flatMap { pair -> [String] in
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let flag = "--" + kv[0].replacingOccurrences(of: "_", with: "-")
            return kv.count == 1 || kv[1] == "true" ? [flag] : [flag, kv[1].removingPercentEncoding!]
        }
    }

    func expectSameAsCLI(_ s: TestServer, _ path: String, _ command: [String], _ query: String) async throws {
        let r = try await s.get("/v1/\(path)?\(query)")
        let cli = try CLIRun.run(command + ["--mirror", TestData.realMirrorPath] + Self.arguments(query))
        #expect(r.status == 200 && cli.status == 0, "\(path)?\(query): \(r.body) / \(cli.stderr)")
        #expect(r.body == cli.stdout, "\(path)?\(query)")
    }

    @Test func eachEndpointAnswersWhatTheCLIPrints() async throws {
        try await TestServer.with { s in
            try await expectSameAsCLI(s, "query", ["query", "--format", "json"], "lat=52.6344&lng=-1.1313&radius=0.5mi&date=2019-01")
            try await expectSameAsCLI(s, "query", ["query", "--format", "json"], "lat=52.6344&lng=-1.1313&radius=800m&from=2019-06&to=2020-05&category=burglary&category=robbery&exclude_btp=true")
            try await expectSameAsCLI(s, "query", ["query", "--format", "json"], "poly=52.640,-1.145:52.640,-1.120:52.625,-1.120&date=2019-01")
            try await expectSameAsCLI(s, "query", ["query", "--format", "json"], "postcode=LE1%205WW&radius=0.25mi&date=2019-01")
            try await expectSameAsCLI(s, "catchment", ["catchment", "--format", "json"], "lat=52.6344&lng=-1.1313&radius=0.5mi&date=2019-01")
            try await expectSameAsCLI(s, "catchment", ["catchment", "--format", "geojson"], "lat=52.6344&lng=-1.1313&radius=0.25mi&date=2019-01&format=geojson")
            try await expectSameAsCLI(s, "report", ["report", "--format", "json"], "lat=51.5155&lng=-0.0922&radius=0.5mi")
            try await expectSameAsCLI(s, "report", ["report", "--format", "html"], "lat=51.5155&lng=-0.0922&radius=0.5mi&format=html")
            // The catchment's SVG picture is the file `geoquery catchment --svg FILE` writes.
            let svgQuery = "lat=52.6344&lng=-1.1313&radius=0.25mi&date=2019-01"
            let svgFile = TestData.temporaryDirectory("svg") + "/catchment.svg"
            let svg = try await s.get("/v1/catchment?\(svgQuery)&format=svg")
            let cliSVG = try CLIRun.run(["catchment", "--svg", svgFile, "--mirror", TestData.realMirrorPath] + Self.arguments(svgQuery))
            #expect(svg.status == 200 && cliSVG.status == 0 && svg.headers["content-type"] == "image/svg+xml", "\(svg.body.prefix(200)) / \(cliSVG.stderr)")
            #expect(svg.body == (try String(contentsOfFile: svgFile, encoding: .utf8)) && svg.body.contains("<svg"))
            // /v1/point: `geoquery point` by place, postcode and id, as JSON and GeoJSON.
            try await expectSameAsCLI(s, "point", ["point", "--format", "json"], "lat=52.6344&lng=-1.1313&date=2019-01")
            try await expectSameAsCLI(s, "point", ["point", "--format", "json"], "postcode=LE1%205WW&from=2019-06&to=2020-05&category=burglary&exclude_btp=true")
            try await expectSameAsCLI(s, "point", ["point", "--format", "geojson"], "lat=52.6344&lng=-1.1313&format=geojson")
            let bank = try #require(TestData.realMirror.nearestMapPoint(lat: 51.5155, lng: -0.0922))
            try await expectSameAsCLI(s, "point", ["point", "--format", "json"], "id=\(bank.index)&date=2019-01")
            try await expectSameAsCLI(s, "tile", ["tile", "--format", "json"], "lat=52.6344&lng=-1.1313&radius=2mi&date=2019-01")
            try await expectSameAsCLI(s, "compare", ["compare", "--format", "json"], "lat=52.6344&lng=-1.1313&lat2=51.5155&lng2=-0.0922&radius=0.5mi&date=2019-01")
            try await expectSameAsCLI(s, "compare", ["compare", "--format", "json"], "lat=52.6344&lng=-1.1313&radius=0.5mi&poly2=52.64,-1.15:52.62,-1.11:52.64,-1.11&date=2019-01")
            let info = try await s.get("/v1/info")
            #expect(info.body == (try CLIRun.run(["info", "--format", "json", "--mirror", TestData.realMirrorPath])).stdout)
            #expect((info.json as? [String: Any])?["crimes"] as? Int == TestData.realMirror.info.crimes)
            let text = try await s.get("/v1/info?format=text")
            #expect(text.body == (try CLIRun.run(["info", "--mirror", TestData.realMirrorPath])).stdout)
            // format=api-urls: what `geoquery query --api-urls` prints on stdout.
            let urls = try await s.get("/v1/query?lat=52.6344&lng=-1.1313&radius=0.5mi&from=2019-01&to=2019-03&format=api-urls")
            let cliURLs = try CLIRun.run(["query", "--api-urls", "--mirror", TestData.realMirrorPath] + Self.arguments("lat=52.6344&lng=-1.1313&radius=0.5mi&from=2019-01&to=2019-03"))
            #expect(urls.status == 200 && urls.body == cliURLs.stdout && urls.body.hasPrefix("https://data.police.uk/api/crimes-street/"), "\(urls.body.prefix(200))")
        }
    }

    /// /v1/tile with force= or exclude_btp= carries the warning `geoquery tile` gives (the live
    /// API has no force filter), in the same JSON the CLI prints; its cap and headroom are
    /// checked as the CLI checks them.
    @Test func tileWarnsThatTheAPICannotFilterByForce() async throws {
        try await TestServer.with { s in
            for filter in ["exclude_btp=true", "force=leicestershire"] {
                let query = "lat=52.6344&lng=-1.1313&radius=1km&date=2019-01&" + filter
                try await expectSameAsCLI(s, "tile", ["tile", "--format", "json"], query)
                let r = try await s.get("/v1/tile?" + query)
                let warnings = (r.json as? [String: Any])?["warnings"] as? [String] ?? []
                #expect(warnings.first == TilePlanner.forceFilterWarning, "\(filter): \(warnings)")
            }
            let plain = try await s.get("/v1/tile?lat=52.6344&lng=-1.1313&radius=1km&date=2019-01")
            #expect(((plain.json as? [String: Any])?["warnings"] as? [String] ?? []).contains(TilePlanner.forceFilterWarning) == false)
            for (bad, phrase) in [("limit=-5", "limit must be a positive number of crimes (got -5)"), ("margin=1.5", "margin must be in (0, 1] (got 1.5)"),
                                  ("category=burglary&category=robbery", "give category at most once")] {
                let r = try await s.get("/v1/tile?lat=52.6344&lng=-1.1313&radius=1km&date=2019-01&" + bad)
                #expect(r.status == 400 && r.error?.contains(phrase) == true && r.error?.contains("--") == false, "\(bad): \(r.body)")
            }
            // A plan of more requests than the server builds (limit=2 over England and Wales: an
            // independent check saw it hold a core for 15 minutes) is refused at once, 413.
            let started = Date()
            let huge = try await s.get("/v1/tile?date=2019-01&poly=49.8,-6.5:55.9,-6.5:55.9,2.0:49.8,2.0&limit=2&format=urls")
            #expect(huge.status == 413 && huge.error?.contains("over the 2,000 one plan may hold: give a larger limit (the live API's is 10,000) or a smaller area") == true, "\(huge.body)")
            #expect(Date().timeIntervalSince(started) < 20 * Sanitizer.slowdown)
        }
    }

    @Test func theCLIsChecksWithParameterNames() async throws {
        let q = "/v1/query?"
        // Messages from the library's deeper checks (QueryPlan, Circle, PolygonReader) too: each
        // names the parameter as it is written here, never as the CLI's flag.
        let cases: [(String, String)] = [
            (q + "lat=52.63&lng=-1.13&from=2019-13", "from '2019-13' is not a month"),
            (q + "lat=52.63&lng=-1.13&date=2019-01&to=2019-02", "use either date or from/to, not both"),
            (q + "lat=52.63", "give both lat and lng"),
            (q + "lat=52.63&lng=-1.13&radius=500mi", "cap of 10 mi"),
            (q + "lat=52.63&lng=-1.13&poly=52.6,-1.1:52.7,-1.1:52.6,-1.2", "poly gives the area: leave out lat/lng/radius/postcode"),
            (q + "lat=52.63&lng=-1.13&radious=1mi", "unknown parameter 'radious'"),
            // A single-valued parameter twice: the CLI keeps the last, this kept the first (a new user's check).
            (q + "lat=52.6344&lng=-1.1313&radius=1mi&lat=10", "lat is given more than once: give it once (only category and force repeat)"),
            (q + "postcode=LE1%209ZZ", "postcode not found: LE1 9ZZ"),
            (q + "lat=52.63&lng=-1.13&force=btp&exclude_btp=true", "force=btp and exclude_btp contradict each other: give one"),
            (q + "lat=-1.13&lng=52.63", "looks swapped: for the UK latitude is 49–61 and longitude -9–2 (try lat=52.63&lng=-1.13)"),
            (q + "lat=52.63&lng=-1.13&from=2020-01&to=2019-01", "from 2020-01 is after to 2019-01"),
            (q + "wkt=POLYGON((-1.15%2052.64,-1.11%2052.64,-1.11%2052.62,-1.15%2052.62))", "close it (repeat the first point at the end), or pass repair=true to have it closed"),
            (q + "poly=52.63,-1.14:52.64,-1.12:52.62,-1.14:52.64,-1.14", "fix it, or pass repair=true to let GEOS MakeValid repair it"),
            ("/v1/catchment?poly=52.63,-1.14:52.64,-1.12:52.62,-1.14:52.64,-1.14", "fix it, or pass repair=true to let GEOS MakeValid repair it"),
            ("/v1/point?lat=-1.13&lng=52.63", "(try lat=52.63&lng=-1.13)"),
            ("/v1/point?lat=52.63&lng=-1.13&force=btp&exclude_btp=true", "force=btp and exclude_btp contradict each other"),
            ("/v1/point?lat=52.63", "give lat and lng of a place, or postcode (or id of a map point)"),
            ("/v1/point?lat=52.63&lng=-1.13&radius=1mi", "point takes a place (lat/lng) or id, not a radius or polygon (radius given)"),
            ("/v1/point?lat=52.63&lng=-1.13&repair=true", "not a radius or polygon (repair given): use /v1/catchment for areas"),
            // An overflowing radius is said to be so, not "0 mi is above the cap".
            (q + "lat=52.63&lng=-1.13&radius=1e308km", "'1e308km' is not a distance"),
            ("/v1/point?id=7&lat=52.63&lng=-1.13", "give id or a place (lat/lng or postcode), not both"),
            ("/v1/point?id=seven", "id 'seven' is not a whole number"),
            ("/v1/point?id=99999999", "no map point has id 99999999"),
            ("/v1/openapi.json?x=1", "unknown parameter 'x' (it takes none)"),
            ("/api/crimes-at-location?lat=-1.13&lng=52.63&date=2019-01", "(try lat=52.63&lng=-1.13)"),
        ]
        try await TestServer.with { s in
            for (path, phrase) in cases {
                let r = try await s.get(path)
                let notHeld = phrase.hasPrefix("postcode not found") || phrase.hasPrefix("no map point")
                #expect(r.status == (notHeld ? 404 : 400), "\(path): \(r.body)")
                #expect(r.error?.contains(phrase) == true, "\(path): \(r.body)")
                #expect(r.error?.contains("--") == false, "\(path): a CLI flag in \(r.body)")
            }
            // GeoJSON POSTed as a form (curl --data's default type) is told how to send it, not
            // "unknown parameter '{"type":…'".
            let geojson = #"{"type":"Polygon","coordinates":[[[-1.15,52.64],[-1.11,52.64],[-1.11,52.62],[-1.15,52.64]]]}"#
            let asForm = try await s.post("/v1/query", form: geojson)
            #expect(asForm.status == 400 && asForm.error?.hasPrefix("the body was sent as a form (Content-Type: application/x-www-form-urlencoded) but reads as JSON: send GeoJSON with Content-Type: application/geo+json") == true, "\(asForm.body)")
        }
    }

    /// The document parses, names every route, and each operation's example and parameters work.
    @Test func theOpenAPIDocumentIsTrue() async throws {
        try await TestServer.with { s in
            let r = try await s.get("/v1/openapi.json")
            let doc = try #require(r.json as? [String: Any])
            #expect(doc["openapi"] as? String == "3.1.0")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            let served = GeoQueryAPI.endpoints.map { "/v1/" + $0.path } + ["/v1/openapi.json"]
            #expect(Set(paths.keys) == Set(served))
            for (path, operations) in paths {
                let get = try #require(operations["get"] as? [String: Any])
                let example = get["x-example"] as? String ?? ""
                let answer = try await s.get(path + (example.isEmpty ? "" : "?" + example))
                #expect(answer.status == 200, "\(path)?\(example): \(answer.body)")
                let types = ((get["responses"] as? [String: Any])?["200"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
                let type = answer.headers["content-type"]?.split(separator: ";").first.map(String.init) ?? ""
                #expect(types.keys.contains(type), "\(path): \(type) not documented")
                // Every documented parameter is taken; an undocumented one is refused.
                let names = ((get["parameters"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
                for name in names {
                    let probe = try await s.get(path + "?" + (example.isEmpty ? "" : example + "&") + "\(name)=x")
                    #expect(probe.error?.contains("unknown parameter") != true, "\(path): \(name) documented but refused")
                }
                if path != "/v1/openapi.json" {
                    let undocumented = try await s.get(path + "?" + (example.isEmpty ? "" : example + "&") + "zzz=1")
                    #expect(undocumented.status == 400 && undocumented.error?.contains("unknown parameter 'zzz'") == true, "\(path)")
                }
            }
        }
    }
}
