import Foundation
import Testing
@testable import GeoQuery

/// The byte-level WKT and GeoJSON readers (issue 10) against GEOS's own readers: the same
/// coordinates on every real LSOA and force boundary, and on malformed text the same accept or
/// refuse with the same error line as the path through GEOS's readers.
@Suite struct PolygonReaderBytesTests {
    static var boundaryFiles: [String] {
        let lsoa = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad").path
        let files = (try? FileManager.default.contentsOfDirectory(atPath: lsoa)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().map { lsoa + "/" + $0 } + [TestData.forceBoundaries]
    }

    typealias Parts = [[[Polygon.Coordinate]]]

    static func parts(_ g: Geometry) -> Parts {
        g.polygonRings.map { $0.map { $0.map { Polygon.Coordinate(lat: $0.1, lng: $0.0) } } }
    }

    /// The outcome of a read as comparable text: the polygon's rings and warnings, or the error line.
    static func outcome(_ read: () throws -> Polygon) -> String {
        do {
            let p = try read()
            return "ok \(p.parts.map { $0.map { $0.map { "\($0.lng.bitPattern) \($0.lat.bitPattern)" } } }) \(p.warnings)"
        } catch {
            return "error \(error)"
        }
    }

    @Test func realBoundariesReadAsGEOSReadsThem() throws {
        let context = GEOSContext()
        var features = 0, invalid = 0
        for path in Self.boundaryFiles {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            // GEOS reads a FeatureCollection as a collection of its features' geometries, in order.
            let collection = try context.readGeoJSON(text).subgeometries()
            let doc = try #require(JSONBytes(text))
            let read = try #require(PolygonReader.geojsonParts(doc, key: nil), "\(path)")
            #expect(read.count == collection.count, "\(path)")
            for (feature, g) in zip(read, collection) {
                features += 1
                let geos = Self.parts(g)
                #expect(feature.read.parts == geos, "\(path) \(feature.name)")
                #expect(!feature.read.hasOpenRing)
                // The same text as WKT (GEOS's writer): the byte WKT reader and GEOS's agree too.
                let wkt = g.wkt
                let wktRead = try #require(PolygonReader.wktParts(wkt), "\(feature.name)")
                #expect(wktRead.parts == Self.parts(try context.readWKT(wkt)), "\(feature.name)")
                // Validation on the coordinates gives what validation of GEOS's geometry gives.
                for repair in [false, true] {
                    let source = "GeoJSON feature \(feature.name)"
                    let bytes = Self.outcome { try PolygonReader.validated(feature.read, repair: repair, source: source) }
                    let viaGEOS = Self.outcome { try PolygonReader.validated(g, repair: repair, source: source) }
                    #expect(bytes == viaGEOS, "\(feature.name) repair \(repair)")
                    if !repair && bytes.hasPrefix("error") { invalid += 1 }
                }
                // A poly string of the exterior (lat,lng as Swift writes Doubles) reads back exactly.
                let ring = geos[0][0]
                let poly = ring.dropLast().map { "\($0.lat),\($0.lng)" }.joined(separator: ":")
                if geos.count == 1 && geos[0].count == 1, let p = try? PolygonReader.poly(poly) {
                    #expect(p.parts == [[ring]], "\(feature.name)")
                }
            }
        }
        #expect(features == 1006 + 43)
        #expect(invalid == 5)  // four LSOAs and Hampshire cross themselves, by either path
    }

    /// Malformed and unusual WKT: the public reader (bytes first) and the path through GEOS's
    /// reader accept and refuse alike, with the same words.
    @Test func wktCorpusAsGEOSReadsIt() {
        let square = "-1.15 52.62, -1.11 52.62, -1.11 52.64, -1.15 52.64"
        let corpus: [(text: String, bytesRead: Bool)] = [
            ("POLYGON((\(square), -1.15 52.62))", true),
            ("  polygon ( ( \(square) , -1.15 52.62 ) )  ", true),
            ("POLYGON((-115e-2 5262E-2, -1.11 +52.62, -1.11 52.64, -1.15 52.64, -1.15 52.62))", true),
            ("MULTIPOLYGON(((\(square), -1.15 52.62)), ((-1.05 52.62, -1.01 52.62, -1.01 52.64, -1.05 52.62)))", true),
            ("POLYGON((\(square), -1.15 52.62), (-1.14 52.625, -1.12 52.625, -1.12 52.635, -1.14 52.625))", true),
            ("POLYGON((\(square)))", true),                       // open ring
            ("POLYGON((-1.15 52.62, -1.11 52.62, -1.13 52.64))", true),   // open, three points
            ("POLYGON((-1.15 52.62, -1.11 52.62, -1.15 52.62))", false), // closed, too few points
            ("POLYGON((-1.15 52.62, -1.11 52.62))", false),
            ("POLYGON((-1.15 52.62))", false),
            ("POLYGON(())", false),
            ("POLYGON((\(square), -1.15 52.62)", false),          // truncated
            ("POLYGON((\(square), -1.15", false),
            ("POLYGON((\(square), -1.15 52.62)) extra", false),
            ("POLYGON((NaN 52.62, -1.11 52.62, -1.11 52.64, NaN 52.62))", false),
            ("POLYGON((-1.15 52.62, inf 52.62, -1.11 52.64, -1.15 52.62))", false),
            ("POLYGON((-1.1.5 52.62, -1.11 52.62, -1.11 52.64, -1.15 52.62))", false),
            ("POLYGON((-1.15x 52.62, -1.11 52.62, -1.11 52.64, -1.15 52.62))", false),
            ("POLYGON((-1.15,52.62, -1.11,52.62, -1.11,52.64, -1.15,52.62))", false),
            ("POLYGON((- 52.62, -1.11 52.62, -1.11 52.64, - 52.62))", false),
            ("POLYGON((1e 52.62, -1.11 52.62, -1.11 52.64, 1e 52.62))", false),
            ("POLYGON Z((-1.15 52.62 1, -1.11 52.62 1, -1.11 52.64 1, -1.15 52.62 1))", false),
            ("POLYGON((-1.15 52.62 1, -1.11 52.62 1, -1.11 52.64 1, -1.15 52.62 1))", false),
            ("POLYGON EMPTY", false),
            ("POINT(-1.13 52.63)", false),
            ("LINESTRING(-1.15 52.62, -1.11 52.62)", false),
            ("GEOMETRYCOLLECTION(POLYGON((\(square), -1.15 52.62)))", false),
            ("POLYGON((\(square), -1.15 52.62)", false),
            ("POLYGON((((((((", false),
            ("", false),
            ("POLYGON((52.62 -1.15, 52.62 -1.11, 52.64 -1.11, 52.64 -1.15, 52.62 -1.15))", true),   // swapped
            ("POLYGON((-1.15 52.62, -1.11 52.64, -1.11 52.62, -1.15 52.64, -1.15 52.62))", true),   // bow tie
            ("POLYGON((-1.15 52.62, -1.15 52.62, -1.15 52.62, -1.15 52.62))", true),                // one point
            ("POLYGON((-1.15 99.62, -1.11 52.62, -1.11 52.64, -1.15 99.62))", true),                // out of range
            ("POLYGON((-1.15 52.6\u{FFFD}2, -1.11 52.62, -1.11 52.64, -1.15 52.62))", false),       // non-UTF-8, decoded
            ("POLYGON((-1.15 5.2e400, -1.11 52.62, -1.11 52.64, -1.15 5.2e400))", true),
            ("POLYGON((-1.150000000000000000001 52.62, -1.11 52.62, -1.11 52.64, -1.150000000000000000001 52.62))", true),
        ]
        // Text after the geometry is refused (GEOS 3.11 alone would ignore it).
        for (text, rest) in [("POLYGON((\(square), -1.15 52.62)) extra", "extra"), ("MULTIPOLYGON(((\(square), -1.15 52.62))),garbage", ",garbage"),
                             ("POLYGON((\(square), -1.15 52.62)))", ")")] {
            #expect(throws: GeoQueryError.invalidQuery("invalid WKT: unexpected text after the end of the geometry: '\(rest)'")) { try PolygonReader.wkt(text) }
        }
        for text in corpus.map(\.0) where text.contains(#""name":"a","name""#) || text.contains(#"],"coordinates""#) {
            let key = text.contains(#""name":"a""#) ? "name" : "coordinates"
            #expect(throws: GeoQueryError.invalidQuery("the GeoJSON gives '\(key)' more than once in one object: give each key once")) { try PolygonReader.geojson(text) }
        }
        for (text, bytesRead) in corpus {
            #expect((PolygonReader.wktParts(text) != nil) == bytesRead, "\(text)")
            for repair in [false, true] {
                let bytes = Self.outcome { try PolygonReader.wkt(text, repair: repair) }
                let viaGEOS = Self.outcome { try PolygonReader.wktThroughGEOS(text, repair: repair) }
                #expect(bytes == viaGEOS, "\(text) repair \(repair)")
            }
        }
    }

    /// Malformed and unusual GeoJSON, as for WKT.
    @Test func geojsonCorpusAsGEOSReadsIt() {
        let ring = "[[-1.15,52.62],[-1.11,52.62],[-1.11,52.64],[-1.15,52.64],[-1.15,52.62]]"
        let open = "[[-1.15,52.62],[-1.11,52.62],[-1.11,52.64],[-1.15,52.64]]"
        let hole = "[[-1.14,52.625],[-1.12,52.625],[-1.12,52.635],[-1.14,52.625]]"
        let corpus: [(text: String, bytesRead: Bool)] = [
            (#"{"type":"Polygon","coordinates":[\#(ring)]}"#, true),
            (#" { "coordinates" : [ \#(ring) , \#(hole) ] , "type" : "Polygon" , "bbox": [1,2,3,4] } "#, true),
            (#"{"type":"MultiPolygon","coordinates":[[\#(ring)],[[[-1.05,52.62],[-1.01,52.62],[-1.01,52.64],[-1.05,52.62]]]]}"#, true),
            (#"{"type":"Feature","properties":{"name":"Sq\u00fcare \"one\""},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#, true),
            (#"{"type":"Feature","id":"f1","properties":null,"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#, true),
            (#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"LSOA11CD":"E1"},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}},{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[\#(hole)]}}]}"#, true),
            (#"{"type":"Polygon","coordinates":[\#(open)]}"#, true),
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,52.62],[-1.15,52.62]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,52.62]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[]}"#, false),
            (#"{"type":"Polygon","coordinates":[[]]}"#, false),
            (#"{"type":"Polygon","coordinates":[\#(ring)"#, false),
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,NaN],[-1.11,52.64],[-1.15,52.62]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,"52.62"],[-1.11,52.64],[-1.15,52.62]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,052.62],[-1.11,52.64],[-1.15,52.62]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,.62],[-1.11,52.64],[-1.15,52.62]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62,0],[-1.11,52.62,0],[-1.11,52.64,0],[-1.15,52.62,0]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[[[-1.15],[-1.11],[-1.11],[-1.15]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[[[[[[-1.15,52.62]]]]]]}"#, false),
            (#"{"type":"Polygon","coordinates":[[-1.15,52.62,-1.11,52.62]]}"#, false),
            (#"{"type":"Polygon","coordinates":5}"#, false),
            (#"{"type":"Polygon"}"#, false),
            (#"{"type":"Point","coordinates":[-1.13,52.63]}"#, false),
            (#"{"type":"LineString","coordinates":[[-1.15,52.62],[-1.11,52.62]]}"#, false),
            (#"{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[\#(ring)]}]}"#, false),
            (#"{"type":"Feature","properties":{},"geometry":null}"#, false),
            (#"{"type":"Feature","properties":{"name":5},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#, false),
            (#"{"type":"FeatureCollection","features":[]}"#, false),
            (#"{"type":"FeatureCollection","features":[1]}"#, false),
            (#"{"type":"Topology"}"#, false),
            (#"[1,2]"#, false),
            (#"{"type":"Polygon","coordinates":[\#(ring)]} trailing"#, false),
            (#"{"type":"Polygon","coordinates":[\#(ring)],}"#, false),
            (#"{"type":"Polygon","coordinates":[\#(ring)]}}"#, false),
            ("{\"type\":\"Feature\",\"properties\":{\"name\":\"a\u{1}b\"},\"geometry\":null}", false),
            (#"{"type":"Feature","properties":{"name":"\ud800"},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#, false),
            ("{\"type\":\"Feature\",\"properties\":{\"name\":\"caf\u{FFFD}\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[\(ring)]}}", true),   // non-UTF-8, decoded
            ("", false),
            (String(repeating: "[", count: 5000), false),
            (#"{"type":"Polygon","coordinates":[[[52.62,-1.15],[52.62,-1.11],[52.64,-1.11],[52.64,-1.15],[52.62,-1.15]]]}"#, true),  // swapped
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,52.64],[-1.11,52.62],[-1.15,52.64],[-1.15,52.62]]]}"#, true),  // bow tie
            (#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.15,52.62],[-1.15,52.62],[-1.15,52.62]]]}"#, true),
            // A key given twice, at any depth: refused both ways (Foundation alone read the last).
            (#"{"type":"Polygon","coordinates":[\#(ring)],"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#, false),
            (#"{"type":"Feature","properties":{"name":"a","name":"b"},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#, false),
            (#"{"type":"Polygon","coordinates":[[[-1.15e0,5262e-2],[-1.11,52.62],[-1.11,52.64],[-1.150000000000000000001,52.62]]]}"#, true),
        ]
        for (text, bytesRead) in corpus {
            let read = JSONBytes(text).flatMap { PolygonReader.geojsonParts($0, key: nil) }
            #expect((read != nil) == bytesRead, "\(text.prefix(200))")
            for repair in [false, true] {
                let bytes = Self.outcome { try PolygonReader.geojson(text, repair: repair) }
                let viaGEOS = Self.outcome {
                    let features = try PolygonReader.geojsonFeaturesThroughGEOS(text, key: nil, selecting: .init(), repair: repair)
                    guard features.count > 1 else {
                        guard let f = features.first else { throw GeoQueryError.invalidQuery("the GeoJSON holds no Polygon or MultiPolygon") }
                        return f.polygon
                    }
                    let context = GEOSContext()
                    return Polygon(try context.union(features.map { try $0.polygon.geometry(in: context) }), warnings: features.flatMap(\.polygon.warnings))
                }
                #expect(bytes == viaGEOS, "\(text.prefix(200)) repair \(repair)")
            }
        }
    }

    /// Batch lines read from bytes: the same query fields as Foundation's reading, and on
    /// malformed lines the same error line.
    @Test func batchLinesAsFoundationReadsThem() throws {
        let peers = try String(contentsOfFile: TestData.packageRoot.appendingPathComponent("Benchmarks/peers/queries.jsonl").path, encoding: .utf8)
        var lines = peers.split(separator: "\n").prefix(300).map(String.init)
        lines += [
            #"{"id":"a\"b\u00e9\ud83d\ude00","lat":"52.63","lng":-1.13e0,"radius":1,"category":"burglary","force":["leicestershire","btp"],"exclude_btp":true}"#,
            #"{"id":[1,{"b":2,"a":1}],"lat":52.63,"lng":-1.13,"radius":0.25,"date":"2020-01","repair":1}"#,
            #"{"id":1.5,"lat":52.63,"lng":-1.13,"radius":"800m","exclude_btp":1}"#,
            #"{"id":-0,"lat":52.63,"lng":-1.13,"category":[]}"#,
            #"{"id":12345678901234567890,"poly":"52.64,-1.15:52.64,-1.11:52.62,-1.11","from":"2020-01"}"#,
            #"{"id":null,"wkt":"POLYGON((-1.15 52.62, -1.11 52.62, -1.11 52.64, -1.15 52.62))","to":"2020-06"}"#,
            #"{"geojson":{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,52.62],[-1.11,52.64],[-1.15,52.62]]]}}"#,
            #"{"geojson":"{\"type\":\"Polygon\",\"coordinates\":[[[-1.15,52.62],[-1.11,52.62],[-1.11,52.64],[-1.15,52.62]]]}"}"#,
        ]
        // (A key given twice, whose last value Foundation keeps, is refused: QueryInputTests.batchLineKeys.)
        for line in lines {
            let input = try QueryInput(jsonLine: line)
            let object = try JSONInput.object(line, what: "the line", example: "")
            // Foundation's reading, field by field, as the batch reader read lines before.
            func number(_ k: String) -> Double? { (object[k] as? NSNumber)?.doubleValue ?? (object[k] as? String).flatMap(Double.init) }
            #expect(input.lat == number("lat") && input.lng == number("lng"), "\(line)")
            #expect(input.radius == (object["radius"] as? String ?? (object["radius"] as? NSNumber)?.stringValue), "\(line)")
            #expect(input.from == object["from"] as? String && input.to == object["to"] as? String && input.date == object["date"] as? String)
            #expect(input.categories == (object["category"] as? [String] ?? (object["category"] as? String).map { [$0] } ?? []))
            #expect(input.forces == (object["force"] as? [String] ?? (object["force"] as? String).map { [$0] } ?? []))
            #expect(input.idJSON == object["id"].map(JSONInput.literal), "\(line)")
            #expect(input.poly == object["poly"] as? String && input.wkt == object["wkt"] as? String)
            #expect(input.excludeBTP == (object["exclude_btp"] as? Bool ?? false) && input.repair == (object["repair"] as? Bool ?? false))
            if let g = object["geojson"] {
                let expected = try PolygonReader.geojson(g as? String ?? String(decoding: JSONSerialization.data(withJSONObject: g), as: UTF8.self))
                #expect(try input.polygon() == expected)
            }
        }
        // A flag that is not true or false (nor 0 or 1, as Foundation bridges them) is an error, not false.
        for (key, value) in [("repair", #""yes""#), ("repair", "null"), ("exclude_btp", "[true]"), ("exclude_btp", "2")] {
            let line = #"{"poly":"52.64,-1.15:52.64,-1.11:52.62,-1.11","\#(key)":\#(value)}"#
            #expect(throws: GeoQueryError.invalidQuery("'\(key)' must be true or false"), "\(line)") { try QueryInput(jsonLine: line) }
        }
        let bad = ["", "   ", "{", #"{"lat":52.6,}"#, #"{"lat":52.6"#, "[1,2]", "5", #"{"lat":01}"#, #"{"lat":1.}"#, #"{"lat":-}"#,
                   "{\"a\":\"\u{1}\"}", #"{"a":tru}"#, "{'a':1}", #"{"a":1}}"#, #"{"a":1} x"#, #"{"a" 1}"#, #"{"a":"\x"}"#,
                   #"{"a":"\u12"}"#, #"{a:1}"#, #"{"a":[1,2,]}"#, #"{"a":NaN}"#, #"{"a":Infinity}"#, #"{"lat":52.6,"lng":-1.1,"radius":"0.5mi"}garbage"#,
                   String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)]
        for line in bad {
            let foundation = Result { try JSONInput.object(line, what: "the line", example: "e.g.") }
            let bytes = Result { try JSONInput.bytes(line, what: "the line", example: "e.g.") }
            switch (foundation, bytes) {
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "\(line.prefix(80))")
            case (.success, .success): break
            default: Issue.record("Foundation and the byte reader disagree on \(line.prefix(80)): \(foundation) vs \(bytes)")
            }
            // The byte reader never takes what Foundation refuses (Foundation also takes trailing
            // commas, which the byte reader leaves to it).
            if JSONBytes(line) != nil { #expect((try? foundation.get()) != nil, "\(line.prefix(80))") }
        }
    }

    /// Numbers read from bytes are the correctly rounded doubles `strtod` gives.
    @Test func numbersAsStrtodReadsThem() {
        var rng = SeededRandom(seed: SeededRandom.seed(2026_1207))  // GEOQUERY_TEST_SEED to try others
        var texts = ["0", "-0", "1", "52.629700", "-1.131600", "0.000001", "123456789012345678901234", "1e22", "1e23", "4.9e-324",
                     "2.2250738585072014e-308", "1.7976931348623157e308", "9007199254740993", "0.1e-22", "5e-23", "-1.141235765471834",
                     "9007199254740992", "9007199254740993e-5", "9007199254740991.5", "18014398509481985e-3", "0.00000000000000000000123456789",
                     "1234567890123456789", "12345678901234567890", "1234567890.1234567890123", "0.0000000000000000000000"]
        for _ in 0..<20_000 {
            // Up to 26 digits: past 19 the reader keeps the first 19 significant ones and counts the rest.
            let digits = Int.random(in: 1...26, using: &rng)
            let mantissa = String((0..<digits).map { _ in "0123456789".randomElement(using: &rng)! })
            let point = Int.random(in: 0...digits, using: &rng)
            var t = String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
            if t.hasPrefix(".") { t = "0" + t }
            if t.hasSuffix(".") { t += "0" }
            while t.hasPrefix("0") && t.count > 1 && !t.hasPrefix("0.") { t.removeFirst() }
            if Bool.random(using: &rng) { t += "e\(Int.random(in: -30...30, using: &rng))" }
            texts.append(Bool.random(using: &rng) ? "-" + t : t)
        }
        // Each followed by a byte that ends it, among them those next to the digits (`/` and `:`,
        // which the reader's eight- and four-digit steps must not take), a byte above ASCII, or
        // nothing (the text's end, where those steps must not read past).
        for (k, t) in texts.enumerated() {
            let read = (t + ["]", ",", "/", ":", "\u{80}", ""][k % 6]).withTextBytes { $0.number(.json) }
            #expect(read?.bitPattern == strtod(t, nil).bitPattern, "\(t)")
            // The text ends where the number does, though digits lie past its end in memory.
            let bounded = (t + "99999999").withTextBytes { c in
                var end = TextBytes(c.base, count: t.utf8.count)
                return end.number(.json)
            }
            #expect(bounded?.bitPattern == strtod(t, nil).bitPattern, "\(t) at the end")
        }
        // WKT's spellings beyond JSON's: leading zeros, a plus sign, a point at either end.
        for t in ["00012.5", "+.5e3", "-007.25", "5.", "+0000000000000000000001234567890123.25"] {
            let read = (t + " ").withTextBytes { $0.number(.wkt) }
            #expect(read?.bitPattern == strtod(t, nil).bitPattern, "\(t)")
        }
    }

    /// The coordinate reader (a batch line's usual numbers, `-?d{1,3}.d{1,15}`) gives `strtod`'s
    /// double and stops where the number does, or declines (cursor unchanged) and the general
    /// reader decides: on random coordinates of every length, their near misses, and the
    /// spellings it must leave alone.
    @Test func coordinatesAsStrtodReadsThem() {
        var rng = SeededRandom(seed: SeededRandom.seed(2026_1208))  // GEOQUERY_TEST_SEED to try others
        var texts = ["0.5", "-0.0", "52.6297", "-1.1316", "179.99999999999999", "-1.54271425650714", "54.524475363549804",
                     "00.5", "05.1", "1.", "1.e5", "1.5e3", "1.5E3", "1234.5", "123.4567890123456", "123.45678901234567", "-", "-.5",
                     ".5", "1.5.", "0", "7", "-0.000000000000001", "999.999999999999999", "0.1234567890123456"]
        for _ in 0..<20_000 {
            let whole = String((0..<Int.random(in: 1...4, using: &rng)).map { _ in "0123456789".randomElement(using: &rng)! })
            let fraction = String((0..<Int.random(in: 0...18, using: &rng)).map { _ in "0123456789".randomElement(using: &rng)! })
            texts.append((Bool.random(using: &rng) ? "-" : "") + whole + "." + fraction)
        }
        var taken = 0
        for (k, t) in texts.enumerated() {
            // What follows in a line: a comma or bracket, then at least the reader's 24 bytes.
            let line = t + [",", "]", "e", ".", "x", " "][k % 6] + "[-1.123456789,52.123456789]]"
            line.withTextBytes { c in
                var fast = c
                if let v = fast.jsonCoordinate() {
                    taken += 1
                    #expect(v.bitPattern == strtod(t, nil).bitPattern && fast.at == t.utf8.count, "\(t)")
                    var general = c
                    #expect(general.number(.json)?.bitPattern == v.bitPattern && general.at == fast.at, "\(t)")
                } else {
                    #expect(fast.at == 0, "\(t)")
                }
                // Either way the log's reading (this reader, else the general one) is the general one's.
                var either = c, general = c
                #expect((either.jsonCoordinate() ?? either.numberInline(.json))?.bitPattern == general.number(.json)?.bitPattern && either.at == general.at, "\(line)")
            }
        }
        #expect(taken > 6_000, "the common spellings are read here (\(taken) of \(texts.count))")
        // Within 24 bytes of the text's end it declines, reading nothing past the end.
        "-1.5]".withTextBytes { c in var d = c; #expect(d.jsonCoordinate() == nil && d.at == 0) }
    }

    /// The byte reader accepts exactly the JSON objects an independent recursive descent over
    /// RFC 8259's grammar accepts (nesting up to 512 containers), on seeded random documents and
    /// on each of them with one byte deleted, doubled or replaced.
    @Test func byteReaderAcceptsExactlyTheGrammar() {
        let documents = Self.grammarDocuments()
        var accepted = 0
        for doc in documents {
            let expected = RecursiveJSON.isObject(doc)
            #expect((JSONBytes(doc) != nil) == expected, "\(doc.prefix(120))")
            if expected { accepted += 1 }
        }
        #expect(accepted > 400 && accepted < documents.count)  // both sides of the line were tried
    }

    /// A geometry's rings built from the validating pass's log of its coordinates are the rings
    /// the text walk reads, and any shape the log cannot vouch for is left to the walk: on every
    /// real boundary, and on 6,000 random nests of numbers and arrays (positions of one to four
    /// numbers, empty arrays, nests a level too deep or shallow, rings too short, open rings).
    @Test func loggedCoordinatesReadAsTheTextWalkReadsThem() throws {
        func read(_ text: String, fromLog: Bool) -> String? {
            guard let doc = JSONBytes(text), let features = PolygonReader.geojsonParts(doc, key: nil, fromLog: fromLog) else { return nil }
            return features.map { f in
                "\(f.name) \(f.read.hasOpenRing) " + f.read.parts.map { $0.map { $0.map { "\($0.lng.bitPattern),\($0.lat.bitPattern)" }.joined(separator: " ") }.joined(separator: "|") }.joined(separator: "/")
            }.joined(separator: "\n")
        }
        var rng = SplitMix64(seed: 77)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func number() -> String { ["-1.15", "52.62", "-0.0", "0", "1e2", "-1.110000000000000001", "52.64"][pick(7)] }
        // A nest `levels` deep whose innermost arrays are positions; now and then a flaw.
        func nest(_ levels: Int) -> String {
            let space = ["", " ", "\n "][pick(3)]
            if levels == 1 {
                let count = pick(40) == 0 ? [0, 1, 1, 3, 4][pick(5)] : 2
                // Now and then a number a level too deep: `[[x],y]`.
                return "[" + (0..<count).map { _ in space + (pick(80) == 0 ? "[\(number())]" : number()) }.joined(separator: ",") + "]"
            }
            if pick(100) == 0 { return "[]" }
            if pick(150) == 0 { return "[" + nest(levels) + "]" }  // a level too deep
            if pick(150) == 0 { return number() }  // a level too shallow
            let count = levels == 2 ? [3, 4, 4, 5, 2, 6][pick(6)] : 1 + pick(3)
            var items = (0..<count).map { _ in nest(levels - 1) }
            if levels == 2 && pick(2) == 0 { items.append(items[0]) }  // closed
            return "[" + items.map { space + $0 }.joined(separator: ",") + space + "]"
        }
        var accepted = 0
        for _ in 0..<6000 {
            let multi = pick(2) == 0
            let type = pick(20) == 0 ? (multi ? "Polygon" : "MultiPolygon") : (multi ? "MultiPolygon" : "Polygon")
            let text = #"{"type":"\#(type)","coordinates":\#(nest(multi ? 4 : 3))}"#
            let walked = read(text, fromLog: false)
            #expect(read(text, fromLog: true) == walked, "\(text)")
            if walked != nil { accepted += 1 }
        }
        #expect(accepted > 1500 && accepted < 5000, "\(accepted)")  // both sides of the line were tried
        let boundaries = Self.boundaryFiles.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        #expect(boundaries.count > 10)
        for text in boundaries { #expect(read(text, fromLog: true) == read(text, fromLog: false)) }
        // A plain polygon's rings do come from the log (offset 32: where its coordinates start).
        let doc = try #require(JSONBytes(#"{"type":"Polygon","coordinates":[[[-1.15,52.62],[-1.11,52.62],[-1.11,52.64],[-1.15,52.62]]]}"#))
        #expect(doc.numbers.withArray(at: 32, { PolygonReader.loggedParts($0, type: "Polygon") })?.parts.first?.first?.count == 4)
    }

    /// The validating pass logs exactly the numbers of number arrays (the reference's count), each
    /// with the value and end a second read at its start gives; an array it gives up on part way
    /// (something else inside) leaves no entries but those its elements log again.
    @Test func numberLogHoldsTheNumberArraysNumbers() throws {
        var logged = 0
        let boundaries = Self.boundaryFiles.prefix(3).compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        #expect(boundaries.count == 3)
        for doc in Self.grammarDocuments() + boundaries + [#"{"a":[[1,2],[3,"x"],[4.5]],"b":[7,[8,true]],"c":9}"#] {
            guard let read = JSONBytes(doc), let expected = RecursiveJSON.numbersInNumberArrays(doc) else { continue }
            let entries = read.numbers.entries
            #expect(entries.map(\.start) == expected, "\(doc.prefix(120))")
            doc.withTextBytes { c in
                for e in entries {
                    c.at = e.start
                    let v = c.number(.json)
                    #expect(v?.bitPattern == e.value.bitPattern && c.at == e.end, "\(doc.prefix(120))")
                }
            }
            logged += entries.count
        }
        #expect(logged > 10_000)
        // A text over the logged size keeps no log (it would take more memory than the text) and
        // reads the same: a 120,000-vertex circle, its numbers read from the text.
        let ring = (0...120_000).map { k -> (lng: Double, lat: Double) in
            let a = Double(k % 120_000) * 2 * .pi / 120_000
            return (-1.13 + 0.01 * cos(a), 52.63 + 0.01 * sin(a))
        }
        let big = #"{"type":"Polygon","coordinates":[["# + ring.map { "[\($0.lng),\($0.lat)]" }.joined(separator: ",") + "]]}"
        #expect(big.utf8.count > NumberLog.largestText && JSONBytes(big)?.numbers.count == 0)
        let circle = try PolygonReader.geojson(big).parts[0][0]
        #expect(circle.map(\.lng) == ring.map(\.lng) && circle.map(\.lat) == ring.map(\.lat))
        // The reader takes logged numbers from the log and reads any other from the text.
        let doc = #"{"a":[[1,2],[3,"x"],[4.5]]}"#
        let read = JSONBytes(doc)!
        #expect(read.numbers.entries.map(\.value) == [1, 2, 4.5])
        var reader = read.numbers.reader(from: 0)
        doc.withTextBytes { c in
            var got: [Double] = []
            for start in [7, 9, 13, 21] {
                c.at = start
                got.append(reader.number(&c) ?? .nan)
            }
            #expect(got == [1, 2, 3, 4.5] && reader.next == 3)
        }
    }

    /// Seeded random JSON objects, each also with one byte changed, deep nests at the depth
    /// limit, and coordinate-like nests of numbers now and then holding something else.
    static func grammarDocuments() -> [String] {
        var rng = SplitMix64(seed: 2026)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func space() -> String { ["", "", " ", "\n", " \t "][pick(5)] }
        func value(_ depth: Int) -> String {
            switch depth > 5 ? pick(4) : pick(7) {
            case 0: return ["0", "-1", "12.5e-3", "3E+2", "-0.0", "52.634412"][pick(6)]
            case 1: return ["\"a\"", "\"\"", "\"\\u00e9\\n\"", "\"x y\""][pick(4)]
            case 2: return ["true", "false", "null"][pick(3)]
            case 3, 4: return "[" + (0..<pick(4)).map { _ in space() + value(depth + 1) + space() }.joined(separator: ",") + "]"
            default: return "{" + (0..<pick(4)).map { i in space() + "\"k\(i)\"" + space() + ":" + space() + value(depth + 1) + space() }.joined(separator: ",") + "}"
            }
        }
        let alphabet = Array("{}[],:\" 0-.eE1tfn\\".utf8)
        var documents: [String] = []
        for _ in 0..<400 {
            let doc = "{\"v\":" + value(0) + "}"
            documents.append(doc)
            var b = Array(doc.utf8)
            let i = pick(b.count)
            switch pick(3) {
            case 0: b.remove(at: i)
            case 1: b.insert(b[i], at: i)
            default: b[i] = alphabet[pick(alphabet.count)]
            }
            documents.append(String(decoding: b, as: UTF8.self))
        }
        for n in [510, 511, 512, 513] {
            documents.append("{\"v\":" + String(repeating: "[", count: n - 1) + String(repeating: "]", count: n - 1) + "}")
            // A number at the deepest level, and an object member one level down holding the nest.
            documents.append("{\"v\":" + String(repeating: "[", count: n - 1) + "1" + String(repeating: "]", count: n - 1) + "}")
            documents.append("{\"g\":{\"c\":" + String(repeating: "[", count: n - 2) + "1" + String(repeating: "]", count: n - 2) + "}}")
        }
        // Coordinate-like nests (arrays of numbers, read in one loop), now and then holding
        // something else (read the general way), each also with one byte changed.
        func nest(_ depth: Int) -> String {
            if depth == 0 {
                switch pick(12) {
                case 0: return ["\"x\"", "true", "null", "{}", "{\"a\":[1]}"][pick(5)]
                default: return ["-1.54271425650714", "54.524475363549804", "0", "-0", "1e5", "2E-3", "-0.5e+2", "01", "1.", ".5", "-", "+1", "1e", "--1"][pick(14)]
                }
            }
            return "[" + space() + (0..<pick(4)).map { _ in nest(depth - 1) }.joined(separator: space() + "," + space()) + space() + "]"
        }
        for _ in 0..<300 {
            let doc = "{\"geojson\":{\"type\":\"Polygon\",\"coordinates\":" + nest(1 + pick(4)) + "},\"from\":\"2020-01\"}"
            documents.append(doc)
            var b = Array(doc.utf8)
            let i = doc.utf8.count / 2 + pick(doc.utf8.count / 2)
            switch pick(3) {
            case 0: b.remove(at: i)
            case 1: b.insert(b[i], at: i)
            default: b[i] = alphabet[pick(alphabet.count)]
            }
            documents.append(String(decoding: b, as: UTF8.self))
        }
        return documents
    }
}

/// RFC 8259 by plain recursive descent over the bytes, written apart from the byte reader: its reference.
private enum RecursiveJSON {
    static func isObject(_ text: String) -> Bool { read(text) != nil }

    /// Where the numbers start that the validating pass reads into its log: those whose innermost
    /// array holds only numbers and such arrays (the rest it skips). nil when not a JSON object.
    static func numbersInNumberArrays(_ text: String) -> [Int]? { read(text)?.logged }

    /// What a value holds: where its numbers start, which of them are logged, and whether it
    /// may stand in a number array (a number, or an array of only such values).
    struct Summary { var numbers: [Int] = [], logged: [Int] = [], numeric = false }

    static func read(_ text: String) -> Summary? {
        let b = Array(text.utf8)
        var i = 0
        func ws() { while i < b.count, [0x20, 0x0A, 0x0D, 0x09].contains(b[i]) { i += 1 } }
        func eat(_ c: UInt8) -> Bool { ws(); guard i < b.count, b[i] == c else { return false }; i += 1; return true }
        func digits() -> Int { let s = i; while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }; return i - s }
        func string() -> Bool {
            guard i < b.count, b[i] == 0x22 else { return false }
            i += 1
            while i < b.count {
                let c = b[i]
                if c == 0x22 { i += 1; return true }
                if c < 0x20 { return false }
                if c == 0x5C {
                    guard i + 1 < b.count else { return false }
                    let e = b[i + 1]
                    if Array("\"\\/bfnrt".utf8).contains(e) { i += 2; continue }
                    guard e == 0x75, i + 6 <= b.count, b[(i + 2)..<(i + 6)].allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || UInt8(ascii: "a")...UInt8(ascii: "f") ~= ($0 | 0x20) }) else { return false }
                    i += 6
                    continue
                }
                i += 1
            }
            return false
        }
        func number() -> Bool {
            if i < b.count, b[i] == 0x2D { i += 1 }
            let start = i
            let n = digits()
            guard n > 0, !(n > 1 && b[start] == 0x30) else { return false }
            if i < b.count, b[i] == 0x2E { i += 1; guard digits() > 0 else { return false } }
            if i < b.count, b[i] | 0x20 == 0x65 {
                i += 1
                if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
                guard digits() > 0 else { return false }
            }
            return true
        }
        func word(_ w: String) -> Bool {
            let u = Array(w.utf8)
            guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u else { return false }
            i += u.count
            return !(i < b.count && ((0x41...0x5A).contains(b[i]) || (0x61...0x7A).contains(b[i])))
        }
        func value(_ depth: Int) -> Summary? {
            ws()
            guard i < b.count else { return nil }
            switch b[i] {
            case 0x7B:
                guard depth < 512 else { return nil }
                i += 1
                var s = Summary()
                if eat(0x7D) { return s }
                repeat {
                    ws()
                    guard string(), eat(0x3A), let v = value(depth + 1) else { return nil }
                    s.numbers += v.numbers
                    s.logged += v.logged
                } while eat(0x2C)
                return eat(0x7D) ? s : nil
            case 0x5B:
                guard depth < 512 else { return nil }
                i += 1
                var s = Summary(numeric: true)
                if eat(0x5D) { return s }
                var inner: [Int] = []
                repeat {
                    guard let v = value(depth + 1) else { return nil }
                    s.numbers += v.numbers
                    inner += v.logged
                    s.numeric = s.numeric && v.numeric
                } while eat(0x2C)
                // A number array's numbers are all logged; any other array's only as its elements log them.
                s.logged = s.numeric ? s.numbers : inner
                return eat(0x5D) ? s : nil
            case 0x22: return string() ? Summary() : nil
            case 0x74: return word("true") ? Summary() : nil
            case 0x66: return word("false") ? Summary() : nil
            case 0x6E: return word("null") ? Summary() : nil
            default:
                let start = i
                return number() ? Summary(numbers: [start], numeric: true) : nil
            }
        }
        ws()
        guard i < b.count, b[i] == 0x7B, let s = value(0) else { return nil }
        ws()
        return i == b.count ? s : nil
    }
}
