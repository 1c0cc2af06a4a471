import CPROJ
import Foundation

/// British National Grid (EPSG:27700, metres) ⇄ WGS84 (EPSG:4326, degrees) through PROJ.
///
/// PROJ ranks the candidate operations by accuracy; the first one it can instantiate is used, so
/// the OSTN15 NTv2 grid (`uk_os_OSTN15_NTv2_OSGBtoETRS.tif`, ~0.1 m) wins when a grid directory
/// holds it, and the 7-parameter Helmert (EPSG:1314, rated 2 m) otherwise. ``transformation`` and
/// ``accuracyMetres`` say which one, so callers can report it.
///
/// PROJ objects are not thread-safe, and a PJ_CONTEXT must not be used by two threads at once:
/// each thread that calls an instance gets its own context, operation and projection
/// (`ProjThreadHandles`), made on its first call by cloning the operation chosen here, so
/// concurrent callers never wait for each other and always use the very same transformation.
public final class BritishNationalGrid: @unchecked Sendable {
    /// PROJ's name of the operation used, e.g. "Inverse of British National Grid + OSGB36 to WGS 84 (9)".
    public let transformation: String
    /// The operation's accuracy as PROJ's database states it, in metres (nil when unknown).
    public let accuracyMetres: Double?
    /// True when the operation reads the OSTN15 grid.
    public let usesOSTN15: Bool

    /// Grid folders then PROJ's own search path, as every thread's context gets them.
    private let searchPaths: [String]
    /// The projection of EPSG:27700 alone (Transverse Mercator) as a PROJ string, for
    /// `proj_factors`: given the CRS instead, PROJ would look its conversion up in proj.db on
    /// every call.
    private let projectionDefinition: String
    /// The objects made at init, on the initialising thread's own context: the operation every
    /// thread clones. Touched only under `templateLock`, and never to transform.
    private let template: ProjThreadHandles
    private let templateLock = NSLock()
    /// This instance's key in each thread's table of handles.
    private let serial: Int

    /// - Parameter gridDirectories: folders searched for PROJ grids before PROJ's own search
    ///   path (`PROJ_DATA`, `/usr/share/proj`).
    public init(gridDirectories: [String] = []) throws {
        let info = proj_info()
        var paths = gridDirectories
        if let sp = info.searchpath { paths += String(cString: sp).split(separator: ":").map(String.init) }
        if let env = ProcessInfo.processInfo.environment["PROJ_DATA"] { paths.append(contentsOf: env.split(separator: ":").map(String.init)) }
        paths.append("/usr/share/proj")
        var unique: [String] = []
        for p in paths where !unique.contains(p) { unique.append(p) }
        searchPaths = unique
        let handles = try ProjThreadHandles(searchPaths: unique)
        let ctx = handles.context

        // The projection as a PROJ pipeline step ("+proj=tmerc ... +ellps=airy"), from EPSG's own
        // definition; without "+type=crs" it is an operation proj_factors evaluates directly.
        guard let source = proj_create(ctx, "EPSG:27700"), let target = proj_create(ctx, "EPSG:4326"),
              let definition = proj_as_proj_string(ctx, source, PJ_PROJ_5, nil),
              let crs = proj_create(ctx, String(cString: definition).replacingOccurrences(of: "+type=crs", with: "")) else {
            throw GeoQueryError.projection("PROJ does not know EPSG:27700 or EPSG:4326 (is proj.db installed? apt-get install libproj-dev)")
        }
        defer { proj_destroy(source); proj_destroy(target) }
        projectionDefinition = String(cString: definition).replacingOccurrences(of: "+type=crs", with: "")
        handles.projected = crs
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
        handles.operation = normalised
        template = handles
        transformation = name
        accuracyMetres = accuracy >= 0 ? accuracy : nil
        usesOSTN15 = gridUsed
        serial = ProjThreadHandles.nextSerial()
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
        // Other threads' handles for this instance are freed when those threads end.
        ProjThreadHandles.forget(serial)
    }

    /// The calling thread's own PROJ objects for this instance, made on its first call.
    private func handles() -> ProjThreadHandles? {
        if let h = ProjThreadHandles.current(serial) { return h }
        templateLock.lock()
        defer { templateLock.unlock() }
        guard let h = try? ProjThreadHandles(searchPaths: searchPaths),
              // proj_clone re-instantiates the template's operation (its ISO object) in this
              // thread's context; returns NULL on failure. Caller owns the clone.
              let op = template.operation.flatMap({ proj_clone(h.context, $0) }) else { return nil }
        h.operation = op
        // The Transverse Mercator step has no ISO object to clone: made again from its string.
        h.projected = proj_create(h.context, projectionDefinition)
        ProjThreadHandles.keep(h, for: serial)
        return h
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
        guard let projected = handles()?.projected else { return 1 }
        let f = proj_factors(projected, proj_coord(lng * .pi / 180, lat * .pi / 180, 0, 0))
        return f.areal_scale.isFinite && f.areal_scale > 0 ? f.areal_scale : 1
    }

    private func transform(_ x: inout [Double], _ y: inout [Double], direction: PJ_DIRECTION) {
        precondition(x.count == y.count)
        let n = x.count
        let stride = MemoryLayout<Double>.stride
        guard let operation = handles()?.operation else {
            // No PROJ objects for this thread (PROJ out of memory): "could not transform".
            for i in 0..<n { x[i] = .infinity; y[i] = .infinity }
            return
        }
        x.withUnsafeMutableBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                _ = proj_trans_generic(operation, direction, xs.baseAddress, stride, n, ys.baseAddress, stride, n, nil, 0, 0, nil, 0, 0)
            }
        }
    }
}

/// One thread's PROJ context with the objects made in it, freed together in `deinit`.
/// Never shared: each lives in its thread's table (``current(_:)``) and dies with the thread.
final class ProjThreadHandles {
    let context: OpaquePointer
    /// Owned; BNG → WGS84, normalised so x = longitude, y = latitude.
    var operation: OpaquePointer?
    /// Owned; the Transverse Mercator projection for `proj_factors`.
    var projected: OpaquePointer?

    init(searchPaths: [String]) throws {
        guard let ctx = proj_context_create() else { throw GeoQueryError.projection("PROJ could not create a context") }
        context = ctx
        proj_log_level(ctx, PJ_LOG_NONE)
        let cStrings = searchPaths.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        proj_context_set_search_paths(ctx, Int32(pointers.count), &pointers)
    }

    deinit {
        if let p = projected { proj_destroy(p) }
        if let o = operation { proj_destroy(o) }
        proj_context_destroy(context)
    }

    /// A thread's handles, by grid instance.
    private final class Table { var handles: [Int: ProjThreadHandles] = [:] }

    /// The thread-specific slot holding each thread's ``Table`` (retained; released at thread exit).
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { table in
            guard let table else { return }
            Unmanaged<AnyObject>.fromOpaque(table).release()
        }
        precondition(created == 0, "pthread_key_create failed: the process is out of thread-specific keys")
        return key
    }()

    private static let serials = NSLock()
    nonisolated(unsafe) private static var lastSerial = 0

    static func nextSerial() -> Int {
        serials.lock(); defer { serials.unlock() }
        lastSerial += 1
        return lastSerial
    }

    private static func table(creating: Bool) -> Table? {
        if let raw = pthread_getspecific(key) { return Unmanaged<Table>.fromOpaque(raw).takeUnretainedValue() }
        guard creating else { return nil }
        let t = Table()
        pthread_setspecific(key, Unmanaged.passRetained(t).toOpaque())
        return t
    }

    /// The calling thread's handles for grid `serial`, if it has made them.
    static func current(_ serial: Int) -> ProjThreadHandles? { table(creating: false)?.handles[serial] }

    static func keep(_ h: ProjThreadHandles, for serial: Int) { table(creating: true)!.handles[serial] = h }

    /// Frees the calling thread's handles for a grid that is going away.
    static func forget(_ serial: Int) { table(creating: false)?.handles[serial] = nil }
}
