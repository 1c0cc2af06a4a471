import CGEOS

/// One GEOS context: the only owner of GEOS handles in geoquery. Not shared between threads
/// (GEOS's rule: one context per thread); a query makes its own.
///
/// Errors: GEOS reports through the message handler set here; each call clears the last message
/// first, so an old error never leaks into a new one.
final class GEOSContext {
    /// Owned; `GEOS_finish_r` in `deinit` frees it and nothing made from it may outlive it.
    let handle: GEOSContextHandle_t
    private let messages = MessageBox()

    final class MessageBox { var last: String? }

    init() {
        handle = GEOS_init_r()
        let box = Unmanaged.passUnretained(messages).toOpaque()
        // The handler's userData is this context's box; it lives as long as the context.
        _ = GEOSContext_setErrorMessageHandler_r(handle, { message, userData in
            guard let userData, let message else { return }
            // GEOS ends some messages with a newline; an error is one line.
            let text = String(cString: message).split(whereSeparator: \.isNewline).joined(separator: " ")
            Unmanaged<GEOSContext.MessageBox>.fromOpaque(userData).takeUnretainedValue().last = text
        }, box)
    }

    deinit { GEOS_finish_r(handle) }

    /// Runs one GEOS call, turning a NULL result into an error carrying GEOS's message.
    private func owned(_ what: String, _ call: () -> OpaquePointer?) throws -> Geometry {
        messages.last = nil
        guard let p = call() else { throw GeoQueryError.invalidQuery("\(what): \(messages.last ?? "GEOS could not read it")") }
        return Geometry(self, p)
    }

    func readWKT(_ text: String) throws -> Geometry {
        let reader = GEOSWKTReader_create_r(handle)
        defer { GEOSWKTReader_destroy_r(handle, reader) }
        return try owned("invalid WKT") { GEOSWKTReader_read_r(handle, reader, text) }
    }

    func readGeoJSON(_ text: String) throws -> Geometry {
        let reader = GEOSGeoJSONReader_create_r(handle)
        defer { GEOSGeoJSONReader_destroy_r(handle, reader) }
        do {
            return try owned("invalid GeoJSON geometry") { GEOSGeoJSONReader_readGeometry_r(handle, reader, text) }
        } catch let e as GeoQueryError where e.description.contains("json.exception.type_error") {
            // GEOS passes on nlohmann::json's words ("type must be array, but is number").
            throw GeoQueryError.invalidQuery("invalid GeoJSON geometry: its coordinates are not nested as its type needs (a Polygon is [[[lng, lat], [lng, lat], ...]]: a list of rings, each a list of [longitude, latitude] points; a MultiPolygon one more level)")
        } catch let e as GeoQueryError where e.description.contains("json.exception.out_of_range.403") {
            // "[json.exception.out_of_range.403] key 'coordinates' not found"
            let key = e.description.split(separator: "'").dropFirst().first { !$0.contains(" ") }.map(String.init) ?? "coordinates"
            throw GeoQueryError.invalidQuery("invalid GeoJSON geometry: it has no \"\(key)\" member (a Polygon is {\"type\": \"Polygon\", \"coordinates\": [[[lng, lat], [lng, lat], ...]]})")
        }
    }

    func rectangle(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Geometry {
        // Returns NULL only on allocation failure.
        Geometry(self, GEOSGeom_createRectangle_r(handle, minX, minY, maxX, maxY)!)
    }

    func point(x: Double, y: Double) -> Geometry {
        Geometry(self, GEOSGeom_createPointFromXY_r(handle, x, y)!)
    }
}

/// An owned GEOS geometry (`GEOSGeom_destroy_r` in `deinit`), or a part borrowed from one.
final class Geometry {
    let context: GEOSContext
    let pointer: OpaquePointer
    /// The collection a borrowed part belongs to, kept alive as long as the part; nil when owned.
    private let whole: Geometry?

    /// Takes ownership of `pointer`.
    init(_ context: GEOSContext, _ pointer: OpaquePointer) {
        self.context = context
        self.pointer = pointer
        whole = nil
    }

    /// Part `i` of a collection, borrowed (no copy): valid while the part is, which keeps the
    /// collection alive.
    init(part i: Int32, of collection: Geometry) {
        context = collection.context
        pointer = GEOSGetGeometryN_r(collection.context.handle, collection.pointer, i)!
        whole = collection
    }

    deinit { if whole == nil { GEOSGeom_destroy_r(context.handle, pointer) } }

    private var h: GEOSContextHandle_t { context.handle }

    /// GEOS type id: 3 Polygon, 6 MultiPolygon, 7 GeometryCollection, ...
    var typeID: Int32 { GEOSGeomTypeId_r(h, pointer) }
    var isEmpty: Bool { GEOSisEmpty_r(h, pointer) == 1 }
    var area: Double { var a = 0.0; _ = GEOSArea_r(h, pointer, &a); return a }

    /// nil when valid, else GEOS's reason and the location it names.
    var invalidity: (reason: String, x: Double, y: Double)? {
        var reason: UnsafeMutablePointer<CChar>? = nil
        var location: OpaquePointer? = nil
        // Returns 1 valid, 0 invalid (reason and location allocated by GEOS), 2 on exception.
        let r = GEOSisValidDetail_r(h, pointer, 0, &reason, &location)
        defer {
            if let reason { GEOSFree_r(h, reason) }
            if let location { GEOSGeom_destroy_r(h, location) }
        }
        guard r == 0 else { return nil }
        var x = 0.0, y = 0.0
        if let location { _ = GEOSGeomGetX_r(h, location, &x); _ = GEOSGeomGetY_r(h, location, &y) }
        return (reason.map { String(cString: $0) } ?? "invalid geometry", x, y)
    }

    func makeValid() throws -> Geometry {
        guard let p = GEOSMakeValid_r(h, pointer) else { throw GeoQueryError.invalidQuery("GEOS could not repair the polygon") }
        return Geometry(context, p)
    }

    /// Only the polygonal parts (MakeValid can return lines or points beside polygons).
    func polygonalParts() -> [Geometry] {
        switch typeID {
        case 3: return [clone()]
        case 6, 7:
            return (0..<GEOSGetNumGeometries_r(h, pointer)).flatMap { i -> [Geometry] in
                // GEOSGetGeometryN_r returns a borrowed pointer: clone before wrapping.
                Geometry(context, GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, pointer, i))!).polygonalParts()
            }
        default: return []
        }
    }

    func clone() -> Geometry { Geometry(context, GEOSGeom_clone_r(h, pointer)!) }

    /// Rings of a Polygon: the exterior first, then holes; (x, y) pairs. Empty for other types.
    func rings() -> [[(Double, Double)]] {
        typeID == 3 ? GEOSContext.rings(ofPolygon: pointer, h) : []
    }

    /// Polygonal parts as rings of (x, y): each part is exterior then holes. Other types and empty
    /// polygons are skipped.
    var polygonRings: [[[(Double, Double)]]] {
        func walk(_ g: OpaquePointer) -> [[[(Double, Double)]]] {
            switch GEOSGeomTypeId_r(h, g) {
            case 3: return GEOSisEmpty_r(h, g) == 1 ? [] : [GEOSContext.rings(ofPolygon: g, h)]
            // Parts are borrowed from their collection.
            case 6, 7: return (0..<GEOSGetNumGeometries_r(h, g)).flatMap { walk(GEOSGetGeometryN_r(h, g, $0)!) }
            default: return []
            }
        }
        return walk(pointer)
    }

    func prepared() -> PreparedGeometry { PreparedGeometry(self) }
}

/// A prepared geometry for repeated predicates (`GEOSPreparedGeom_destroy_r` in `deinit`).
final class PreparedGeometry {
    let base: Geometry
    let pointer: OpaquePointer

    init(_ base: Geometry) {
        self.base = base
        pointer = GEOSPrepare_r(base.context.handle, base.pointer)!
    }

    deinit { GEOSPreparedGeom_destroy_r(base.context.handle, pointer) }

    /// Some point of `g` lies inside or on the boundary.
    func intersects(_ g: Geometry) -> Bool { GEOSPreparedIntersects_r(base.context.handle, pointer, g.pointer) == 1 }
}

/// The one polygon builder and the one ring reader: every GEOS polygon geoquery makes is built here
/// from coordinates, and every ring it reads back is read here (no WKT text either way).
extension GEOSContext {
    /// A ring's coordinates, (x, y), in one copy out of its sequence.
    static func ring(_ ring: OpaquePointer, _ h: GEOSContextHandle_t) -> [(Double, Double)] {
        let seq = GEOSGeom_getCoordSeq_r(h, ring)!  // borrowed from the ring
        var n: UInt32 = 0
        _ = GEOSCoordSeq_getSize_r(h, seq, &n)
        // (Double, Double) is laid out as two Doubles, as the buffer is.
        return [(Double, Double)](unsafeUninitializedCapacity: Int(n)) { buffer, count in
            _ = buffer.withMemoryRebound(to: Double.self) { GEOSCoordSeq_copyToBuffer_r(h, seq, $0.baseAddress, 0, 0) }
            count = Int(n)
        }
    }

    /// A sequence's coordinates as x, y pairs into `buffer` (grown when short, reused between
    /// calls so a loop over many rings allocates once); returns how many points.
    static func copy(_ seq: OpaquePointer, _ h: GEOSContextHandle_t, into buffer: inout [Double]) -> Int {
        var n: UInt32 = 0
        _ = GEOSCoordSeq_getSize_r(h, seq, &n)
        if buffer.count < 2 * Int(n) { buffer = [Double](repeating: 0, count: 2 * Int(n)) }
        _ = buffer.withUnsafeMutableBufferPointer { GEOSCoordSeq_copyToBuffer_r(h, seq, $0.baseAddress, 0, 0) }
        return Int(n)
    }

    /// A Polygon's rings, the exterior first, then holes. Ring pointers are borrowed from the
    /// polygon: not destroyed here.
    static func rings(ofPolygon p: OpaquePointer, _ h: GEOSContextHandle_t) -> [[(Double, Double)]] {
        var out = [ring(GEOSGetExteriorRing_r(h, p)!, h)]
        for i in 0..<GEOSGetNumInteriorRings_r(h, p) { out.append(ring(GEOSGetInteriorRingN_r(h, p, i)!, h)) }
        return out
    }

    /// A polygon or multipolygon from rings of (x, y) = (longitude, latitude) coordinates, built
    /// from coordinate buffers (no WKT text round trip: a 200,000-vertex ring costs milliseconds).
    /// - Parameter parts: each part is its exterior ring followed by its holes; rings are closed
    ///   here. A ring GEOS cannot build (fewer than 4 points once closed) is an error.
    func polygon(_ parts: [[[(Double, Double)]]]) throws -> Geometry {
        messages.last = nil
        func failure() -> GeoQueryError { GeoQueryError.invalidQuery("invalid polygon: \(messages.last ?? "GEOS could not build it")") }
        // Each create call takes ownership of what it is given, also when it fails (GEOS frees
        // it); so a failure here only has to free the rings and polygons made so far.
        func ring(_ r: [(Double, Double)]) throws -> OpaquePointer {
            var flat: [Double] = []
            flat.reserveCapacity(2 * r.count + 2)
            for (x, y) in r { flat.append(x); flat.append(y) }
            if let f = r.first, let l = r.last, f != l { flat.append(f.0); flat.append(f.1) }
            guard let seq = GEOSCoordSeq_copyFromBuffer_r(handle, flat, UInt32(flat.count / 2), 0, 0),
                  let g = GEOSGeom_createLinearRing_r(handle, seq) else { throw failure() }
            return g
        }
        var polygons: [OpaquePointer?] = []
        do {
            for rings in parts {
                let shell = try ring(rings[0])
                var holes: [OpaquePointer?] = []
                do { for h in rings.dropFirst() { holes.append(try ring(h)) } } catch {
                    GEOSGeom_destroy_r(handle, shell)
                    for h in holes { GEOSGeom_destroy_r(handle, h) }
                    throw error
                }
                guard let p = holes.withUnsafeMutableBufferPointer({ GEOSGeom_createPolygon_r(handle, shell, $0.baseAddress, UInt32($0.count)) }) else { throw failure() }
                polygons.append(p)
            }
        } catch {
            for p in polygons { GEOSGeom_destroy_r(handle, p) }
            throw error
        }
        if polygons.count == 1 { return Geometry(self, polygons[0]!) }
        // GEOS_MULTIPOLYGON = 6; the collection takes the polygons (not the array).
        guard let multi = polygons.withUnsafeMutableBufferPointer({ GEOSGeom_createCollection_r(handle, 6, $0.baseAddress, UInt32($0.count)) }) else { throw failure() }
        return Geometry(self, multi)
    }

    /// The union of several geometries (`GEOSUnaryUnion_r` over a collection of their clones).
    func union(_ geometries: [Geometry]) throws -> Geometry {
        var members: [OpaquePointer?] = geometries.map { GEOSGeom_clone_r(handle, $0.pointer) }
        // GEOS_GEOMETRYCOLLECTION = 7; the collection takes the clones (not the array).
        guard let c = members.withUnsafeMutableBufferPointer({ GEOSGeom_createCollection_r(handle, 7, $0.baseAddress, UInt32($0.count)) }) else {
            throw GeoQueryError.invalidQuery("GEOS could not union the polygons")
        }
        let collection = Geometry(self, c)
        guard let p = GEOSUnaryUnion_r(handle, collection.pointer) else { throw GeoQueryError.invalidQuery("GEOS could not union the polygons") }
        return Geometry(self, p)
    }
}

extension Geometry {
    /// Well-known text (full precision).
    var wkt: String {
        let writer = GEOSWKTWriter_create_r(context.handle)
        defer { GEOSWKTWriter_destroy_r(context.handle, writer) }
        GEOSWKTWriter_setTrim_r(context.handle, writer, 1)
        GEOSWKTWriter_setRoundingPrecision_r(context.handle, writer, -1)
        let text = GEOSWKTWriter_write_r(context.handle, writer, pointer)!
        defer { GEOSFree_r(context.handle, text) }
        return String(cString: text)
    }
}

extension Geometry {
    /// Overlay operations; GEOS returns NULL on exception.
    func intersection(_ other: Geometry) throws -> Geometry {
        guard let p = GEOSIntersection_r(context.handle, pointer, other.pointer) else { throw GeoQueryError.invalidQuery("GEOS could not intersect the geometries") }
        return Geometry(context, p)
    }

    func difference(_ other: Geometry) throws -> Geometry {
        guard let p = GEOSDifference_r(context.handle, pointer, other.pointer) else { throw GeoQueryError.invalidQuery("GEOS could not subtract the geometries") }
        return Geometry(context, p)
    }

    /// Douglas–Peucker simplification that keeps rings simple (`GEOSTopologyPreserveSimplify_r`).
    func simplified(tolerance: Double) -> Geometry? {
        GEOSTopologyPreserveSimplify_r(context.handle, pointer, tolerance).map { Geometry(context, $0) }
    }

    var coordinateCount: Int { Int(GEOSGetNumCoordinates_r(context.handle, pointer)) }

    /// Grown outwards by `width` with bevelled corners (no arcs, so few new vertices):
    /// `GEOSBufferWithStyle_r`, flat caps (2), bevel joins (3); NULL on exception.
    func buffered(_ width: Double) throws -> Geometry {
        guard let p = GEOSBufferWithStyle_r(context.handle, pointer, width, 1, 2, 3, 5) else { throw GeoQueryError.invalidQuery("GEOS could not buffer the geometry") }
        return Geometry(context, p)
    }
}

extension Geometry {
    func convexHull() throws -> Geometry {
        guard let p = GEOSConvexHull_r(context.handle, pointer) else { throw GeoQueryError.invalidQuery("GEOS could not build a convex hull") }
        return Geometry(context, p)
    }

    var isValid: Bool { GEOSisValid_r(context.handle, pointer) == 1 }
}

extension Geometry {
    /// A point guaranteed to lie inside (`GEOSPointOnSurface_r`).
    var interiorPoint: (x: Double, y: Double)? {
        guard let p = GEOSPointOnSurface_r(context.handle, pointer) else { return nil }
        defer { GEOSGeom_destroy_r(context.handle, p) }
        var x = 0.0, y = 0.0
        guard GEOSGeomGetX_r(context.handle, p, &x) == 1, GEOSGeomGetY_r(context.handle, p, &y) == 1 else { return nil }
        return (x, y)
    }

    /// (minX, minY, maxX, maxY).
    var extent: (Double, Double, Double, Double) {
        var a = 0.0, b = 0.0, c = 0.0, d = 0.0
        _ = GEOSGeom_getExtent_r(context.handle, pointer, &a, &b, &c, &d)
        return (a, b, c, d)
    }
}

extension Geometry {
    /// The closest pair of points between two geometries (`GEOSNearestPoints_r` returns a
    /// coordinate sequence owned by the caller).
    func nearestPoints(_ other: Geometry) -> (a: (Double, Double), b: (Double, Double))? {
        guard let seq = GEOSNearestPoints_r(context.handle, pointer, other.pointer) else { return nil }
        defer { GEOSCoordSeq_destroy_r(context.handle, seq) }
        var ax = 0.0, ay = 0.0, bx = 0.0, by = 0.0
        _ = GEOSCoordSeq_getXY_r(context.handle, seq, 0, &ax, &ay)
        _ = GEOSCoordSeq_getXY_r(context.handle, seq, 1, &bx, &by)
        return ((ax, ay), (bx, by))
    }

    func distance(_ other: Geometry) -> Double {
        var d = 0.0
        _ = GEOSDistance_r(context.handle, pointer, other.pointer, &d)
        return d
    }
}
