import Foundation
@testable import GeoQuery

/// A read's outcome as comparable text: the polygon's rings (exact bits, zero unsigned) and warnings, or the
/// error line (as PolygonReaderBytesTests compares them).
/// Where two outcomes first differ, with some text either side: the start alone hides a
/// difference deep in a long ring.
func difference(_ a: String, _ b: String) -> String {
    let x = Array(a.utf8), y = Array(b.utf8)
    let i = zip(x, y).prefix { $0 == $1 }.count
    func around(_ s: [UInt8]) -> String { String(decoding: s[max(0, i - 120)..<min(s.count, i + 160)], as: UTF8.self) }
    return "first difference at character \(i) of \(x.count)/\(y.count): byte reader …\(around(x))… / GEOS …\(around(y))…"
}

func outcome(_ read: () throws -> Polygon) -> String {
    do {
        let p = try read()
        // Exact bits, except the sign of zero: -0 and 0 are one coordinate, and the repair path
        // through Foundation and GEOS does not keep the sign of a `-0` (FUZZING.md, finding 11).
        func bits(_ x: Double) -> UInt64 { (x == 0 ? 0 : x).bitPattern }
        return "ok \(p.parts.map { $0.map { $0.map { "\(bits($0.lng)) \(bits($0.lat))" } } }) \(p.warnings)"
    } catch let error as GeoQueryError {
        return "error \(error)"
    } catch {
        FuzzCheck.fail("untyped error \(type(of: error)): \(error)")
    }
}

/// Whatever a reader accepted, GEOS's own WKT reader reads as the same polygon: the polygon
/// written as WKT with Swift's shortest round-tripping digits (GEOS's writer keeps 16
/// significant digits, so its own text would not do) reads back to the same coordinates.
func checkGEOSReadsBack(_ p: Polygon, _ what: String) {
    FuzzCheck.expect(p.parts.allSatisfy { $0.allSatisfy { $0.allSatisfy { $0.lat.isFinite && $0.lng.isFinite } } }, "\(what): accepted a non-finite coordinate")
    let wkt = "MULTIPOLYGON(" + p.parts.map { "(" + $0.map { "(" + $0.map { "\($0.lng) \($0.lat)" }.joined(separator: ", ") + ")" }.joined(separator: ", ") + ")" }.joined(separator: ", ") + ")"
    guard let back = try? GEOSContext().readWKT(wkt) else { FuzzCheck.fail("\(what): GEOS refuses the accepted polygon \(wkt.prefix(300))") }
    let parts = back.polygonRings.map { $0.map { $0.map { Polygon.Coordinate(lat: $0.1, lng: $0.0) } } }
    FuzzCheck.expect(parts == p.parts, "\(what): GEOS reads the accepted polygon with other coordinates")
}

/// A few real LSOA boundaries (GeoJSON features) from ../shared/data.
func lsoaGeometries(_ count: Int) throws -> [String] {
    let text = try String(contentsOfFile: FuzzCheck.sharedData + "/boundaries/lsoa-2011-by-lad/E09000001.json", encoding: .utf8)
    let doc = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    let features = (doc["features"] as! [[String: Any]]).prefix(count)
    return try features.map { String(decoding: try JSONSerialization.data(withJSONObject: $0["geometry"]!), as: UTF8.self) }
}

func lsoaPolygons(_ count: Int) throws -> [Polygon] { try lsoaGeometries(count).map { try PolygonReader.geojson($0) } }

/// `lat,lng:lat,lng` as an independent split reads it: ':'-separated pairs (empty ones skipped),
/// each two numbers around one ','.
func independentPoly(_ text: String) -> [Polygon.Coordinate]? {
    var ring: [Polygon.Coordinate] = []
    for pair in text.split(separator: ":", omittingEmptySubsequences: false) where !pair.isEmpty {
        let parts = pair.split(separator: ",", omittingEmptySubsequences: false)
        let spaces: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        func number(_ s: Substring) -> Double? {
            let t = s.drop { spaces.contains($0) }.reversed().drop { spaces.contains($0) }.reversed()
            guard !t.isEmpty else { return nil }
            // Decimal numbers only (no hex floats, inf or nan), as --lat and --lng; the value is strtod's.
            let c = String(t)
            guard c.range(of: #"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"#, options: .regularExpression) != nil else { return nil }
            var stop: UnsafeMutablePointer<CChar>? = nil
            return c.withCString { p -> Double? in
                let v = strtod(p, &stop)
                return stop.map { UnsafePointer($0) == p + c.utf8.count } == true ? v : nil
            }
        }
        guard parts.count == 2, let lat = number(parts[0]), let lng = number(parts[1]) else { return nil }
        ring.append(.init(lat: lat, lng: lng))
    }
    return ring
}

let polygonTargets: [FuzzTarget] = [
    FuzzTarget(name: "poly", property: "accepted poly strings hold exactly the points an independent split finds (ring closed) and GEOS reads the polygon back alike", seeds: {
        try lsoaPolygons(8).map { p in Array(p.parts[0][0].dropLast().map { "\($0.lat),\($0.lng)" }.joined(separator: ":").utf8) }
            + ["52.62,-1.15:52.62,-1.11:52.64,-1.11", "1,2:3", "", ":::", "52.62,-1.15:52.62,-1.11:52.64,-1.11:52.62,-1.15:"].map { Array($0.utf8) }
    }, run: { input in
        let text = input.text
        guard let p = FuzzCheck.typed({ try PolygonReader.poly(text, repair: false) }) else { return }
        guard let ring = independentPoly(text) else { FuzzCheck.fail("accepted '\(text.prefix(200))', which an independent split refuses") }
        FuzzCheck.expect(p.parts.count == 1 && p.parts[0].count == 1, "a poly string became \(p.parts.count) parts")
        let closed = ring.first == ring.last ? ring : ring + [ring[0]]
        FuzzCheck.expect(p.parts[0][0] == closed || p.parts[0][0] == Array(closed.reversed()), "points differ from the independent split")
        checkGEOSReadsBack(p, "poly")
    }),
    FuzzTarget(name: "wkt", property: "the byte WKT reader and GEOS's WKT reader accept and refuse alike, with the same coordinates and the same error line (repair off and on)", seeds: {
        let context = GEOSContext()
        return try lsoaPolygons(6).map { Array(try $0.geometry(in: context).wkt.utf8) }
            + ["POLYGON((-1.15 52.62, -1.11 52.62, -1.11 52.64, -1.15 52.64))", "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))",
               "POLYGON Z((0 0 1, 1 0 1, 1 1 1, 0 0 1))", "POINT(1 2)", "POLYGON EMPTY", "POLYGON((((((("].map { Array($0.utf8) }
    }, run: { input in
        let text = input.text
        for repair in [false, true] {
            let bytes = outcome { try PolygonReader.wkt(text, repair: repair) }
            let viaGEOS = outcome { try PolygonReader.wktThroughGEOS(text, repair: repair) }
            FuzzCheck.expect(bytes == viaGEOS, "repair \(repair): \(difference(bytes, viaGEOS))")
        }
    }),
    FuzzTarget(name: "geojson", property: "the byte GeoJSON reader and the path through GEOS's GeoJSON reader accept and refuse alike, with the same coordinates and error line", seeds: {
        try lsoaGeometries(6).map { Array($0.utf8) }
            + [#"{"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#,
               #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}]}"#,
               #"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}"#, "[1,2]"].map { Array($0.utf8) }
    }, run: { input in
        let text = input.text
        for repair in [false, true] {
            func both(_ text: String) -> (bytes: String, viaGEOS: String) {
                (outcome { try PolygonReader.geojson(text, repair: repair) },
                 outcome { try PolygonReader.area(of: PolygonReader.geojsonFeaturesThroughGEOS(text, key: nil, selecting: .init(), repair: repair)) })
            }
            let (bytes, viaGEOS) = both(text)
            // A number beyond a Double's range is valid JSON (RFC 8259) that Foundation refuses
            // (as in batch-line): then the byte reader either refuses the document or reads it as
            // it reads the document with each such number written as 0, where both must agree.
            let tamed = beyondDoubleRangeAsZero(text)
            if bytes != viaGEOS, viaGEOS.hasPrefix("error the GeoJSON is not valid JSON"), tamed != text {
                let (tamedBytes, tamedGEOS) = both(tamed)
                FuzzCheck.expect(tamedBytes == tamedGEOS, "repair \(repair), numbers beyond a Double's range as 0: \(difference(tamedBytes, tamedGEOS))")
                FuzzCheck.expect(bytes.hasPrefix("error ") || bytes == tamedBytes, "repair \(repair): a number beyond a Double's range read as another polygon than 0 gives")
                continue
            }
            FuzzCheck.expect(bytes == viaGEOS, "repair \(repair): \(difference(bytes, viaGEOS))")
        }
    }),
    FuzzTarget(name: "kml", property: "whatever the KML reader accepts has finite coordinates and GEOS reads it back as the same polygon", seeds: {
        try lsoaPolygons(4).map { p in
            let rings = p.parts[0].enumerated().map { i, ring in
                let tag = i == 0 ? "outerBoundaryIs" : "innerBoundaryIs"
                return "<\(tag)><LinearRing><coordinates>\(ring.map { "\($0.lng),\($0.lat),0" }.joined(separator: " "))</coordinates></LinearRing></\(tag)>"
            }
            return Array("<?xml version=\"1.0\"?><kml xmlns=\"http://www.opengis.net/kml/2.2\"><Placemark><Polygon>\(rings.joined())</Polygon></Placemark></kml>".utf8)
        } + ["<kml><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1</coordinates></LinearRing></outerBoundaryIs></Polygon></kml>", "{}", "<a/>"].map { Array($0.utf8) }
    }, run: { input in
        guard let p = FuzzCheck.typed({ try PolygonReader.kml(input.text) }) else { return }
        checkGEOSReadsBack(p, "kml")
    }),
]
