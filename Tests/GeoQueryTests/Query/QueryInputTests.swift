import Foundation
import Testing
@testable import GeoQuery

/// Batch lines read into a query's input.
@Suite struct QueryInputTests {
    /// Every documented key is taken; any other is refused with the list of known keys, sorted.
    @Test func batchLineKeys() throws {
        let known = ["category", "date", "exclude_btp", "force", "from", "geojson", "id", "lat", "lng", "poly", "postcode",
                     "radius", "repair", "to", "wkt"]
        #expect(QueryInput.batchKeys.sorted() == known)
        // Each key with a value of its type (the line's input is read, not yet checked as a whole query).
        let line = #"{"lat":52.6,"lng":-1.1,"radius":"1mi","from":"2020-01","to":"2020-02","date":"2020-01","category":"burglary","#
            + #""force":[],"exclude_btp":false,"id":7,"poly":"52.6,-1.2:52.7,-1.2:52.7,-1.1","wkt":"POLYGON EMPTY","#
            + #""geojson":{"type":"Polygon","coordinates":[]},"repair":false,"postcode":"LE1 5WW"}"#
        let input = try QueryInput(jsonLine: line)
        #expect(input.lat == 52.6 && input.radius == "1mi" && input.categories == ["burglary"])
        // Keys are matched by their bytes and length: a key that only pads or extends a known one is none.
        for (i, k) in QueryInput.batchKeys.enumerated() { #expect(QueryInput.batchKey(k)?.rawValue == i) }
        for wrong in ["lat\u{0}", "la", "latt", "exclude_btp_", "exclude_btpexclude", "LAT", "é", "geojsonxxxxxxxxxxxx"] {
            #expect(QueryInput.batchKey(wrong) == nil, "\(wrong)")
        }
        for wrong in ["lnng", "Lat", "radius ", ""] {
            #expect(throws: GeoQueryError.invalidQuery("unknown key '\(wrong)' (known: \(known.joined(separator: ", ")))")) {
                try QueryInput(jsonLine: #"{"lat":52.6,"\#(wrong)":1}"#)
            }
        }
        // A key given twice is refused, not read as its last value (which answered for lat 10 here).
        for (line, key) in [(#"{"lat":52.63,"lng":-1.13,"radius":"0.5mi","lat":10}"#, "lat"), (#"{"id":1,"lat":52.6,"lng":-1.1,"id":2}"#, "id"),
                            (#"{"category":"burglary","lat":52.6,"lng":-1.1,"category":["drugs"]}"#, "category"),
                            // A line only Foundation reads (a trailing comma): Foundation keeps the last value silently.
                            (#"{"lat":52.63,"lng":-1.13,"l\u0061t":10,}"#, "lat"), (#"{"lat":52.63,"l\u0061t":10,"lng":-1.13}"#, "lat"), (#"{"geojson":{"a":1,"a":2},"id":1,"id":1,}"#, "a"),
                            // Inside a GeoJSON object too: a second "coordinates" was read in place of the first.
                            (#"{"geojson":{"type":"Polygon","coordinates":[[[-1.15,52.64],[-1.11,52.64],[-1.11,52.62],[-1.15,52.64]]],"coordinates":[]}}"#, "coordinates")] {
            #expect(throws: GeoQueryError.invalidQuery("the line gives '\(key)' more than once in one object: give each key once"), "\(line)") {
                try QueryInput(jsonLine: line)
            }
        }
    }

    /// A line's id comes back as Foundation's value of it, quoted again, would: string ids with
    /// and without escapes (taken as given when they have none), non-ASCII, and the other kinds.
    @Test func batchLineIdIsEchoedAsItsValueQuoted() throws {
        let ids = [#""E01012304""#, #""""#, #""a b/c é ✓""#, #""tab\there""#, #""q\"uote""#, #""back\\slash""#, #""\u00e9\u0001""#,
                   #""\/""#, #""a longer id than fifteen bytes, which a small string holds""#, "7", "-3", "1.50", "1e3", "true", "null", #"[1,"a"]"#, #"{"b":1,"a":2}"#]
        for id in ids {
            let line = #"{"id":"# + id + #","lat":52.6,"lng":-1.1}"#
            let value = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"], "\(id)")
            #expect(try BatchLine(line).id == JSONInput.literal(value), "\(id)")
        }
        // A number Foundation cannot hold comes back as the line spelled it (it came back null).
        #expect(try BatchLine(#"{"id":1E400,"lat":52.6}"#).id == "1E400")
        // Half a surrogate pair is named as such: the line is whole (it was said to end too soon).
        for line in [#"{"id":"\ud800","lat":52.63,"lng":-1.13,"radius":"0.2mi"}"#, #"{"category":"\udc00x"}"#] {
            let error = #expect(throws: GeoQueryError.self) { try BatchLine(line) }
            let words = error.map { "\($0)" } ?? ""
            #expect(words.contains("a \\u escape in it names half of a UTF-16 surrogate pair") && !words.contains("too soon"), "\(words)")
        }
    }

    /// A polygon's repair hint is written as a batch line would say it (a JSON boolean), not as a flag.
    @Test func repairHintIsWrittenAsTheLineWouldSayIt() throws {
        for (line, words) in [(#"{"poly":"52.63,-1.14:52.64,-1.12:52.62,-1.14:52.64,-1.14"}"#, #"fix it, or add "repair":true to let GEOS MakeValid repair it"#),
                              (#"{"wkt":"POLYGON((-1.15 52.64,-1.11 52.64,-1.11 52.62,-1.15 52.62))"}"#, #"or add "repair":true to have it closed"#)] {
            let input = try QueryInput(jsonLine: line)
            #expect("\(String(describing: #expect(throws: GeoQueryError.self) { try input.polygon() }))".contains(words), "\(line)")
        }
    }

    /// Repair asked of a circle is refused (it would read as done), in each input's words; a
    /// comparison's shared repair is its polygon side's.
    @Test func repairOfACircleIsRefused() throws {
        let line = try QueryInput(jsonLine: #"{"lat":52.63,"lng":-1.13,"radius":"0.5mi","repair":true}"#)
        #expect(throws: GeoQueryError.invalidQuery(#"repair mends a polygon given by poly, wkt, geojson: a circle needs no repair, leave it out"#)) { try line.query() }
        var flags = QueryInput()
        (flags.lat, flags.lng, flags.repair) = (52.63, -1.13, true)
        #expect(throws: GeoQueryError.invalidQuery("--repair mends a polygon given by --poly, --wkt, --geojson, --kml: a circle needs no repair, leave it out")) { try flags.query() }
        flags.repair = false
        #expect(try flags.query().area == CrimeQuery.radius(lat: 52.63, lng: -1.13, try Distance(parsing: "0.5mi")).area)
        var polygon = QueryInput()
        (polygon.poly, polygon.repair) = ("52.63,-1.14:52.64,-1.12:52.62,-1.14:52.64,-1.14", true)
        flags.repair = true
        let (circle, mended) = QueryInput.comparing(flags, polygon)
        #expect(!circle.repair && mended.repair)
        _ = try circle.query()
        if case .polygon = try mended.query().area {} else { Issue.record("the polygon side is read as a polygon") }
    }

    /// A batch line's GeoJSON object is read as an object, and ``QueryInput/geojson`` still gives
    /// its text exactly as the line wrote it (made when asked); setting the text replaces it.
    @Test func batchGeoJSONObjectKeepsItsText() throws {
        let object = #"{ "type" : "Polygon", "coordinates": [[[-1.14,52.63],[-1.12,52.63],[-1.12,52.64],[-1.14,52.63]]] }"#
        var input = try QueryInput(jsonLine: #"{"id":7,"geojson":"# + object + #","repair":false}"#)
        #expect(input.geojson == object)
        let polygon = try #require(try input.polygon())
        #expect(polygon.parts[0][0].count == 4)
        input.geojson = #"{"type":"Polygon","coordinates":[[[-1.2,52.6],[-1.1,52.6],[-1.1,52.7],[-1.2,52.6]]]}"#
        #expect(try input.polygon()?.parts[0][0].first?.lng == -1.2)
        input.geojson = nil
        #expect(try input.polygon() == nil)
        // Two areas: named as the line names them.
        #expect(throws: GeoQueryError.invalidQuery("give one area: poly and geojson were both given")) {
            try QueryInput(jsonLine: #"{"poly":"52.6,-1.1:52.7,-1.1:52.7,-1.2","geojson":"# + object + "}").polygon()
        }
    }

    /// A coordinate past a Double's range (`1e400`, valid JSON) is refused as out of range, in
    /// words that say why, not as "not a number".
    @Test func coordinateBeyondADoublesRangeIsOutOfRange() throws {
        for (line, words) in [(#"{"lat":1e400,"lng":-1.13,"radius":"1km"}"#, "latitude is out of range (-90 to 90)"),
                              (#"{"lat":52.6,"lng":-1e400,"radius":"1km"}"#, "longitude is out of range (-180 to 180)")] {
            let error = #expect(throws: GeoQueryError.self) { try QueryInput(jsonLine: line).query() }
            #expect(error?.description == "\(words): the number given is beyond a Double's range", "\(line): \(String(describing: error))")
        }
    }
}
