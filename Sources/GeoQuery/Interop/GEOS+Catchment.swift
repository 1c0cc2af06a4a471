import CGEOS

// What catchments need from GEOS: building polygons from flat coordinates, Voronoi diagrams,
// rectangle clips, buffers, WKB for storage and fast coordinate reads. Ownership notes follow
// the GEOS C API: `create*` functions take ownership of the sequences/rings/geometries passed in;
// `Get*` functions return pointers borrowed from their parent.

extension GEOSContext {
    /// A closed ring from (x, y) pairs (closed here when open); nil for fewer than 3 distinct points.
    private func linearRing(_ ring: [(Double, Double)]) -> OpaquePointer? {
        var flat: [Double] = []
        flat.reserveCapacity(ring.count * 2 + 2)
        for (x, y) in ring { flat.append(x); flat.append(y) }
        if let f = ring.first, let l = ring.last, f != l { flat.append(f.0); flat.append(f.1) }
        guard flat.count >= 8 else { return nil }
        // copyFromBuffer copies; createLinearRing takes ownership of the sequence.
        guard let seq = GEOSCoordSeq_copyFromBuffer_r(handle, flat, UInt32(flat.count / 2), 0, 0) else { return nil }
        return GEOSGeom_createLinearRing_r(handle, seq)
    }

    /// A Polygon (one part) or MultiPolygon built directly from coordinates (no text round trip).
    /// - Parameter parts: each part is its exterior ring followed by its holes.
    func polygon(coordinates parts: [[[(Double, Double)]]]) throws -> Geometry {
        var polygons: [OpaquePointer?] = []
        for part in parts {
            guard let shell = part.first.flatMap(linearRing) else { continue }
            var holes: [OpaquePointer?] = part.dropFirst().compactMap { linearRing($0) }
            // Takes ownership of shell and holes (not of the holes array).
            let poly = holes.withUnsafeMutableBufferPointer { GEOSGeom_createPolygon_r(handle, shell, $0.baseAddress, UInt32($0.count)) }
            polygons.append(poly)
        }
        guard !polygons.isEmpty, polygons.allSatisfy({ $0 != nil }) else {
            throw GeoQueryError.invalidQuery("a polygon needs at least three distinct corners")
        }
        if polygons.count == 1 { return Geometry(self, polygons[0]!) }
        let multi = polygons.withUnsafeMutableBufferPointer {
            GEOSGeom_createCollection_r(handle, Int32(GEOS_MULTIPOLYGON.rawValue), $0.baseAddress, UInt32($0.count))
        }
        return Geometry(self, multi!)
    }

    /// Voronoi cells of `sites` (x, y), clipped to `envelope` (which must contain every site).
    /// GEOS 3.11 returns cells in no particular order; ``VoronoiCells`` pairs them with sites.
    func voronoi(sites: [(Double, Double)], envelope: Geometry) throws -> [Geometry] {
        var points: [OpaquePointer?] = sites.map { GEOSGeom_createPointFromXY_r(handle, $0.0, $0.1) }
        // createCollection takes ownership of the points.
        let multi = points.withUnsafeMutableBufferPointer {
            GEOSGeom_createCollection_r(handle, Int32(GEOS_MULTIPOINT.rawValue), $0.baseAddress, UInt32($0.count))
        }
        let sitesGeometry = Geometry(self, multi!)
        // onlyEdges = 0: polygons; returns NULL on exception.
        guard let cells = GEOSVoronoiDiagram_r(handle, sitesGeometry.pointer, envelope.pointer, 0, 0) else {
            throw GeoQueryError.catchment("GEOS could not build the Voronoi diagram of \(sites.count) map points")
        }
        let collection = Geometry(self, cells)
        return collection.subgeometries()
    }

    /// Reads a geometry from WKB bytes.
    func readWKB(_ bytes: UnsafeRawBufferPointer) throws -> Geometry {
        let reader = GEOSWKBReader_create_r(handle)
        defer { GEOSWKBReader_destroy_r(handle, reader) }
        guard let p = GEOSWKBReader_read_r(handle, reader, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count) else {
            throw GeoQueryError.mirrorCorrupt("a stored catchment could not be read (damaged mirror): re-run geoquery ingest")
        }
        return Geometry(self, p)
    }
}

extension Geometry {
    /// Clones of the parts of a collection (the geometry itself when it is not one).
    func subgeometries() -> [Geometry] {
        let n = GEOSGetNumGeometries_r(context.handle, pointer)
        // GEOSGetGeometryN_r returns a borrowed pointer: clone before wrapping.
        return (0..<max(n, 0)).map { Geometry(context, GEOSGeom_clone_r(context.handle, GEOSGetGeometryN_r(context.handle, pointer, $0))!) }
    }

    /// Polygonal parts as rings of (x, y): each part is exterior then holes. Other types are skipped.
    var polygonRings: [[[(Double, Double)]]] {
        let h = context.handle
        func ring(_ r: OpaquePointer) -> [(Double, Double)] {
            let seq = GEOSGeom_getCoordSeq_r(h, r)!  // borrowed
            var n: UInt32 = 0
            _ = GEOSCoordSeq_getSize_r(h, seq, &n)
            var flat = [Double](repeating: 0, count: Int(n) * 2)
            _ = GEOSCoordSeq_copyToBuffer_r(h, seq, &flat, 0, 0)
            return (0..<Int(n)).map { (flat[2 * $0], flat[2 * $0 + 1]) }
        }
        func polygon(_ p: OpaquePointer) -> [[(Double, Double)]] {
            var rings = [ring(GEOSGetExteriorRing_r(h, p)!)]
            for i in 0..<GEOSGetNumInteriorRings_r(h, p) { rings.append(ring(GEOSGetInteriorRingN_r(h, p, i)!)) }
            return rings
        }
        func walk(_ g: OpaquePointer) -> [[[(Double, Double)]]] {
            switch GEOSGeomTypeId_r(h, g) {
            case 3: return GEOSisEmpty_r(h, g) == 1 ? [] : [polygon(g)]
            case 6, 7: return (0..<GEOSGetNumGeometries_r(h, g)).flatMap { walk(GEOSGetGeometryN_r(h, g, $0)!) }
            default: return []
            }
        }
        return walk(pointer)
    }

    /// The part of this geometry inside an axis-aligned rectangle (`GEOSClipByRect_r`: fast, but
    /// the result may be invalid in degenerate cases, so callers intersect it again).
    func clipped(minX: Double, minY: Double, maxX: Double, maxY: Double) throws -> Geometry {
        guard let p = GEOSClipByRect_r(context.handle, pointer, minX, minY, maxX, maxY) else {
            throw GeoQueryError.catchment("GEOS could not clip a geometry to a rectangle")
        }
        return Geometry(context, p)
    }

    /// The area within `distance` (`quadrantSegments` segments per quarter circle).
    func buffer(_ distance: Double, quadrantSegments: Int32 = 16) throws -> Geometry {
        guard let p = GEOSBuffer_r(context.handle, pointer, distance, quadrantSegments) else {
            throw GeoQueryError.catchment("GEOS could not buffer a geometry")
        }
        return Geometry(context, p)
    }

    /// Little-endian 2D WKB.
    var wkb: [UInt8] {
        let h = context.handle
        let writer = GEOSWKBWriter_create_r(h)
        defer { GEOSWKBWriter_destroy_r(h, writer) }
        GEOSWKBWriter_setByteOrder_r(h, writer, Int32(GEOS_WKB_NDR.rawValue))
        GEOSWKBWriter_setOutputDimension_r(h, writer, 2)
        var size = 0
        // The returned buffer is owned by the caller and freed with GEOSFree_r.
        guard let bytes = GEOSWKBWriter_write_r(h, writer, pointer, &size) else { return [] }
        defer { GEOSFree_r(h, bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: size))
    }
}

extension PreparedGeometry {
    /// `g` lies wholly inside (its boundary may touch this geometry's boundary).
    func covers(_ g: Geometry) -> Bool { GEOSPreparedCovers_r(base.context.handle, pointer, g.pointer) == 1 }
}
