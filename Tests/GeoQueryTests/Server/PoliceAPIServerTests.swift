import Foundation
import Testing
@testable import GeoQuery
@testable import GeoQueryServer

/// `geoquery serve`'s /api/ endpoints on the real mirror, in-process, against the CLI's answers
/// and brute-force scans of independently parsed rows.
@Suite(.serialized) struct PoliceAPIServerTests {
    static let clockTower = (lat: 52.6344, lng: -1.1313)
    static let oneMile = 1609.344

    /// Per-category counts of a crimes-street list.
    static func byCategory(_ list: [[String: Any]]) -> [String: Int] {
        var out: [String: Int] = [:]
        for c in list { out[c["category"] as! String, default: 0] += 1 }
        return out
    }

    @Test func crimesStreetIsTheCLIsPoliceJSONAndTheBruteForceCount() async throws {
        let (lat, lng) = Self.clockTower
        try await TestServer.with { s in
            let r = try await s.get("/api/crimes-street/all-crime?lat=\(lat)&lng=\(lng)&date=2019-01")
            #expect(r.status == 200)
            #expect(r.headers["content-type"]?.hasPrefix("application/json") == true)
            let cli = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--lat", "\(lat)", "--lng", "\(lng)", "--radius", "1mi", "--date", "2019-01", "--format", "police-json"])
            #expect(cli.status == 0)
            #expect(r.body + "\n" == cli.stdout)
            let expected = RadiusQueryTests.bruteForce(lat: lat, lng: lng, metres: Self.oneMile, from: "2019-01", to: "2019-01",
                                                       categories: [], forces: [], excludeBTP: false)
            #expect(r.list.count == expected.total && expected.total > 1000)
            #expect(Self.byCategory(r.list) == expected.byCategory)
            #expect(r.list.filter { $0["location_type"] as? String == "BTP" }.count == expected.btp)
            // Over 256 KB, so sent in parts and logged at its end with its size.
            let size = r.body.utf8.count
            #expect(await s.log.eventually { $0.hasPrefix("GET /api/crimes-street/all-crime 200 ") && $0.hasSuffix(" ms (streamed \(size) bytes)") })
        }
    }

    /// Parameters an endpoint does not use are ignored, as data.police.uk ignores them, and named
    /// in X-GeoQuery-Ignored: a category given as a parameter, lat/lng beside poly, a repeat.
    @Test func unusedParametersAreNamedInAHeader() async throws {
        let (lat, lng) = Self.clockTower
        let poly = "52.64,-1.15:52.64,-1.11:52.62,-1.11:52.62,-1.15"
        try await TestServer.with { s in
            let plain = try await s.get("/api/crimes-street/all-crime?lat=\(lat)&lng=\(lng)&date=2019-01")
            #expect(plain.status == 200 && plain.headers["x-geoquery-ignored"] == nil && plain.list.count > 1000)
            // `repair` without a poly mends nothing (an independent check found it passed silently);
            // a parameter without a name (`&=x`) is not named as an empty one.
            for (query, ignored) in [("lat=\(lat)&lng=\(lng)&date=2019-01&category=burglary&radius=5mi", "category, radius"),
                                     ("lat=\(lat)&lat=10&lng=\(lng)&date=2019-01", "lat"),
                                     ("lat=\(lat)&lng=\(lng)&date=2019-01&repair=true", "repair"),
                                     ("lat=\(lat)&lng=\(lng)&date=2019-01&repair=true&=x", "repair")] {
                let r = try await s.get("/api/crimes-street/all-crime?" + query)
                #expect(r.status == 200 && r.body == plain.body, "\(query)")
                #expect(r.headers["x-geoquery-ignored"] == ignored, "\(query): \(r.headers)")
            }
            let byPoly = try await s.get("/api/crimes-street/all-crime?poly=\(poly)&date=2019-01")
            let both = try await s.get("/api/crimes-street/all-crime?lat=\(lat)&poly=\(poly)&lng=\(lng)&date=2019-01")
            #expect(both.status == 200 && both.body == byPoly.body && byPoly.headers["x-geoquery-ignored"] == nil)
            #expect(both.headers["x-geoquery-ignored"] == "lat, lng", "\(both.headers)")
            let forces = try await s.get("/api/forces?date=2019-01")
            #expect(forces.status == 200 && forces.headers["x-geoquery-ignored"] == "date")
        }
    }

    @Test func aCategorySlugAndTheLatestMonthByDefault() async throws {
        let (lat, lng) = Self.clockTower
        let last = TestData.realMirror.lastMonth!.description
        try await TestServer.with { s in
            let r = try await s.get("/api/crimes-street/burglary?lat=\(lat)&lng=\(lng)&date=2020-06")
            // A category segment with escaped bytes is the category it spells.
            let escaped = try await s.get("/api/crimes-street/%62urglary?lat=\(lat)&lng=\(lng)&date=2020-06")
            #expect(escaped.status == 200 && escaped.body == r.body, "\(escaped.body.prefix(200))")
            let expected = RadiusQueryTests.bruteForce(lat: lat, lng: lng, metres: Self.oneMile, from: "2020-06", to: "2020-06",
                                                       categories: ["burglary"], forces: [], excludeBTP: false)
            #expect(r.status == 200 && r.list.count == expected.total && expected.total > 0)
            #expect(r.list.allSatisfy { $0["category"] as? String == "burglary" && $0["month"] as? String == "2020-06" })
            let latest = try await s.get("/api/crimes-street/all-crime?lat=\(lat)&lng=\(lng)")
            let explicit = try await s.get("/api/crimes-street/all-crime?lat=\(lat)&lng=\(lng)&date=\(last)")
            #expect(latest.status == 200 && latest.body == explicit.body)
            #expect(latest.list.allSatisfy { $0["month"] as? String == last })
        }
    }

    @Test func aPolygonByGETAndByFormPOST() async throws {
        let poly = "52.640,-1.145:52.640,-1.120:52.625,-1.120:52.625,-1.145"
        try await TestServer.with { s in
            let get = try await s.get("/api/crimes-street/all-crime?poly=\(poly)&date=2019-01")
            let post = try await s.post("/api/crimes-street/all-crime", form: "poly=\(poly)&date=2019-01")
            let cli = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--poly", poly, "--date", "2019-01", "--format", "police-json"])
            #expect(get.status == 200 && post.status == 200 && cli.status == 0)
            #expect(get.body + "\n" == cli.stdout)
            #expect(post.body == get.body)
            // Inside the rectangle, brute force.
            let inside = TestData.referenceRows.filter {
                guard let la = $0.lat, let lo = $0.lng else { return false }
                return $0.month == "2019-01" && (52.625...52.640).contains(la) && (-1.145 ... -1.120).contains(lo)
            }
            #expect(get.list.count == inside.count && inside.count > 100)
        }
    }

    @Test func crimesAtLocationByIdAndByNearestPlace() async throws {
        let (lat, lng) = Self.clockTower
        try await TestServer.with { s in
            let street = try await s.get("/api/crimes-street/all-crime?lat=\(lat)&lng=\(lng)&date=2019-01").list
            // The busiest location in the mile.
            var byStreet: [Int: Int] = [:]
            for c in street { byStreet[((c["location"] as! [String: Any])["street"] as! [String: Any])["id"] as! Int, default: 0] += 1 }
            let (id, count) = byStreet.max { $0.value < $1.value }!
            let r = try await s.get("/api/crimes-at-location?location_id=\(id)&date=2019-01")
            #expect(r.status == 200 && r.list.count == count && count > 1)
            let location = (r.list.first?["location"] as? [String: Any]) ?? [:]
            #expect(r.list.allSatisfy { (($0["location"] as! [String: Any])["street"] as! [String: Any])["id"] as? Int == id })
            // The same point found by its own coordinates.
            let la = location["latitude"] as! String, lo = location["longitude"] as! String
            let near = try await s.get("/api/crimes-at-location?lat=\(la)&lng=\(lo)&date=2019-01")
            #expect(near.body == r.body)
            let unknown = try await s.get("/api/crimes-at-location?location_id=99999999&date=2019-01")
            #expect(unknown.status == 404 && unknown.error == "no location has id 99999999")
        }
    }

    @Test func crimesWithNoLocation() async throws {
        try await TestServer.with { s in
            let r = try await s.get("/api/crimes-no-location?category=all-crime&force=leicestershire&date=2019-01")
            let expected = TestData.referenceRows.filter { $0.force == "leicestershire" && $0.month == "2019-01" && $0.lat == nil }
            #expect(r.status == 200 && r.list.count == expected.count && expected.count > 0)
            #expect(r.list.allSatisfy { $0["location"] is NSNull && $0["month"] as? String == "2019-01" })
            // "location_type: Always null for this method" (data.police.uk's crimes-no-location documentation).
            #expect(r.list.allSatisfy { $0["location_type"] is NSNull })
            let burglary = try await s.get("/api/crimes-no-location?category=burglary&force=leicestershire&date=2019-01")
            #expect(burglary.list.count == expected.filter { $0.category == "burglary" }.count)
            let missing = try await s.get("/api/crimes-no-location?category=all-crime&date=2019-01")
            #expect(missing.status == 400 && missing.error == "give force, e.g. force=leicestershire")
        }
    }

    @Test func categoriesLastUpdatedDatesAndForces() async throws {
        let mirror = TestData.realMirror
        try await TestServer.with { s in
            let categories = try await s.get("/api/crime-categories?date=2019-01").list
            #expect(categories.map { $0["url"] as! String } == ["all-crime"] + mirror.categories)
            #expect(categories.first { $0["url"] as? String == "violent-crime" }?["name"] as? String == "Violence and sexual offences")
            let updated = try await s.get("/api/crime-last-updated").json as? [String: Any]
            #expect(updated?["date"] as? String == "\(mirror.lastMonth!)-01")
            // Each month and the forces holding it, from the CSV rows themselves.
            var held: [String: Set<String>] = [:]
            for r in TestData.referenceRows { held[r.month, default: []].insert(r.force) }
            let dates = try await s.get("/api/crimes-street-dates").list
            #expect(dates.map { $0["date"] as! String } == held.keys.sorted(by: >))
            for d in dates { #expect(Set(d["forces"] as! [String]) == held[d["date"] as! String]) }
            let forces = try await s.get("/api/forces").list
            #expect(forces.count == Force.all.count)
            let force = try await s.get("/api/forces/leicestershire")
            let leics = force.json as? [String: Any]
            #expect(leics?["id"] as? String == "leicestershire" && leics?["name"] as? String == "Leicestershire Police")
            // Its keys in the order of a response cut from the live API.
            #expect(Self.topLevelKeys(force.body) == Self.topLevelKeys(try String(contentsOfFile: TestData.shared.appendingPathComponent("api-json/police-data-kit-fixtures/police-force.json").path, encoding: .utf8)))
            #expect(try await s.get("/api/forces/atlantis").status == 404)
            // A path segment with escaped bytes is the id it spells, as the category's is.
            let escaped = try await s.get("/api/forces/leicester%73hire")
            #expect(escaped.status == 200 && escaped.body == force.body, "\(escaped.body.prefix(200))")
        }
    }

    /// A JSON object's own keys in their order (JSONSerialization forgets it).
    static func topLevelKeys(_ json: String) -> [String] {
        var keys: [String] = [], depth = 0, inString = false, escaped = false, text = "", expectKey = false
        for ch in json {
            if inString {
                if escaped { escaped = false; text.append(ch) } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false } else { text.append(ch) }
                continue
            }
            switch ch {
            case "\"": inString = true; text = ""
            case "{", "[": depth += 1; expectKey = depth == 1 && ch == "{"
            case "}", "]": depth -= 1
            case ":": if depth == 1 && expectKey { keys.append(text); expectKey = false }
            case ",": if depth == 1 { expectKey = true }
            default: break
            }
        }
        return keys
    }

    /// Bad input: 400 with one JSON line naming the parameter; unknown things 404; never a 500.
    @Test func badInputIsA400WithOneLine() async throws {
        let cases: [(String, Int, String)] = [
            ("/api/crimes-street/all-crime?lat=52.63&lng=-1.13&date=2019-13", 400, "date '2019-13' is not a month"),
            ("/api/crimes-street/all-crime?lat=north&lng=-1.13", 400, "lat 'north' is not a number"),
            ("/api/crimes-street/all-crime?lat=52.63", 400, "give both lat and lng"),
            ("/api/crimes-street/all-crime", 400, "give lat and lng"),
            ("/api/crimes-street/burglry?lat=52.63&lng=-1.13", 400, "unknown category 'burglry': did you mean burglary?"),
            ("/api/crimes-street/all-crime?poly=52.6,-1.1:52.7,-1.1", 400, "poly"),
            ("/api/crimes-street/all-crime?lat=95&lng=-1.13", 400, "latitude 95.0 is out of range"),
            ("/api/crimes-street/all-crime?lat=52.63&lng=-1.13&date=%FF", 400, "not valid UTF-8"),
            ("/api/crimes-no-location?category=all-crime&force=atlantis&date=2019-01", 400, "unknown force 'atlantis'"),
            ("/api/crimes-at-location?location_id=abc", 400, "location_id 'abc' is not a number"),
            ("/api/outcomes-at-location?date=2019-01", 400, "give location_id, lat and lng (the map points within 1 mile), or poly="),
            // A bow tie: refused with GEOS's reason, offering the repair parameter /api/ takes.
            ("/api/crimes-street/all-crime?poly=52.62,-1.15:52.64,-1.11:52.62,-1.11:52.64,-1.15&date=2019-01", 400, "or pass repair"),
            ("/api/crimes-street/all-crime?poly=52.62,-1.15:52.64,-1.11:52.62,-1.11:52.64,-1.15&date=2019-01&repair=maybe", 400, "repair 'maybe' must be true or false"),
            ("/api/no-such-endpoint", 404, "no endpoint for GET /api/no-such-endpoint: geoquery serves data.police.uk's /api/ paths for street-level crimes, outcomes and forces"),
            // data.police.uk answers these; the mirror holds none of their data, and says so.
            ("/api/stops-street?lat=52.63&lng=-1.13", 404, "not stop and search or neighbourhoods, which it does not mirror"),
            ("/api/leicestershire/neighbourhoods", 404, "not stop and search or neighbourhoods, which it does not mirror"),
            ("/api/outcomes-for-crime/", 404, "no endpoint for GET /api/outcomes-for-crime/"),
        ]
        try await TestServer.with { s in
            for (path, status, phrase) in cases {
                let r = try await s.get(path)
                #expect(r.status == status, "\(path): \(r.status) \(r.body)")
                if !phrase.isEmpty {
                    #expect(r.error?.contains(phrase) == true, "\(path): \(r.body)")
                    #expect(r.body.split(separator: "\n").count == 1)
                }
            }
        }
    }

    /// A postcode asked of a mirror that holds none is a 404 saying so (it was a 500), on /v1/ and
    /// on /crime-incidents (its own table: "Postcode not found").
    @Test func aPostcodeOfAMirrorWithoutPostcodesIs404() async throws {
        try await TestServer.with(try CrimeMirror.open(.sample)) { s in
            for path in ["/v1/query?postcode=LE1%205WW", "/v1/point?postcode=LE1%205WW", "/v1/tile?postcode=LE1%205WW&date=2019-01"] {
                let r = try await s.get(path)
                #expect(r.status == 404 && r.error?.contains("holds no postcodes: load them with 'geoquery ingest") == true, "\(path): \(r.status) \(r.body)")
            }
            let incidents = try await s.get("/crime-incidents/?postcode=LE1+5WW")
            #expect(incidents.status == 404 && incidents.error == "Postcode not found", "\(incidents.status) \(incidents.body)")
        }
    }

    /// A method a known path does not take is 405 with the methods it does take in `Allow`; an
    /// unknown path stays 404, whatever the method.
    @Test func aWrongMethodIs405WithAllow() async throws {
        try await TestServer.with { s in
            for (method, path, allowed) in [("DELETE", "/api/crimes-street/all-crime?lat=52.63&lng=-1.13", "GET, HEAD, POST"),
                                            ("PUT", "/api/forces", "GET, HEAD"), ("POST", "/api/forces/leicestershire", "GET, HEAD"),
                                            ("DELETE", "/v1/query", nil as String?), ("DELETE", "/api/no-such-endpoint", nil)] {
                let reply = try await s.request(method, path)
                if let allowed {
                    #expect(reply.status == 405 && reply.headers["allow"] == allowed, "\(method) \(path): \(reply.status) \(reply.headers)")
                    #expect(reply.error == "\(method) is not answered at \(path.split(separator: "?")[0]): it takes \(allowed)", "\(reply.body)")
                } else if path.hasPrefix("/v1/") {
                    #expect(reply.status == 405 && reply.headers["allow"]?.contains("GET") == true, "\(method) \(path): \(reply.status)")
                } else {
                    #expect(reply.status == 404 && reply.error?.hasPrefix("no endpoint for DELETE /api/no-such-endpoint") == true, "\(reply.body)")
                }
            }
        }
    }

    /// HEAD answers as GET does, without the body; an unknown path is still 404.
    @Test func headIsGetWithoutTheBody() async throws {
        try await TestServer.with { s in
            for path in ["/api/crime-last-updated", "/api/forces", "/api/crimes-street/all-crime?lat=52.63&lng=-1.13&date=2019-01", "/v1/info"] {
                let head = try await s.head(path)
                let get = try await s.get(path)
                #expect(head.status == 200 && get.status == 200 && head.body.isEmpty && !get.body.isEmpty, "\(path): \(head.status)")
                #expect(head.headers["content-type"] == get.headers["content-type"], "\(path)")
            }
            // An unknown path is 404 with the error's headers (a JSON type), still without a body.
            let unknown = try await s.head("/api/no-such-endpoint")
            #expect(unknown.status == 404 && unknown.body.isEmpty && unknown.headers["content-type"]?.hasPrefix("application/json") == true, "\(unknown.headers)")
        }
    }

    /// `repair=true` on a crossing poly answers what the library answers for the repaired polygon.
    @Test func repairedPolyIsTheLibrarysRepairedArea() async throws {
        let poly = "52.62,-1.15:52.64,-1.11:52.62,-1.11:52.64,-1.15"
        var input = QueryInput()
        input.poly = poly
        input.repair = true
        input.date = "2019-01"
        let mirror = TestData.realMirror
        let expected = try mirror.crimes(input.query(in: mirror))
        #expect(expected.count > 0)
        try await TestServer.with { s in
            let r = try await s.get("/api/crimes-street/all-crime?poly=\(poly)&date=2019-01&repair=true")
            #expect(r.status == 200, "\(r.body)")
            #expect(r.list.map { $0["id"] as? Int ?? -1 }.sorted() == expected.map(\.id).sorted())
        }
    }

    /// Escapes URLSession would tidy before sending, checked on the decoder itself.
    @Test func malformedFormEncodingIsBadInput() throws {
        #expect(throws: GeoQueryError.invalidQuery("malformed percent-escape in the parameters: write % as %25")) { try FormParameters(formEncoded: "date=%zz") }
        #expect(throws: GeoQueryError.invalidQuery("the parameters are not valid UTF-8")) { try FormParameters(formEncoded: "date=%C3%28") }
        let p = try FormParameters(formEncoded: "poly=52.6%2C-1.1&category=a&category=b&postcode=LE1+5WW&flag")
        #expect(p["poly"] == "52.6,-1.1" && p.all("category") == ["a", "b"] && p["postcode"] == "LE1 5WW" && p["flag"] == "")
    }

    /// `--api-limits`: an answer over 10,000 crimes is the live service's 503; without it, the answer.
    @Test func overTenThousandCrimesIs503OnlyWithAPILimits() async throws {
        let poly = "53.2,-2.0:53.2,-0.5:52.0,-0.5:52.0,-2.0"
        let total = try TestData.realMirror.query(QueryInput.poly(poly, date: "2019-01")).total
        #expect(total > 10_000)
        try await TestServer.with(apiLimits: true) { s in
            let r = try await s.post("/api/crimes-street/all-crime", form: "poly=\(poly)&date=2019-01")
            #expect(r.status == 503 && r.error?.contains("\(total) crimes") == true)
        }
        try await TestServer.with { s in
            let r = try await s.post("/api/crimes-street/all-crime", form: "poly=\(poly)&date=2019-01")
            #expect(r.status == 200 && r.list.count == total)
        }
    }
}

extension PoliceAPIServerTests {
    /// `--api-limits`: a GET URL over 4,094 characters is a 400 (the same request POSTed is fine).
    @Test func longGETURLsAre400OnlyWithAPILimits() async throws {
        // A 260-vertex circle around the clock tower: a real area whose poly string is long.
        let ring = (0..<260).map { i -> String in
            let a = Double(i) / 260 * 2 * .pi
            return String(format: "%.6f,%.6f", 52.6344 + 0.01 * sin(a), -1.1313 + 0.016 * cos(a))
        }.joined(separator: ":")
        let query = "poly=\(ring)&date=2019-01"
        #expect(("/api/crimes-street/all-crime?" + query).utf8.count > 4_094)
        try await TestServer.with(apiLimits: true) { s in
            let get = try await s.get("/api/crimes-street/all-crime?" + query)
            #expect(get.status == 400 && get.error?.contains("over the live API's limit of 4094") == true, "\(get.body)")
            let post = try await s.post("/api/crimes-street/all-crime", form: query)
            #expect(post.status == 200 && post.list.count > 100)
        }
        try await TestServer.with { s in
            let get = try await s.get("/api/crimes-street/all-crime?" + query)
            #expect(get.status == 200 && get.list.count > 100)
        }
    }

    /// `--api-limits`: a burst of 30 is served, then 429 with Retry-After; without it, no 429.
    @Test func beyondTheBurstIs429WithRetryAfter() async throws {
        try await TestServer.with(apiLimits: true) { s in
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<60 {
                let r = try await s.get("/api/crime-last-updated")
                statuses.append(r.status)
                if r.status == 429 { retryAfter = r.headers["retry-after"] }
            }
            #expect(statuses.prefix(30).allSatisfy { $0 == 200 })
            #expect(statuses.contains(429) && Set(statuses) == [200, 429])
            #expect(retryAfter == "1")
        }
        try await TestServer.with { s in
            for _ in 0..<60 { let r = try await s.get("/api/crime-last-updated"); #expect(r.status == 200) }
        }
    }

    @Test func crimeIncidentsByPostcode() async throws {
        let mirror = TestData.realMirror
        let centre = try mirror.postcodes().resolve("LE1 5WW")
        try await TestServer.with { s in
            let spaced = try await s.get("/crime-incidents/?postcode=LE1+5WW")
            let unspaced = try await s.get("/crime-incidents?postcode=le15ww")
            #expect(spaced.status == 200 && unspaced.body == spaced.body)
            let data = (spaced.json as? [String: Any])?["data"] as? [[String: Any]] ?? []
            let street = try await s.get("/api/crimes-street/all-crime?lat=\(centre.lat)&lng=\(centre.lng)")
            #expect(data.count == street.list.count && data.count > 100)
            #expect(data.allSatisfy { $0["month"] as? String == mirror.lastMonth!.description })
            // A Durham postcode: the latest month holds no crime within its mile (only Leicestershire
            // has that month), so PostcodeArea's empty answer.
            let durham = try mirror.postcodes().resolve("DH1 1AB")
            let last = mirror.lastMonth!.description
            #expect(RadiusQueryTests.bruteForce(lat: durham.lat, lng: durham.lng, metres: Self.oneMile, from: last, to: last,
                                                categories: [], forces: [], excludeBTP: false).total == 0)
            for (postcode, status, message) in [("nowhere", 400, "Invalid postcode format"), ("LE1+9ZZ", 404, "Postcode not found"),
                                                ("DH1+1AB", 404, "No Results Found")] {
                let r = try await s.get("/crime-incidents/?postcode=\(postcode)")
                #expect(r.status == status && r.error == message, "\(postcode): \(r.body)")
            }
        }
    }
}

extension PoliceAPIServerTests {
    /// `--api-limits` changes nothing for small answers: /v1/, crime-incidents and the listings
    /// answer byte for byte as without it.
    @Test func smallAnswersAreTheSameWithAPILimits() async throws {
        let paths = ["/v1/query?lat=52.6344&lng=-1.1313&radius=0.5mi&date=2019-01",
                     "/v1/catchment?lat=52.6344&lng=-1.1313&radius=0.25mi&date=2019-01",
                     "/v1/point?lat=52.6344&lng=-1.1313&date=2019-01",
                     "/v1/report?lat=52.6344&lng=-1.1313&radius=0.25mi&date=2019-01",
                     "/v1/compare?lat=52.6344&lng=-1.1313&lat2=51.5155&lng2=-0.0922&radius=0.25mi&date=2019-01",
                     "/v1/tile?lat=52.6344&lng=-1.1313&radius=1mi&date=2019-01",
                     "/v1/info", "/v1/openapi.json",
                     "/crime-incidents/?postcode=LE1+5WW",
                     "/api/crime-categories?date=2019-01", "/api/crime-last-updated", "/api/crimes-street-dates",
                     "/api/forces", "/api/forces/leicestershire", "/api/crimes-no-location?force=leicestershire&date=2019-01"]
        // One burst's worth, so the rate limit does not come into it.
        #expect(Double(paths.count) < APILimits.burst)
        let without = LogLines()
        try await TestServer.with { s in
            for path in paths {
                let r = try await s.get(path)
                #expect(r.status == 200, "\(path): \(r.body.prefix(200))")
                without.append(r.body)
            }
        }
        try await TestServer.with(apiLimits: true) { s in
            for (path, body) in zip(paths, without.lines) {
                let r = try await s.get(path)
                #expect(r.status == 200 && r.body == body, "\(path): \(r.status) \(r.body.prefix(200))")
            }
        }
    }
}

extension QueryInput {
    /// A one-month polygon query, for tests.
    static func poly(_ poly: String, date: String) throws -> CrimeQuery {
        var i = QueryInput()
        i.poly = poly
        i.date = date
        return try i.query()
    }
}
