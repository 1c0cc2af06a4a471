import CGEOS

// What catchments need from GEOS: Voronoi diagrams, rectangle clips, buffers, WKB for storage
// (polygons are built and read by the one builder and ring reader in GEOS.swift). Ownership notes follow
// the GEOS C API: `create*` functions take ownership of the sequences/rings/geometries passed in;
// `Get*` functions return pointers borrowed from their parent.

extension GEOSContext {
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
