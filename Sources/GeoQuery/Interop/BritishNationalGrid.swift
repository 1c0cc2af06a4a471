import CPROJ
import Foundation

/// British National Grid (EPSG:27700, metres) ⇄ WGS84 (EPSG:4326, degrees) through PROJ.
///
/// PROJ ranks the candidate operations by accuracy; the first one it can instantiate is used, so
/// the OSTN15 NTv2 grid (`uk_os_OSTN15_NTv2_OSGBtoETRS.tif`, ~0.1 m) wins when a grid directory
/// holds it, and the 7-parameter Helmert (EPSG:1314, rated 2 m) otherwise. ``transformation`` and
/// ``accuracyMetres`` say which one, so callers can report it.
///
/// One PROJ context and one operation per instance; PROJ objects are not thread-safe, so every
/// call takes the instance's lock. Batch calls amortise that.
public final class BritishNationalGrid: @unchecked Sendable {
    /// PROJ's name of the operation used, e.g. "Inverse of British National Grid + OSGB36 to WGS 84 (9)".
    public let transformation: String
    /// The operation's accuracy as PROJ's database states it, in metres (nil when unknown).
    public let accuracyMetres: Double?
    /// True when the operation reads the OSTN15 grid.
    public let usesOSTN15: Bool

    private let context: OpaquePointer
    /// BNG → WGS84, normalised so x = longitude, y = latitude.
    private let operation: OpaquePointer
    /// The projection of EPSG:27700 alone (Transverse Mercator), for `proj_factors`: given the
    /// CRS instead, PROJ would look its conversion up in proj.db on every call.
    private let projected: OpaquePointer
    private let lock = NSLock()

    /// - Parameter gridDirectories: folders searched for PROJ grids before PROJ's own search
    ///   path (`PROJ_DATA`, `/usr/share/proj`).
    public init(gridDirectories: [String] = []) throws {
        guard let ctx = proj_context_create() else { throw GeoQueryError.projection("PROJ could not create a context") }
        context = ctx
        proj_log_level(ctx, PJ_LOG_NONE)
        let info = proj_info()
        var paths = gridDirectories
        if let sp = info.searchpath { paths += String(cString: sp).split(separator: ":").map(String.init) }
        if let env = ProcessInfo.processInfo.environment["PROJ_DATA"] { paths.append(contentsOf: env.split(separator: ":").map(String.init)) }
        paths.append("/usr/share/proj")
        var unique: [String] = []
        for p in paths where !unique.contains(p) { unique.append(p) }
        let cStrings = unique.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        proj_context_set_search_paths(ctx, Int32(pointers.count), &pointers)

        // The projection as a PROJ pipeline step ("+proj=tmerc ... +ellps=airy"), from EPSG's own
        // definition; without "+type=crs" it is an operation proj_factors evaluates directly.
        guard let source = proj_create(ctx, "EPSG:27700"), let target = proj_create(ctx, "EPSG:4326"),
              let definition = proj_as_proj_string(ctx, source, PJ_PROJ_5, nil),
              let crs = proj_create(ctx, String(cString: definition).replacingOccurrences(of: "+type=crs", with: "")) else {
            proj_context_destroy(ctx)
            throw GeoQueryError.projection("PROJ does not know EPSG:27700 or EPSG:4326 (is proj.db installed? apt-get install libproj-dev)")
        }
        defer { proj_destroy(source); proj_destroy(target) }
        let factory = proj_create_operation_factory_context(ctx, nil)
        defer { proj_operation_factory_context_destroy(factory) }
        proj_operation_factory_context_set_grid_availability_use(ctx, factory, PROJ_GRID_AVAILABILITY_DISCARD_OPERATION_IF_MISSING_GRID)
        proj_operation_factory_context_set_spatial_criterion(ctx, factory, PROJ_SPATIAL_CRITERION_PARTIAL_INTERSECTION)
        var chosen: OpaquePointer? = nil
        if let list = proj_create_operations(ctx, source, target, factory) {
            defer { proj_list_destroy(list) }
            for i in 0..<proj_list_get_count(list) {
                guard let op = proj_list_get(ctx, list, i) else { continue }
                if proj_coordoperation_is_instantiable(ctx, op) != 0 { chosen = op; break }
                proj_destroy(op)
            }
        }
        guard let op = chosen, let normalised = proj_normalize_for_visualization(ctx, op) else {
            if let c = chosen { proj_destroy(c) }
            proj_destroy(crs)
            proj_context_destroy(ctx)
            throw GeoQueryError.projection("PROJ found no usable transformation from British National Grid to WGS84")
        }
        let name = proj_get_name(op).map { String(cString: $0) } ?? "unnamed operation"
        let accuracy = proj_coordoperation_get_accuracy(ctx, op)
        var gridUsed = false
        for g in 0..<proj_coordoperation_get_grid_used_count(ctx, op) {
            var shortName: UnsafePointer<CChar>? = nil
            proj_coordoperation_get_grid_used(ctx, op, g, &shortName, nil, nil, nil, nil, nil, nil)
            if let s = shortName, String(cString: s).contains("OSTN15") { gridUsed = true }
        }
        proj_destroy(op)
        operation = normalised
        projected = crs
        transformation = name
        accuracyMetres = accuracy >= 0 ? accuracy : nil
        usesOSTN15 = gridUsed
    }

    /// The instance catchments use (PROJ's default search path, so the same choice at ingest and
    /// at query time), made once.
    public static func shared() throws -> BritishNationalGrid {
        switch sharedInstance {
        case .success(let g): return g
        case .failure(let e): throw e
        }
    }
    private static let sharedInstance = Result { try BritishNationalGrid() }

    deinit {
        proj_destroy(projected)
        proj_destroy(operation)
        proj_context_destroy(context)
    }

    /// One line for `geoquery info` and reports.
    public var summary: String {
        let acc = accuracyMetres.map { String(format: "%g m", $0) } ?? "unknown accuracy"
        return "\(transformation) (\(usesOSTN15 ? "OSTN15 grid" : "no OSTN15 grid"), \(acc))"
    }

    /// Eastings/northings (metres) → (lat, lng) degrees. Non-finite output means PROJ could not
    /// transform the point (far outside the grid's domain).
    public func toWGS84(easting: Double, northing: Double) -> (lat: Double, lng: Double) {
        var x = [easting], y = [northing]
        transform(&x, &y, direction: PJ_FWD)
        return (y[0], x[0])
    }

    /// (lat, lng) degrees → eastings/northings in metres.
    public func toBNG(lat: Double, lng: Double) -> (easting: Double, northing: Double) {
        var x = [lng], y = [lat]
        transform(&x, &y, direction: PJ_INV)
        return (x[0], y[0])
    }

    /// In place: eastings → longitudes and northings → latitudes. Sorting the points spatially
    /// first makes grid reads much faster (the grid's tiles are compressed).
    public func toWGS84(eastings x: inout [Double], northings y: inout [Double]) {
        transform(&x, &y, direction: PJ_FWD)
    }

    /// In place: longitudes → eastings and latitudes → northings.
    public func toBNG(longitudes x: inout [Double], latitudes y: inout [Double]) {
        transform(&x, &y, direction: PJ_INV)
    }

    /// The projection's areal scale at a point (`proj_factors`): a planar BNG area divided by it
    /// is the area on the ellipsoid (Transverse Mercator: 0.9992 on the central meridian, rising
    /// to the east and west). 1 when PROJ cannot say.
    public func arealScale(lat: Double, lng: Double) -> Double {
        lock.lock(); defer { lock.unlock() }
        let f = proj_factors(projected, proj_coord(lng * .pi / 180, lat * .pi / 180, 0, 0))
        return f.areal_scale.isFinite && f.areal_scale > 0 ? f.areal_scale : 1
    }

    private func transform(_ x: inout [Double], _ y: inout [Double], direction: PJ_DIRECTION) {
        precondition(x.count == y.count)
        let n = x.count
        let stride = MemoryLayout<Double>.stride
        lock.lock(); defer { lock.unlock() }
        x.withUnsafeMutableBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                _ = proj_trans_generic(operation, direction, xs.baseAddress, stride, n, ys.baseAddress, stride, n, nil, 0, 0, nil, 0, 0)
            }
        }
    }
}
