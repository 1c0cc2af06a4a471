import Foundation

/// The byte-level readers of WKT and GeoJSON polygons: one pass over the UTF-8 text straight into
/// the coordinate arrays a ``Polygon`` holds, no GEOS reader and no text round trip.
///
/// They read the forms users send: `POLYGON`/`MULTIPOLYGON` WKT, and GeoJSON `Polygon`,
/// `MultiPolygon`, `Feature` and `FeatureCollection` with two numbers per position. Anything
/// else — and anything malformed — makes them answer nil, and ``PolygonReader`` hands the text
/// to GEOS's own reader, whose verdict and words stand; so what is accepted or refused, and the
/// error a user reads, are the same as with GEOS's readers alone (tests check both on every real
/// LSOA and force boundary and on malformed inputs).
extension PolygonReader {
    /// Polygon parts read from text, and whether any ring had to be closed (GEOS's readers refuse
    /// an open ring; `repair` closes it).
    struct ReadParts {
        var parts: [[[Polygon.Coordinate]]]
        var hasOpenRing: Bool
    }

    /// WKT `POLYGON` or `MULTIPOLYGON` from its bytes; nil for other text (GEOS decides it).
    /// - Complexity: one pass; numbers as in ``TextBytes/number(_:)``.
    static func wktParts(_ text: String) -> ReadParts? {
        text.withTextBytes { c -> ReadParts? in
            var open = false
            var parts: [[[Polygon.Coordinate]]] = []
            if c.takeWord("POLYGON") {
                guard let rings = wktPolygon(&c, open: &open) else { return nil }
                parts.append(rings)
            } else if c.takeWord("MULTIPOLYGON") {
                guard c.take(0x28) else { return nil }
                repeat {
                    guard let rings = wktPolygon(&c, open: &open) else { return nil }
                    parts.append(rings)
                } while c.take(0x2C)
                guard c.take(0x29) else { return nil }
            } else {
                return nil
            }
            c.skipSpace()
            return c.isAtEnd ? ReadParts(parts: parts, hasOpenRing: open) : nil
        }
    }

    /// `((x y, x y, ...), (...))`.
    private static func wktPolygon(_ c: inout TextBytes, open: inout Bool) -> [[Polygon.Coordinate]]? {
        guard c.take(0x28) else { return nil }
        var rings: [[Polygon.Coordinate]] = []
        var scratch: [Polygon.Coordinate] = []
        repeat {
            guard c.take(0x28) else { return nil }
            scratch.removeAll(keepingCapacity: true)
            repeat {
                c.skipSpace()
                guard let x = c.number(.wkt), TextBytes.isSpace(c.byte) else { return nil }
                c.skipSpace()
                guard let y = c.number(.wkt) else { return nil }
                scratch.append(.init(lat: y, lng: x))
            } while c.take(0x2C)
            guard c.take(0x29), let ok = ringShape(scratch) else { return nil }
            if !ok { open = true }
            rings.append(sized(scratch, closing: !ok))
        } while c.take(0x2C)
        return c.take(0x29) ? rings : nil
    }

    /// A ring read into a reused buffer, copied out at its size (one allocation a ring, not one
    /// per doubling), with its first point repeated at the end when `closing`.
    private static func sized(_ scratch: [Polygon.Coordinate], closing: Bool) -> [Polygon.Coordinate] {
        var ring: [Polygon.Coordinate] = []
        ring.reserveCapacity(scratch.count + (closing ? 1 : 0))
        ring.append(contentsOf: scratch)
        if closing { ring.append(scratch[0]) }
        return ring
    }

    /// true for a closed ring GEOS builds (4 or more points), false for an open one that closing
    /// makes one; nil for shapes GEOS refuses in words of its own (too few points).
    private static func ringShape(_ ring: [Polygon.Coordinate]) -> Bool? {
        guard let f = ring.first, let l = ring.last else { return nil }
        if f == l { return ring.count >= 4 ? true : nil }
        return ring.count >= 3 ? false : nil
    }

    /// One GeoJSON feature's polygon as read: its name and parts.
    struct ReadFeature {
        var name: String
        var read: ReadParts
        /// "Polygon" or "MultiPolygon" when the document is that bare geometry, not a feature.
        var bare: String? = nil
        /// The name is the property `key` given (not a guess from the usual keys, the id or the place).
        var namedByKey = false
    }

    /// The polygonal features of a GeoJSON document from its bytes, named as
    /// ``geojsonFeatures(_:key:selecting:repair:)`` names them; nil when the document is not
    /// plain polygons (GEOS and Foundation decide it).
    /// (`fromLog` false reads every geometry by walking its text, for the tests that hold the
    /// log's reading to it.)
    static func geojsonParts(_ doc: JSONBytes, key: String?, fromLog: Bool = true) -> [ReadFeature]? {
        // (Not `flatMap(doc.string)`: a method taken as a value holds a copy of the document.)
        guard let typeMember = doc.member("type"), let type = doc.string(typeMember) else { return nil }
        switch type {
        case "FeatureCollection":
            guard let list = doc.member("features"), doc.kind(list) == .array else { return nil }
            var out: [ReadFeature] = []
            let ok = doc.reading(list) { c in
                JSONBytes.elements(&c, depth: 0) { c in
                    c.skipSpace()
                    let start = c.at
                    JSONBytes.stepOver(&c)
                    guard let members = doc.members(start..<c.at),
                          let f = feature(doc, members, key: key, index: out.count, fromLog: fromLog) else { return false }
                    out.append(f)
                    return true
                }
            }
            return ok && !out.isEmpty ? out : nil
        case "Feature":
            return feature(doc, doc.members, key: key, index: 0, fromLog: fromLog).map { [$0] }
        case "Polygon", "MultiPolygon":
            return geometry(doc, doc.members, fromLog: fromLog).map { [ReadFeature(name: "1", read: $0, bare: type)] }
        default:
            return nil
        }
    }

    private static func last(_ members: [JSONBytes.Member], _ key: String) -> Range<Int>? {
        members.last { $0.key == key }?.value
    }

    /// A Feature whose geometry is a Polygon or MultiPolygon and whose name is a string.
    private static func feature(_ doc: JSONBytes, _ members: [JSONBytes.Member], key: String?, index: Int, fromLog: Bool) -> ReadFeature? {
        guard let g = last(members, "geometry"), let geometryMembers = doc.members(g),
              let read = geometry(doc, geometryMembers, fromLog: fromLog) else { return nil }
        // The name as `featureKey` gives it; a non-string one is Foundation's to describe.
        var properties: [JSONBytes.Member] = []
        if let p = last(members, "properties"), doc.kind(p) == .object {
            guard let m = doc.members(p) else { return nil }
            properties = m
        }
        for k in [key].compactMap({ $0 }) + featureKeys {
            if let v = last(properties, k) { return doc.string(v).map { ReadFeature(name: $0, read: read, namedByKey: k == key) } }
        }
        if let id = last(members, "id") { return doc.string(id).map { ReadFeature(name: $0, read: read) } }
        return ReadFeature(name: String(index + 1), read: read)
    }

    /// `{"type": "Polygon" | "MultiPolygon", "coordinates": ...}` with [lng, lat] positions.
    private static func geometry(_ doc: JSONBytes, _ members: [JSONBytes.Member], fromLog: Bool) -> ReadParts? {
        guard let t = last(members, "type"), let type = doc.string(t), let coordinates = last(members, "coordinates") else { return nil }
        if fromLog, let read = doc.numbers.withArray(at: coordinates.lowerBound, { loggedParts($0, type: type) }) { return read }
        // The validating pass read the numbers already: they come from its log. Room for the
        // longest ring at once: a position takes 16 bytes or more of the text.
        var scan = RingScan(numbers: doc.numbers.reader(from: coordinates.lowerBound), scratch: [], open: false)
        scan.scratch.reserveCapacity(coordinates.count / 16 + 4)
        let parts: [[[Polygon.Coordinate]]]? = doc.reading(coordinates) { c in
            switch type {
            case "Polygon": return polygon(&c, &scan).map { [$0] }
            case "MultiPolygon":
                var parts: [[[Polygon.Coordinate]]] = []
                let ok = JSONBytes.elements(&c, depth: 1) { c in
                    guard let p = polygon(&c, &scan) else { return false }
                    parts.append(p)
                    return true
                }
                return ok && !parts.isEmpty ? parts : nil
            default: return nil
            }
        }
        return parts.map { ReadParts(parts: $0, hasOpenRing: scan.open) }
    }

    /// A `Polygon` or `MultiPolygon`'s parts straight from the validating pass's log of its
    /// coordinates, when every position there is two numbers: what ``polygon(_:_:)`` reads from
    /// the text, without walking it again. nil for any other shape (the text walk decides it).
    static func loggedParts(_ e: UnsafeBufferPointer<NumberLog.Entry>, type: String) -> ReadParts? {
        // Positions are `depth` arrays deep: a new one after a "],[" (the fewest open since the
        // number before is depth - 1), a new ring after "]],[[" (depth - 2), a new polygon of a
        // MultiPolygon after "]]],[[[" (depth - 3); an array's first number has low 0.
        let depth: UInt8
        switch type {
        case "Polygon": depth = 3
        case "MultiPolygon": depth = 4
        default: return nil
        }
        let n = e.count
        guard n >= 2, n % 2 == 0, e[0].low == 0 else { return nil }
        var parts: [[[Polygon.Coordinate]]] = []
        var rings: [[Polygon.Coordinate]] = []
        var open = false
        var k = 0
        while k < n {
            // One ring: its positions, each two numbers with only a comma between them.
            let first = k
            repeat {
                let x = e[k], y = e[k + 1]
                guard x.depth == depth, y.depth == depth, y.low == depth else { return nil }
                k += 2
            } while k < n && e[k].low == depth - 1
            // What follows is a new ring or polygon, not a third number of a position.
            guard k == n || (e[k].low > 0 && e[k].low < depth - 1) else { return nil }
            // + 0 makes -0 zero, as the text walk reads it.
            @inline(__always) func at(_ j: Int) -> Polygon.Coordinate { .init(lat: e[j + 1].value + 0, lng: e[j].value + 0) }
            let count = (k - first) / 2
            let closed = at(first) == at(k - 2)
            guard count >= (closed ? 4 : 3) else { return nil }
            if !closed { open = true }
            rings.append([Polygon.Coordinate](count: count + (closed ? 0 : 1)) { ring in
                for p in 0..<count { ring[p] = at(first + 2 * p) }
                if !closed { ring[count] = at(first) }
            })
            if k == n || e[k].low < depth - 2 {
                parts.append(rings)
                rings = []
            }
        }
        return ReadParts(parts: parts, hasOpenRing: open)
    }

    /// What reading a geometry's rings carries from ring to ring. Passed inout, not captured by
    /// the element closures: a captured variable is checked for exclusive access at every use,
    /// here every position.
    private struct RingScan {
        var numbers: NumberLog.Reader
        /// The ring being read (its capacity kept from ring to ring).
        var scratch: [Polygon.Coordinate]
        /// Some ring was open (and closed here).
        var open: Bool
    }

    /// One polygon's rings (`[[[x, y], ...], ...]`).
    private static func polygon(_ c: inout TextBytes, _ scan: inout RingScan) -> [[Polygon.Coordinate]]? {
        var rings: [[Polygon.Coordinate]] = []
        let ok = JSONBytes.elements(&c, depth: 2) { c in
            scan.scratch.removeAll(keepingCapacity: true)
            let ok = JSONBytes.elements(&c, depth: 3) { c in
                guard c.take(0x5B) else { return false }
                c.skipSpace()
                guard let x = scan.numbers.number(&c), c.take(0x2C) else { return false }
                c.skipSpace()
                guard let y = scan.numbers.number(&c), c.take(0x5D) else { return false }
                // + 0 makes -0 zero, as the Foundation route (`--feature`, `--where`) reads it: a
                // message quoting the point must not depend on the route (found by fuzzing).
                scan.scratch.append(.init(lat: y + 0, lng: x + 0))
                return true
            }
            guard ok, let closed = ringShape(scan.scratch) else { return false }
            rings.append(sized(scan.scratch, closing: !closed))
            if !closed { scan.open = true }
            return true
        }
        return ok && !rings.isEmpty ? rings : nil
    }

    /// The properties that name a feature when no key is given, in the order they are tried.
    static let featureKeys = ["LSOA11CD", "LSOA21CD", "lsoa11cd", "PFA20NM", "name", "NAME", "id"]
}
