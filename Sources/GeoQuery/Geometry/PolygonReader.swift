import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads query polygons from the forms users have: data.police.uk `poly` strings, WKT, GeoJSON
/// (Polygon, MultiPolygon, Feature, FeatureCollection) and KML. GEOS parses WKT and GeoJSON;
/// poly strings and KML have small parsers of their own. Every polygon is validated with GEOS:
/// an invalid one is an error naming GEOS's reason and location, or, with `repair`, is fixed
/// with MakeValid and a warning says what changed.
public enum PolygonReader {
    /// A polygon with the name it came with (a GeoJSON feature's property, a KML Placemark).
    public struct Feature: Sendable {
        public var key: String
        public var polygon: Polygon
    }

    /// `lat,lng:lat,lng:...` as data.police.uk takes it; the ring is closed for you.
    /// - Complexity: one pass over the UTF-8 bytes with `strtod` (no String per number: a
    ///   200,000-point string reads in ~20 ms), then validation.
    public static func poly(_ text: String, repair: Bool = false) throws -> Polygon {
        var ring: [Polygon.Coordinate] = []
        // NUL-terminated, so strtod stops at the end; it also stops at ',' and ':'.
        let bytes = Array(text.utf8CString)
        try bytes.withUnsafeBufferPointer { buffer in
            let p = buffer.baseAddress!, end = buffer.count - 1
            func isSpace(_ c: CChar) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
            /// The number that bytes a..<b hold, spaces around it allowed; nil unless all of it is one.
            func number(_ a: Int, _ b: Int) -> Double? {
                var a = a, b = b
                while a < b && isSpace(p[a]) { a += 1 }
                while b > a && isSpace(p[b - 1]) { b -= 1 }
                guard a < b, !isSpace(p[a]) else { return nil }
                var stop: UnsafeMutablePointer<CChar>? = nil
                let v = strtod(p + a, &stop)
                return stop.map { UnsafePointer($0) == p + b } == true ? v : nil
            }
            var start = 0
            while start < end {
                var colon = start, comma = -1
                while colon < end && p[colon] != 0x3A {
                    if p[colon] == 0x2C { comma = comma == -1 ? colon : -2 }
                    colon += 1
                }
                if colon > start {  // empty pairs (a trailing ':') are skipped, as split would
                    guard comma >= 0, let lat = number(start, comma), let lng = number(comma + 1, colon) else {
                        let pair = String(decoding: UnsafeRawBufferPointer(start: p + start, count: colon - start), as: UTF8.self)
                        throw GeoQueryError.invalidQuery("poly point \(ring.count + 1) '\(pair)' is not 'latitude,longitude' (e.g. 52.268,0.543:52.794,0.238:52.130,0.478)")
                    }
                    ring.append(.init(lat: lat, lng: lng))
                }
                start = colon + 1
            }
        }
        return try validated([[ring]], repair: repair)
    }

    /// WKT text: POLYGON or MULTIPOLYGON (a collection's polygons are used).
    public static func wkt(_ text: String, repair: Bool = false) throws -> Polygon {
        let context = GEOSContext()
        return try validated(context.readWKT(text), repair: repair, source: "WKT")
    }

    /// A GeoJSON document as one area (every polygon in it).
    public static func geojson(_ text: String, repair: Bool = false) throws -> Polygon {
        let features = try geojsonFeatures(text, key: nil, repair: repair)
        guard !features.isEmpty else { throw GeoQueryError.invalidQuery("the GeoJSON holds no Polygon or MultiPolygon") }
        if features.count == 1 { return features[0].polygon }
        let context = GEOSContext()
        let union = try context.union(features.map { try $0.polygon.geometry(in: context) })
        return Polygon(union, warnings: features.flatMap(\.polygon.warnings))
    }

    /// Each polygonal feature of a GeoJSON document, named by property `key` (or a guess:
    /// LSOA11CD, LSOA21CD, name, NAME, id; else its position).
    public static func geojsonFeatures(_ text: String, key: String?, repair: Bool = false) throws -> [Feature] {
        guard let data = text.data(using: .utf8), let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GeoQueryError.invalidQuery("not a GeoJSON object (expected {\"type\": \"FeatureCollection\" | \"Feature\" | \"Polygon\" | \"MultiPolygon\", ...})")
        }
        var geometries: [(String, Any)] = []
        switch root["type"] as? String {
        case "FeatureCollection":
            for (i, f) in ((root["features"] as? [[String: Any]]) ?? []).enumerated() {
                if let g = f["geometry"], !(g is NSNull) { geometries.append((featureKey(f, key: key, index: i), g)) }
            }
        case "Feature":
            if let g = root["geometry"], !(g is NSNull) { geometries.append((featureKey(root, key: key, index: 0), g)) }
        case "Polygon", "MultiPolygon", "GeometryCollection":
            geometries.append(("1", root))
        default:
            throw GeoQueryError.invalidQuery("GeoJSON type '\(root["type"] ?? "none")' is not a Polygon, MultiPolygon, Feature or FeatureCollection")
        }
        let context = GEOSContext()
        var out: [Feature] = []
        for (name, g) in geometries {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: g), as: UTF8.self)
            let geometry = try context.readGeoJSON(json)
            guard !geometry.polygonalParts().isEmpty else { continue }
            out.append(Feature(key: name, polygon: try validated(geometry, repair: repair, source: "GeoJSON feature \(name)")))
        }
        if out.isEmpty { throw GeoQueryError.invalidQuery("the GeoJSON holds no Polygon or MultiPolygon") }
        return out
    }

    private static func featureKey(_ feature: [String: Any], key: String?, index: Int) -> String {
        let props = feature["properties"] as? [String: Any] ?? [:]
        for k in [key].compactMap({ $0 }) + ["LSOA11CD", "LSOA21CD", "lsoa11cd", "PFA20NM", "name", "NAME", "id"] {
            if let v = props[k] { return "\(v)" }
        }
        if let id = feature["id"] { return "\(id)" }
        return String(index + 1)
    }

    /// KML (data.police.uk publishes force and neighbourhood boundaries this way): every
    /// `<Polygon>` with its outer and inner boundaries, `lng,lat[,alt]` tuples.
    public static func kml(_ text: String, repair: Bool = false) throws -> Polygon {
        let parser = KMLPolygons(text)
        guard parser.parse() else {
            throw GeoQueryError.invalidQuery("the KML is not well-formed XML (\(parser.failure ?? "parse error"))")
        }
        guard !parser.parts.isEmpty else { throw GeoQueryError.invalidQuery("the KML has no <Polygon> with <coordinates>") }
        return try validated(parser.parts, repair: repair)
    }

    // MARK: validation

    static func validated(_ parts: [[[Polygon.Coordinate]]], repair: Bool) throws -> Polygon {
        for rings in parts {
            for ring in rings { try check(ring) }
        }
        let context = GEOSContext()
        let geometry = try context.polygon(parts.map { $0.map { $0.map { ($0.lng, $0.lat) } } })
        return try validated(geometry, repair: repair, source: "polygon")
    }

    /// Coordinates in range, at least three distinct points, and a UK-aware hint for swapped lat/lng.
    static func check(_ ring: [Polygon.Coordinate]) throws {
        // Three distinct points are enough to know; stopping there keeps this O(n).
        var distinct: [Polygon.Coordinate] = []
        for c in ring where !distinct.contains(c) {
            distinct.append(c)
            if distinct.count == 3 { break }
        }
        guard distinct.count >= 3 else {
            throw GeoQueryError.invalidQuery("a polygon ring needs at least 3 distinct points (got \(distinct.count))")
        }
        let ukLat = 49.0...61.5, ukLng = -9.0...2.5
        if ring.allSatisfy({ !ukLat.contains($0.lat) || !ukLng.contains($0.lng) }),
           ring.allSatisfy({ ukLat.contains($0.lng) && ukLng.contains($0.lat) }) {
            throw GeoQueryError.invalidCoordinate("the polygon's latitude and longitude look swapped (every point would be in the UK the other way round): poly strings are 'latitude,longitude'; WKT, GeoJSON and KML are 'longitude latitude'")
        }
        for c in ring {
            guard c.lat.isFinite, c.lng.isFinite, (-90...90).contains(c.lat), (-180...180).contains(c.lng) else {
                throw GeoQueryError.invalidCoordinate("polygon point \(c.lat),\(c.lng) is out of range (latitude -90 to 90, longitude -180 to 180)")
            }
        }
    }

    /// A ring's vertices without repeats of the one before (GEOS ignores them too) and without
    /// the closing vertex.
    static func distinctConsecutive(_ ring: [(Double, Double)]) -> [(x: Double, y: Double)] {
        var out: [(x: Double, y: Double)] = []
        out.reserveCapacity(ring.count)
        for p in ring where out.last.map({ $0.x != p.0 || $0.y != p.1 }) ?? true { out.append((p.0, p.1)) }
        if out.count > 1, out.first! == out.last! { out.removeLast() }
        return out
    }

    static func validated(_ g: Geometry, repair: Bool, source: String) throws -> Polygon {
        let parts = g.polygonalParts()
        guard !parts.isEmpty, !g.isEmpty else { throw GeoQueryError.invalidQuery("the \(source) holds no polygon") }
        let rings = parts.map { $0.rings() }
        for p in rings { for ring in p { try check(ring.map { .init(lat: $0.1, lng: $0.0) }) } }
        // A single ring shown simple is valid: GEOS's check is slow on long thin teeth.
        let simple = rings.count == 1 && rings[0].count == 1 && PolygonEdgeIndex.ringIsSimple(distinctConsecutive(rings[0][0])) == true
        guard !simple, let problem = g.invalidity else { return Polygon(g) }
        let place = "at or near \(Format.decimal(problem.y, places: 6)),\(Format.decimal(problem.x, places: 6)) (lat,lng)"
        guard repair else {
            throw GeoQueryError.invalidQuery("invalid \(source): \(problem.reason) \(place); fix it, or pass --repair to let GEOS MakeValid repair it")
        }
        let fixed = try g.makeValid()
        let before = g.area, after = fixed.polygonalParts().reduce(0.0) { $0 + $1.area }
        // A bow-tie's signed halves cancel, so GEOS reports no area before the repair.
        let change = before > 0 ? "planar area changed by \(Format.decimal(abs(after - before) / before * 100, places: 2))%"
            : "the outline crossed itself so its area cancelled out; check the repaired shape is what you meant"
        let warning = "repaired the \(source) with GEOS MakeValid (\(problem.reason) \(place)): now \(fixed.polygonalParts().count) polygon part(s), \(change)"
        return Polygon(fixed, warnings: [warning])
    }
}

/// Collects `<Polygon>` rings from KML with Foundation's XMLParser.
private final class KMLPolygons: NSObject, XMLParserDelegate {
    private let parser: XMLParser
    var parts: [[[Polygon.Coordinate]]] = []
    var failure: String?
    private var current: [[Polygon.Coordinate]]? = nil
    private var inOuter = false, inCoordinates = false
    private var text = ""

    init(_ kml: String) {
        parser = XMLParser(data: Data(kml.utf8))
        super.init()
        parser.delegate = self
    }

    func parse() -> Bool {
        let ok = parser.parse()
        if !ok { failure = parser.parserError?.localizedDescription }
        return ok && failure == nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch local(name) {
        case "Polygon": current = []
        case "outerBoundaryIs": inOuter = true
        case "coordinates": inCoordinates = true; text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inCoordinates { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch local(name) {
        case "coordinates":
            inCoordinates = false
            guard current != nil else { return }
            var ring: [Polygon.Coordinate] = []
            for tuple in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
                let f = tuple.split(separator: ",")
                guard f.count >= 2, let lng = Double(f[0]), let lat = Double(f[1]) else {
                    failure = "KML coordinate '\(tuple)' is not 'longitude,latitude[,altitude]'"
                    parser.abortParsing()
                    return
                }
                ring.append(.init(lat: lat, lng: lng))
            }
            if inOuter { current!.insert(ring, at: 0) } else { current!.append(ring) }
        case "outerBoundaryIs": inOuter = false
        case "Polygon":
            if let rings = current, !rings.isEmpty, !rings[0].isEmpty { parts.append(rings) }
            current = nil
        default: break
        }
    }

    private func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }
}
