import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads query polygons from the forms users have: data.police.uk `poly` strings, WKT, GeoJSON
/// (Polygon, MultiPolygon, Feature, FeatureCollection) and KML. GEOS parses WKT and GeoJSON;
/// poly strings and KML have small parsers of their own. Every polygon is validated with GEOS:
/// an invalid one is an error naming GEOS's reason and location, or, with `repair`, is fixed
/// with MakeValid and a warning says what changed. `naming` says how those errors name the
/// repair option (`--repair` for the CLI, `repair` over HTTP).
public enum PolygonReader {
    /// A polygon with the name it came with (a GeoJSON feature's property, a KML Placemark).
    public struct Feature: Sendable {
        public var key: String
        public var polygon: Polygon
    }

    /// `lat,lng:lat,lng:...` as data.police.uk takes it; the ring is closed for you.
    /// - Complexity: one pass over the UTF-8 bytes, numbers read in place (decimal only; no
    ///   String per number: a 200,000-point string reads in ~20 ms), then validation.
    public static func poly(_ text: String, repair: Bool = false, naming: QueryInput.ParameterStyle = .flags) throws -> Polygon {
        var ring: [Polygon.Coordinate] = []
        let bytes = Array(text.utf8CString)
        try bytes.withUnsafeBufferPointer { buffer in
            let p = buffer.baseAddress!, end = buffer.count - 1
            func isSpace(_ c: CChar) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
            /// The number that bytes a..<b hold, spaces around it allowed; nil unless all of it is one.
            func number(_ a: Int, _ b: Int) -> Double? {
                var a = a, b = b
                while a < b && isSpace(p[a]) { a += 1 }
                while b > a && isSpace(p[b - 1]) { b -= 1 }
                guard a < b else { return nil }
                // Decimal only, as --lat and --lng: strtod also took hex ("0x34" = 52), inf and nan.
                var cursor = TextBytes(UnsafeRawPointer(p + a).assumingMemoryBound(to: UInt8.self), count: b - a)
                guard let v = cursor.number(.wkt), cursor.isAtEnd else { return nil }
                return v
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
        return try validated([[ring]], repair: repair, naming: naming, source: "polygon")
    }

    /// WKT text: POLYGON or MULTIPOLYGON (a collection's polygons are used).
    /// - Complexity: POLYGON and MULTIPOLYGON are read from the bytes in one pass
    ///   (`wktParts`); other WKT goes through GEOS's reader.
    public static func wkt(_ text: String, repair: Bool = false, naming: QueryInput.ParameterStyle = .flags) throws -> Polygon {
        if let read = wktParts(text) { return try validated(read, repair: repair, naming: naming, source: "WKT") }
        return try wktThroughGEOS(text, repair: repair, naming: naming)
    }

    /// WKT read by GEOS's WKT reader: for what the byte reader leaves (other geometry types,
    /// Z coordinates, malformed text, whose errors are GEOS's words).
    static func wktThroughGEOS(_ text: String, repair: Bool, naming: QueryInput.ParameterStyle = .flags) throws -> Polygon {
        if let rest = textAfterGeometry(wkt: text) {
            throw GeoQueryError.invalidQuery("invalid WKT: unexpected text after the end of the geometry: '\(rest.prefix(40))'")
        }
        // GEOS reads NaN, and a NaN closing point then makes its ring look open (NaN equals
        // nothing): say what is wrong. No WKT keyword holds "nan".
        if text.range(of: "nan", options: .caseInsensitive) != nil {
            throw GeoQueryError.invalidCoordinate("invalid WKT: a coordinate is NaN (not a number)")
        }
        // GEOS reads numbers with strtod, which takes hexadecimal too (`0x34` is 52): read silently
        // as another number than the user meant to write. No WKT keyword holds "0x".
        if let hex = text.range(of: "0x", options: .caseInsensitive) {
            let token = text[hex.lowerBound...].prefix { !" \t\n\r,()".contains($0) }
            throw GeoQueryError.invalidCoordinate("invalid WKT: '\(token.prefix(40))' is a hexadecimal number: give coordinates as decimal numbers")
        }
        let context = GEOSContext()
        let (geometry, closed) = try readClosingRings(source: "WKT", repair: repair, naming: naming,
                                                      read: { try context.readWKT(text) }, closed: { try context.readWKT(closingRings(wkt: text)) })
        var polygon = try validated(geometry, repair: repair, naming: naming, source: "WKT")
        if closed { polygon.warnings.insert(closedNote("WKT"), at: 0) }
        return polygon
    }

    /// What follows a WKT geometry's outermost closing bracket, when anything but white space
    /// does (nil when its brackets never close: GEOS refuses that in its own words). GEOS 3.11
    /// reads the geometry and ignores the rest (`POLYGON((...)) trailing`); later GEOS refuse it.
    static func textAfterGeometry(wkt text: String) -> Substring? {
        var depth = 0
        for i in text.utf8.indices {
            switch text.utf8[i] {
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                guard depth == 0 else { continue }
                let rest = text[text.utf8.index(after: i)...].drop { $0.isWhitespace }
                return rest.isEmpty ? nil : rest
            default: continue
            }
        }
        return nil
    }

    /// Which features of a FeatureCollection to use: those whose name (the `key` property, else the
    /// guessed one) is one of `names`, and whose properties hold every `KEY=VALUE` of `properties`.
    /// Matching ignores case and surrounding spaces; empty lists pick every feature.
    public struct FeatureSelection: Sendable {
        public var names: [String] = []
        /// `KEY=VALUE` texts as typed after `--where`.
        public var properties: [String] = []
        /// The property that names features (`--feature-key`); nil guesses.
        public var key: String?
        public init(names: [String] = [], properties: [String] = [], key: String? = nil) {
            self.names = names; self.properties = properties; self.key = key
        }
        public var isEmpty: Bool { names.isEmpty && properties.isEmpty }
    }

    /// A GeoJSON document as one area (every polygon in it, or the selected features').
    public static func geojson(_ text: String, repair: Bool = false, naming: QueryInput.ParameterStyle = .flags, selecting: FeatureSelection = FeatureSelection()) throws -> Polygon {
        do {
            return try area(of: try geojsonFeatures(text, key: selecting.key, selecting: selecting, repair: repair, naming: naming))
        } catch GeoQueryError.invalidQuery(let m) where naming == .flags && selecting.isEmpty && m.hasPrefix("invalid GeoJSON feature ")
                    && ((try? JSONInput.object(text, what: "the GeoJSON", example: ""))?["features"] as? [Any])?.count ?? 0 > 1 {
            // A user who meant one feature of a file (a force, an LSOA) may not know every one was read.
            throw GeoQueryError.invalidQuery(m + " (every feature of the FeatureCollection is read, together as one area: --feature NAME picks one, --per-feature answers each)")
        }
    }

    /// A GeoJSON object already read as part of a batch line (no copy, no second parse of the
    /// line); its text is made only for what the byte reader leaves to Foundation and GEOS.
    static func geojson(_ doc: JSONBytes, repair: Bool, naming: QueryInput.ParameterStyle = .flags) throws -> Polygon {
        if let read = geojsonParts(doc, key: nil) {
            do { return try area(of: try validated(read, repair: repair, naming: naming)) } catch where doc.numbers.beyondDouble != nil {
                // A number beyond a Double (read as infinite) is refused in the words the text's
                // reading gives ("a number out of range (1e400)"), not as a point at inf.
                return try geojson(doc.ownText, repair: repair, naming: naming)
            }
        }
        return try geojson(doc.ownText, repair: repair, naming: naming)
    }

    /// Features read from bytes, each validated, in order.
    private static func validated(_ features: [ReadFeature], repair: Bool, naming: QueryInput.ParameterStyle = .flags) throws -> [Feature] {
        try features.map { Feature(key: $0.name, polygon: try validated($0.read, repair: repair, naming: naming, source: geojsonSource($0.name, bare: $0.bare))) }
    }

    /// How messages name a GeoJSON polygon: the feature by its name, a bare geometry by its type.
    static func geojsonSource(_ name: String, bare type: String?) -> String {
        type.map { "GeoJSON \($0)" } ?? "GeoJSON feature \(name)"
    }

    /// Features as one area: the one, or the union of several (internal: the fuzz target puts the
    /// GEOS reader's features together the same way to compare the two readers).
    static func area(of features: [Feature]) throws -> Polygon {
        guard !features.isEmpty else { throw GeoQueryError.invalidQuery("the GeoJSON holds no Polygon or MultiPolygon") }
        if features.count == 1 { return features[0].polygon }
        let context = GEOSContext()
        let union = try context.union(features.map { try $0.polygon.geometry(in: context) })
        return Polygon(union, warnings: features.flatMap(\.polygon.warnings))
    }

    /// Each polygonal feature of a GeoJSON document, named by property `key` (or a guess:
    /// LSOA11CD, LSOA21CD, name, NAME, id; else its position).
    /// - Complexity: plain polygon documents (no `--feature`/`--where`) are read from the bytes
    ///   in one pass (`geojsonParts`); others through Foundation and GEOS's reader.
    public static func geojsonFeatures(_ text: String, key: String?, selecting: FeatureSelection = FeatureSelection(), repair: Bool = false, naming: QueryInput.ParameterStyle = .flags) throws -> [Feature] {
        // A number beyond a Double's range anywhere makes Foundation refuse the whole document:
        // such text goes its way, for the same verdict.
        if selecting.isEmpty, let doc = JSONBytes(text), doc.numbers.beyondDouble == nil, let read = geojsonParts(doc, key: key) {
            if let key, !read.contains(where: \.namedByKey) {
                // Spelt otherwise than the file spells it (case, spaces), or not there: only now
                // read for its properties (the path of a mistake, not of the answer).
                let root = try? JSONInput.object(text, what: "the GeoJSON", example: "")
                let features = root?["type"] as? String == "FeatureCollection" ? root?["features"] as? [[String: Any]] ?? [] : root.map { [$0] } ?? []
                let real = try resolvedKey(key, among: features.flatMap { ($0["properties"] as? [String: Any] ?? [:]).keys })
                if real != key { return try geojsonFeatures(text, key: real, selecting: selecting, repair: repair, naming: naming) }
            }
            return try validated(read, repair: repair, naming: naming)
        }
        return try geojsonFeaturesThroughGEOS(text, key: key, selecting: selecting, repair: repair, naming: naming)
    }

    /// GeoJSON read with Foundation and GEOS's GeoJSON reader: for what the byte reader leaves
    /// (feature selection, other geometry types, malformed text, whose errors are Foundation's
    /// and GEOS's words).
    static func geojsonFeaturesThroughGEOS(_ text: String, key: String?, selecting: FeatureSelection, repair: Bool, naming: QueryInput.ParameterStyle = .flags) throws -> [Feature] {
        let root = try JSONInput.object(text, what: "the GeoJSON", example: "expected {\"type\": \"FeatureCollection\" | \"Feature\" | \"Polygon\" | \"MultiPolygon\", ...}")
        // The key as the file spells it (case and spaces aside), or a refusal naming the properties there are.
        let listed = root["type"] as? String == "FeatureCollection" ? root["features"] as? [[String: Any]] ?? [] : root["type"] as? String == "Feature" ? [root] : []
        let key = try key.map { try resolvedKey($0, among: listed.flatMap { ($0["properties"] as? [String: Any] ?? [:]).keys }) }
        var features: [(name: String, properties: [String: Any], geometry: Any)] = []
        // The geometry's type when the document is a bare geometry (messages name it so).
        var bare: String?
        switch root["type"] as? String {
        case "FeatureCollection":
            for (i, f) in ((root["features"] as? [[String: Any]]) ?? []).enumerated() {
                if let g = f["geometry"], !(g is NSNull) { features.append((featureKey(f, key: key, index: i), f["properties"] as? [String: Any] ?? [:], g)) }
            }
        case "Feature":
            if let g = root["geometry"], !(g is NSNull) { features.append((featureKey(root, key: key, index: 0), root["properties"] as? [String: Any] ?? [:], g)) }
        case let type? where ["Polygon", "MultiPolygon", "GeometryCollection"].contains(type):
            bare = type
            guard selecting.isEmpty else { throw GeoQueryError.invalidQuery("--feature and --where pick features of a FeatureCollection: this GeoJSON is a bare \(root["type"]!)") }
            features.append(("1", [:], root))  // keyed "1", as the byte reader keys it
        default:
            // A non-string "type" is named by its kind, not printed: Foundation's dictionaries
            // print their keys in no fixed order, so the same text gave two messages.
            let named = (root["type"] as? String).map { "type '\($0)'" } ?? (root["type"] == nil ? "text has no \"type\", so it" : "\"type\" is not a string, so it")
            throw GeoQueryError.invalidQuery("GeoJSON \(named) is not a Polygon, MultiPolygon, Feature or FeatureCollection\(notAnArea([root]))")
        }
        if !selecting.isEmpty { features = try select(features, selecting) }
        let context = GEOSContext()
        var out: [Feature] = []
        for (name, _, g) in features {
            let source = geojsonSource(name, bare: bare)
            let plane = try planePositions(g, source: source)
            let json = String(decoding: try JSONSerialization.data(withJSONObject: plane), as: UTF8.self)
            let (geometry, closed) = try readClosingRings(source: source, repair: repair, naming: naming,
                                                          read: { try context.readGeoJSON(json) }, closed: { try context.readGeoJSON(closingRings(geojson: plane)) })
            guard !geometry.polygonalParts().isEmpty else { continue }
            var polygon = try validated(geometry, repair: repair, naming: naming, source: source)
            if closed { polygon.warnings.insert(closedNote(source), at: 0) }
            out.append(Feature(key: name, polygon: polygon))
        }
        if out.isEmpty { throw GeoQueryError.invalidQuery("the GeoJSON holds no Polygon or MultiPolygon\(notAnArea(features.map(\.geometry)))") }
        return out
    }

    /// The geometry as GEOS 3.11's GeoJSON reader takes it, in one walk over its positions:
    /// - a position of fewer than two numbers (`[]`, `[1]`) is refused first: that reader reads a
    ///   position's numbers without counting them and crashes on `[]` (found by fuzzing);
    /// - a three-number position is cut to its longitude and latitude: RFC 7946 allows an
    ///   altitude (exports from QGIS and GPS tools carry one), which that reader refuses
    ///   ("Expected two coordinates") though its WKT reader takes `POLYGON Z`.
    private static func planePositions(_ g: Any, source: String) throws -> Any {
        guard var object = g as? [String: Any] else { return g }
        if let geometries = object["geometries"] as? [Any] { object["geometries"] = try geometries.map { try planePositions($0, source: source) } }
        guard let depth = ["Point": 0, "MultiPoint": 1, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3][object["type"] as? String ?? ""],
              let coordinates = object["coordinates"] else { return object }
        func walk(_ v: Any, _ level: Int) throws -> Any {
            guard let list = v as? [Any] else { return v }
            if level > 0 { return try list.map { try walk($0, level - 1) } }
            if list.count < 2 {
                throw GeoQueryError.invalidQuery("invalid \(source): a position holds \(list.count) number\(list.count == 1 ? "" : "s") (\(JSONInput.literal(list))): each needs a longitude and a latitude")
            }
            return list.count == 3 && list.allSatisfy({ $0 is NSNumber }) ? Array(list.prefix(2)) : list
        }
        object["coordinates"] = try walk(coordinates, depth)
        return object
    }

    /// Advice for geometries that are not areas: a point wants a radius, a line wants closing.
    private static func notAnArea(_ geometries: [Any]) -> String {
        let types = geometries.compactMap { ($0 as? [String: Any])?["type"] as? String }
        if let point = geometries.lazy.compactMap({ $0 as? [String: Any] }).first(where: { $0["type"] as? String == "Point" }),
           let c = point["coordinates"] as? [Double], c.count >= 2 {
            return " (it holds a Point): a query area must be a polygon; for a point use --lat/--lng --radius, e.g. --lat \(c[1]) --lng \(c[0]) --radius 0.5mi"
        }
        if types.contains(where: { $0.hasSuffix("Point") }) {
            return " (it holds \(types.first { $0.hasSuffix("Point") }!)): for a point use --lat/--lng --radius"
        }
        if let line = types.first(where: { $0.hasSuffix("LineString") }) {
            return " (it holds a \(line)): a line is not an area; make it a Polygon whose ring ends at its first point, or use --lat/--lng --radius around a point"
        }
        return ""
    }

    /// The property a `--feature-key` names, as the features spell it: itself, else the one
    /// equal to it but for case and surrounding spaces (as `--where` reads keys). One no feature
    /// has is refused, with the properties they have (names fell back to the usual keys
    /// silently, so `--feature` matched by another property).
    private static func resolvedKey(_ key: String, among properties: [String]) throws -> String {
        let keys = Array(Set(properties))
        if keys.contains(key) { return key }
        if let real = keys.sorted().first(where: { sameWord($0, key) }) { return real }
        throw GeoQueryError.invalidQuery("no feature of the GeoJSON has the property '\(key)' given to --feature-key\(keys.isEmpty ? " (its features have no properties)" : closeTo(key, keys))")
    }

    /// Equal but for case and surrounding spaces: how feature names, keys and values are matched.
    private static func sameWord(_ a: String, _ b: String) -> Bool { a.trimmed.lowercased() == b.trimmed.lowercased() }

    /// ": did you mean X?" for a word given where one of `among` was wanted, else the choices.
    private static func closeTo(_ word: String, _ among: [String]) -> String {
        let near = Spelling.closest(to: word, among: among, limit: 3)
        if !near.isEmpty { return ": did you mean \(near.joined(separator: " or "))?" }
        // A force by another of its names (`leics`, `Leicestershire Police`) in a file of force areas.
        if let force = Force.named(word), let hit = among.first(where: { Force.info($0)?.slug == force.slug }) {
            return ": did you mean \(hit)?"
        }
        let shown = among.sorted().prefix(12).joined(separator: ", ")
        return " (\(among.count) to choose from: \(shown)\(among.count > 12 ? ", ..." : ""))"
    }

    /// The features `selection` picks; a name or value that matches nothing is an error naming
    /// the closest ones the file has.
    private static func select(_ features: [(name: String, properties: [String: Any], geometry: Any)], _ selection: FeatureSelection) throws -> [(name: String, properties: [String: Any], geometry: Any)] {
        let same = sameWord
        var picked = features
        var conditions: [(key: String, value: String)] = []
        for text in selection.properties {
            let kv = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[0].trimmed.isEmpty else {
                throw GeoQueryError.invalidQuery("--where takes KEY=VALUE (a feature property and its value), e.g. --where PFA20NM=Leicestershire; got '\(text)'")
            }
            conditions.append((kv[0].trimmed, kv[1]))
        }
        for (key, value) in conditions {
            let keys = Set(features.flatMap { $0.properties.keys }).sorted()
            guard let realKey = keys.first(where: { same($0, key) }) else {
                throw GeoQueryError.invalidQuery("no feature has the property '\(key)' given to --where\(closeTo(key, keys))")
            }
            let values = Set(features.compactMap { $0.properties[realKey].map { "\($0)" } }).sorted()
            picked = picked.filter { f in f.properties[realKey].map { same("\($0)", value) } ?? false }
            guard !picked.isEmpty else {
                throw GeoQueryError.invalidQuery("no feature has \(realKey)=\(value)\(closeTo(value, values))")
            }
        }
        if !selection.names.isEmpty {
            let names = features.map(\.name)
            for name in selection.names where !names.contains(where: { same($0, name) }) {
                throw GeoQueryError.invalidQuery("no feature named '\(name)' given to --feature\(closeTo(name, names))")
            }
            picked = picked.filter { f in selection.names.contains { same($0, f.name) } }
            guard !picked.isEmpty else { throw GeoQueryError.invalidQuery("no feature matches both --feature and --where") }
        }
        return picked
    }

    private static func featureKey(_ feature: [String: Any], key: String?, index: Int) -> String {
        let props = feature["properties"] as? [String: Any] ?? [:]
        for k in [key].compactMap({ $0 }) + featureKeys {
            if let v = props[k] { return "\(v)" }
        }
        if let id = feature["id"] { return "\(id)" }
        return String(index + 1)
    }

    /// KML (data.police.uk publishes force and neighbourhood boundaries this way): every
    /// `<Polygon>` with its outer and inner boundaries, `lng,lat[,alt]` tuples; several are one
    /// area, their union.
    public static func kml(_ text: String, repair: Bool = false, naming: QueryInput.ParameterStyle = .flags) throws -> Polygon {
        let start = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }.first
        guard start == "<" else {
            let hint = start == "{" ? " (it looks like JSON: GeoJSON goes to --geojson)" : ""
            throw GeoQueryError.invalidQuery("not a KML document: it is not XML, which starts with '<'\(hint)")
        }
        let parser = KMLPolygons(text)
        guard parser.parse() else {
            throw GeoQueryError.invalidQuery("cannot read the KML: \(parser.failure ?? "the XML cannot be read")")
        }
        if let root = parser.root, root.lowercased() != "kml" {
            throw GeoQueryError.invalidQuery("not a KML document: its outer element is <\(root)>, not <kml> (KML starts <kml xmlns=\"http://www.opengis.net/kml/2.2\">)")
        }
        guard !parser.parts.isEmpty else { throw GeoQueryError.invalidQuery("the KML has no <Polygon> with <coordinates>") }
        guard parser.parts.count > 1 else { return try validated(parser.parts, repair: repair, naming: naming, source: "polygon") }
        // Each <Polygon> on its own, then their union, as a GeoJSON FeatureCollection's features:
        // placemarks that share an edge or overlap make one area (read as one MultiPolygon they
        // were refused as self-intersecting; an independent check).
        let each = try parser.parts.map { try validated([$0], repair: repair, naming: naming, source: "polygon") }
        let context = GEOSContext()
        return Polygon(try context.union(each.map { try $0.geometry(in: context) }), warnings: each.flatMap(\.warnings))
    }

    // MARK: unclosed rings

    /// Reads with `read`; GEOS refuses a ring whose last point is not its first, which we say in
    /// plain words, or, with `repair`, read again with `closed` (the rings closed). Returns the
    /// geometry and whether rings were closed.
    private static func readClosingRings(source: String, repair: Bool, naming: QueryInput.ParameterStyle = .flags, read: () throws -> Geometry, closed: () throws -> Geometry) throws -> (Geometry, Bool) {
        do { return (try read(), false) } catch let e as GeoQueryError where e.description.contains("closed linestring") {
            guard repair else { throw openRing(source, naming: naming) }
            return (try closed(), true)
        }
    }

    private static func openRing(_ source: String, naming: QueryInput.ParameterStyle) -> GeoQueryError {
        GeoQueryError.invalidQuery("invalid \(source): a ring's first and last points differ: close it (repeat the first point at the end), or \(naming.enabling("repair")) to have it closed")
    }

    private static func closedNote(_ source: String) -> String {
        "repaired the \(source): closed a ring whose last point was not its first (the first point repeated at the end)"
    }

    /// WKT with every innermost `( ... )` coordinate list closed.
    static func closingRings(wkt: String) -> String {
        var out = ""
        var ring = ""
        var inRing = false
        for ch in wkt {
            if ch == "(" { out += ring; ring = ""; inRing = true; out.append(ch); continue }
            if ch == ")" && inRing {
                let points = ring.split(separator: ",").map { $0.split(whereSeparator: \.isWhitespace).compactMap { Double($0) } }
                if let f = points.first, let l = points.last, points.count > 1, f != l {
                    ring += ", " + f.map { "\($0)" }.joined(separator: " ")
                }
                out += ring; ring = ""; inRing = false; out.append(ch); continue
            }
            if inRing { ring.append(ch) } else { out.append(ch) }
        }
        return out + ring
    }

    /// A GeoJSON geometry object as text with its Polygon/MultiPolygon rings closed.
    static func closingRings(geojson g: Any) throws -> String {
        // A position as GEOS's reader and the byte reader take it: each number's literal read
        // correctly rounded (-0 as 0), anything else as written. Not as [Double]: Foundation keeps a
        // long number as a decimal or an integer that `as? [Double]` refuses (an 18-digit integer),
        // which left the ring open; and not as the literals alone: two literals can name one
        // Double (51.508412871033491 and ...492), and the ring was then closed twice (all found
        // by fuzzing).
        func position(_ p: Any) -> [String] {
            (p as? [Any] ?? [p]).map { v in
                let text = JSONInput.literal(v)
                guard v is NSNumber, !JSONInput.isBool(v) else { return text }
                return "\((strtod(text, nil) + 0).bitPattern)"
            }
        }
        func close(_ ring: [Any]) -> [Any] {
            // The first point is repeated as read, since a Double written beside a decimal could
            // differ in the last digit.
            guard ring.count > 1, position(ring[0]) != position(ring[ring.count - 1]) else { return ring }
            return ring + [ring[0]]
        }
        var object = g as? [String: Any] ?? [:]
        switch object["type"] as? String {
        case "Polygon": object["coordinates"] = (object["coordinates"] as? [[Any]])?.map(close)
        case "MultiPolygon": object["coordinates"] = (object["coordinates"] as? [[[Any]]])?.map { $0.map(close) }
        case "GeometryCollection": object["geometries"] = try (object["geometries"] as? [Any])?.map { try JSONSerialization.jsonObject(with: Data(closingRings(geojson: $0).utf8)) }
        default: break
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    // MARK: validation

    /// Rings read from text, checked: an open ring is closed with `repair` (else refused, as GEOS's
    /// readers refuse it), then validated as below.
    static func validated(_ read: ReadParts, repair: Bool, naming: QueryInput.ParameterStyle = .flags, source: String) throws -> Polygon {
        if read.hasOpenRing && !repair { throw openRing(source, naming: naming) }
        var polygon = try validated(read.parts, repair: repair, naming: naming, source: source)
        if read.hasOpenRing { polygon.warnings.insert(closedNote(source), at: 0) }
        return polygon
    }

    /// Closed rings checked (``check(_:)``) and validated on their own coordinates: a single ring
    /// shown simple by the edge sweep needs nothing more; otherwise GEOS, given the same
    /// coordinates, judges validity and, with `repair`, repairs.
    static func validated(_ parts: [[[Polygon.Coordinate]]], repair: Bool, naming: QueryInput.ParameterStyle = .flags, source: String) throws -> Polygon {
        let parts = Polygon.closed(parts)
        for rings in parts {
            for ring in rings { try check(ring) }
        }
        if parts.allSatisfy({ liesOnOneLine($0[0]) { ($0.lng, $0.lat) } }) { throw noArea(source) }
        // A single ring shown simple is valid: GEOS's check is slow on long thin teeth. Without
        // repeated vertices the ring's edges are the polygon's own, so the sweep runs on the
        // polygon's edge index, which the query then reuses rather than building it again.
        if parts.count == 1 && parts[0].count == 1 {
            if !repeatsAVertex(parts[0][0]) {
                let polygon = Polygon(parts: parts)
                if polygon.edges.ringIsSimple() == true { return polygon }
            } else if PolygonEdgeIndex.ringIsSimple(distinctConsecutive(parts[0][0].map { ($0.lng, $0.lat) })) == true {
                return Polygon(parts: parts)
            }
        }
        let context = GEOSContext()
        let xy = parts.map { $0.map { $0.map { ($0.lng, $0.lat) } } }
        let geometry = try context.polygon(xy)
        // The rings were checked above and GEOS built them as given: only the repair is left.
        guard let problem = geometry.invalidity else { return Polygon(parts: parts) }
        return try repaired(geometry, rings: xy, problem: problem, repair: repair, naming: naming, source: source)
    }

    /// Coordinates in range, at least three distinct points, and a UK-aware hint for swapped lat/lng.
    static func check(_ ring: [Polygon.Coordinate]) throws {
        // Three distinct points are enough to know; stopping there keeps this O(n) (and off the heap).
        var first: Polygon.Coordinate?, second: Polygon.Coordinate?, distinct = 0
        for c in ring where c != first && c != second {
            distinct += 1
            if distinct == 1 { first = c } else if distinct == 2 { second = c } else { break }
        }
        guard distinct >= 3 else {
            throw GeoQueryError.invalidQuery("a polygon ring needs at least 3 distinct points (got \(distinct))")
        }
        if ring.allSatisfy({ !UKBox.contains(lat: $0.lat, lng: $0.lng) }), ring.allSatisfy({ UKBox.looksSwapped(lat: $0.lat, lng: $0.lng) }) {
            throw GeoQueryError.invalidCoordinate("the polygon's latitude and longitude look swapped (every point would be in the UK the other way round): poly strings are 'latitude,longitude'; WKT, GeoJSON and KML are 'longitude latitude'")
        }
        for c in ring {
            guard c.lat.isFinite, c.lng.isFinite, (-90...90).contains(c.lat), (-180...180).contains(c.lng) else {
                throw GeoQueryError.invalidCoordinate("polygon point \(c.lat),\(c.lng) is out of range (latitude -90 to 90, longitude -180 to 180)")
            }
        }
    }

    /// Whether a closed ring repeats a vertex straight after itself (then its edges, as GEOS sees
    /// them, are not all the polygon's own: ``distinctConsecutive(_:)`` makes them).
    static func repeatsAVertex(_ ring: [Polygon.Coordinate]) -> Bool {
        ring.withUnsafeBufferPointer { r in
            for i in r.indices.dropFirst() where r[i] == r[i - 1] { return true }
            return false
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

    static func validated(_ g: Geometry, repair: Bool, naming: QueryInput.ParameterStyle = .flags, source: String) throws -> Polygon {
        let parts = g.polygonalParts()
        guard !parts.isEmpty, !g.isEmpty else { throw GeoQueryError.invalidQuery("the \(source) holds no polygon") }
        let rings = parts.map { $0.rings() }
        for p in rings { for ring in p { try check(ring.map { .init(lat: $0.1, lng: $0.0) }) } }
        if rings.allSatisfy({ liesOnOneLine($0[0]) { $0 } }) { throw noArea(source) }
        // A single ring shown simple is valid: GEOS's check is slow on long thin teeth.
        let simple = rings.count == 1 && rings[0].count == 1 && PolygonEdgeIndex.ringIsSimple(distinctConsecutive(rings[0][0])) == true
        guard !simple, let problem = g.invalidity else { return Polygon(g) }
        return try repaired(g, rings: rings, problem: problem, repair: repair, naming: naming, source: source)
    }

    /// An invalid polygon refused, or with `repair` repaired, with a warning saying how.
    /// - Parameter rings: `g`'s polygons as (x, y) rings, each exterior then holes.
    private static func repaired(_ g: Geometry, rings: [[[(Double, Double)]]], problem: (reason: String, x: Double, y: Double),
                                 repair: Bool, naming: QueryInput.ParameterStyle, source: String) throws -> Polygon {
        let place = "at or near \(Format.decimal(problem.y, places: 6)),\(Format.decimal(problem.x, places: 6)) (lat,lng)"
        guard repair else {
            throw GeoQueryError.invalidQuery("invalid \(source): \(problem.reason) \(place); fix it, or \(naming.enabling("repair")) to let GEOS MakeValid repair it")
        }
        let split = rings.count == 1 && rings[0].count == 1 && problem.reason == "Ring Self-intersection" ? splitAtTouches(rings[0][0], in: g.context) : nil
        if split == nil, let tangle = EdgeCrossings.tangle(rings.flatMap { $0 }) {
            throw GeoQueryError.invalidQuery("invalid \(source): \(problem.reason) \(place), and \(tangle): too tangled to repair (GEOS MakeValid's time grows faster than the crossings); simplify it")
        }
        let fixed = try split ?? g.makeValid()
        guard !fixed.polygonalParts().isEmpty else {
            throw GeoQueryError.invalidQuery("invalid \(source): \(problem.reason) \(place), and GEOS MakeValid's repair encloses no area (the outline runs back along itself): fix it")
        }
        let before = g.area, after = fixed.polygonalParts().reduce(0.0) { $0 + $1.area }
        // A bow-tie's signed halves cancel, so GEOS reports no area before the repair.
        let change = before > 0 ? "planar area changed by \(Format.decimal(abs(after - before) / before * 100, places: 2))%"
            : "the outline crossed itself so its area cancelled out; check the repaired shape is what you meant"
        let how = split == nil ? "with GEOS MakeValid (\(problem.reason) \(place))"
            : "by splitting its ring where it touches itself (\(problem.reason) \(place)), the shape GEOS MakeValid makes"
        let warning = "repaired the \(source) \(how): now \(fixed.polygonalParts().count) polygon part(s), \(change)"
        return Polygon(fixed, warnings: [warning])
    }

    /// The error for an outline whose every part lies on one line: GEOS calls one that runs
    /// back along itself a self-intersection (and repairs it to nothing), and three points on a
    /// diagonal, not quite in line once in binary, a valid polygon of no area (answered as zero
    /// crimes at a density of 0). Checked before validity, so neither reaches the user.
    static func noArea(_ source: String) -> GeoQueryError {
        .invalidQuery("invalid \(source): it encloses no area (its points lie on one line): give at least three points that are not in a line")
    }

    /// Whether every point of a ring lies on the line through its first point and the point
    /// furthest from it (to a billionth of that length: decimal input is not exactly collinear
    /// once in binary). A real polygon is told apart at its first point clearly off the line
    /// through its first two (its third, usually), so the batch's lines pay a few comparisons;
    /// only a ring that stays near that line gets the careful two passes.
    @inline(__always)
    static func liesOnOneLine<Point>(_ ring: [Point], _ xy: (Point) -> (Double, Double)) -> Bool {
        guard let first = ring.first else { return true }
        let a = xy(first)
        var b: (Double, Double)? = nil
        for q in ring {
            let p = xy(q)
            guard let d = b else { if p != a { b = p }; continue }
            let (ux, uy, vx, vy) = (d.0 - a.0, d.1 - a.1, p.0 - a.0, p.1 - a.1)
            let cross = ux * vy - uy * vx
            // Off by a millionth of a radian: far beyond rounding. (Only a ring whose first two
            // points nearly coincide could be on one line and still fail this; GEOS judges it.)
            if cross * cross > 1e-12 * (ux * ux + uy * uy) * (vx * vx + vy * vy) { return false }
        }
        var far = a, reach2 = 0.0
        for q in ring {
            let p = xy(q), (dx, dy) = (p.0 - a.0, p.1 - a.1)
            let d2 = dx * dx + dy * dy
            if d2 > reach2 { reach2 = d2; far = p }
        }
        guard reach2 > 0 else { return true }
        let reach = reach2.squareRoot(), (ux, uy) = ((far.0 - a.0) / reach, (far.1 - a.1) / reach)
        for q in ring {
            let p = xy(q)
            if abs((p.0 - a.0) * uy - (p.1 - a.1) * ux) > reach * 1e-9 { return false }
        }
        return true
    }

    /// A ring touching itself at its vertices, repaired as its loops (``SelfTouchingRing``); nil
    /// when they do not make a polygon GEOS finds valid (MakeValid then repairs it).
    static func splitAtTouches(_ ring: [(Double, Double)], in context: GEOSContext) -> Geometry? {
        let loops = SelfTouchingRing.loops(distinctConsecutive(ring))
        guard loops.count > 1, let parts = SelfTouchingRing.parts(loops),
              let g = try? context.polygon(parts.map { $0.map { $0.map { ($0.x, $0.y) } } }), g.invalidity == nil else { return nil }
        return g
    }
}

/// Collects `<Polygon>` rings from KML with Foundation's XMLParser.
private final class KMLPolygons: NSObject, XMLParserDelegate {
    private let parser: XMLParser
    var parts: [[[Polygon.Coordinate]]] = []
    var failure: String?
    private var current: [[Polygon.Coordinate]]? = nil
    private var inOuter = false, inInner = false, inCoordinates = false, hasOuter = false, hasHole = false
    /// The document's outer element (`kml` for KML), without its namespace prefix.
    var root: String?
    private var text = ""
    /// Elements open now: XMLParser reports success at an end of input with elements still open,
    /// so a file cut short between two placemarks would answer for the first alone.
    private var open: [String] = []

    init(_ kml: String) {
        let bytes = KMLPolygons.withoutProcessingInstructions(kml)
        parser = XMLParser(data: Data(bytes ?? []))
        super.init()
        if bytes == nil { failure = "the XML declaration at the start is malformed: it must read like <?xml version=\"1.0\" encoding=\"UTF-8\"?>" }
        parser.delegate = self
    }

    /// The text's bytes without processing instructions (`<?target data?>`): KML has no use for
    /// them, and Foundation's XMLParser on Linux crashes (strlen of NULL) on one with no data,
    /// such as `<?a?>`, and on a malformed XML declaration (found by fuzzing). A leading XML
    /// declaration is checked against XML's grammar (nil when it does not match) and dropped too:
    /// the bytes are UTF-8, XML's default, whatever encoding it names.
    static func withoutProcessingInstructions(_ text: String) -> [UInt8]? {
        let b = Array(text.utf8)
        var out: [UInt8] = [], i = 0
        out.reserveCapacity(b.count)
        let lead = b.prefix { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 >= 0x80 }.count
        while i < b.count {
            guard b[i] == UInt8(ascii: "<"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "?") else { out.append(b[i]); i += 1; continue }
            var end = i + 2
            while end + 1 < b.count && !(b[end] == UInt8(ascii: "?") && b[end + 1] == UInt8(ascii: ">")) { end += 1 }
            guard end + 1 < b.count else { out.append(contentsOf: b[i...]); break }  // unterminated: XMLParser refuses it
            // `<?xml` then a space starts a declaration (`<?xmlfoo?>` is a data-less PI).
            if i == lead, end > i + 5, b[(i + 2)..<(i + 5)].elementsEqual("xml".utf8), [0x20, 0x09, 0x0A, 0x0D].contains(b[i + 5]),
               !isXMLDeclaration(b[i...(end + 1)]) {
                return nil
            }
            i = end + 2
        }
        return out
    }

    /// XML 1.x's `XMLDecl`: version, then optional encoding and standalone, in that order.
    static func isXMLDeclaration(_ bytes: ArraySlice<UInt8>) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let s = "[ \\t\\r\\n]", eq = "\(s)*=\(s)*"
        func quoted(_ body: String) -> String { "(\"\(body)\"|'\(body)')" }
        let pattern = "^<\\?xml\(s)+version\(eq)\(quoted("1\\.[0-9]+"))(\(s)+encoding\(eq)\(quoted("[A-Za-z][A-Za-z0-9._-]*")))?"
            + "(\(s)+standalone\(eq)\(quoted("(yes|no)")))?\(s)*\\?>$"
        return text.range(of: pattern, options: .regularExpression) != nil
    }

    func parse() -> Bool {
        let ok = parser.parse()
        // Foundation's own words are "The operation could not be completed"; a place helps more.
        if !ok && failure == nil { failure = "the XML is malformed at line \(parser.lineNumber), column \(parser.columnNumber)" }
        if ok && failure == nil, let last = open.last {
            failure = "the XML ends before <\(last)> is closed (is the file cut short?)"
        }
        return ok && failure == nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if root == nil { root = local(name) }
        open.append(name)
        switch local(name) {
        case "Polygon": current = []; hasOuter = false; hasHole = false
        case "outerBoundaryIs": inOuter = true
        case "innerBoundaryIs": inInner = true
        case "coordinates": inCoordinates = true; text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inCoordinates { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        _ = open.popLast()
        switch local(name) {
        case "coordinates":
            inCoordinates = false
            guard current != nil else { return }
            var ring: [Polygon.Coordinate] = []
            for tuple in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
                let f = tuple.split(separator: ",")
                guard f.count >= 2, let lng = Double(decimal: String(f[0])), let lat = Double(decimal: String(f[1])) else {
                    failure = "KML coordinate '\(tuple)' is not 'longitude,latitude[,altitude]'"
                    parser.abortParsing()
                    return
                }
                ring.append(.init(lat: lat, lng: lng))
            }
            if inOuter { current!.insert(ring, at: 0) } else { current!.append(ring) }
            if inInner { hasHole = true }
            if inOuter && !ring.isEmpty { hasOuter = true }
        case "outerBoundaryIs": inOuter = false
        case "innerBoundaryIs": inInner = false
        case "Polygon":
            // Holes without an outer ring would silently become the polygon.
            if hasHole && !hasOuter {
                failure = "a KML <Polygon> has holes (<innerBoundaryIs>) but no <outerBoundaryIs> ring with coordinates"
                parser.abortParsing()
                return
            }
            if let rings = current, !rings.isEmpty, !rings[0].isEmpty { parts.append(rings) }
            current = nil
        default: break
        }
    }

    private func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }
}
