import Foundation

/// What the first catchment computation after an ingest is doing (it takes seconds for the
/// whole country), for a front end that wants to tell its user. The library itself stays quiet:
/// pass a callback to ``CrimeMirror/open(_:catchmentProgress:)``.
public enum CatchmentProgress: Sendable, Equatable {
    /// Computing the catchments of `mapPoints` map points; they will be kept in `file` (nil: in
    /// memory only, as for the embedded sample).
    case computing(mapPoints: Int, file: String?)
    /// Done after `seconds`; `stored` is false when `file` could not be written (a read-only
    /// folder, a full disk), so the next run computes them again; `failure` then says why.
    case computed(mapPoints: Int, seconds: Double, file: String?, stored: Bool, failure: String? = nil)

    /// The sentence to show, e.g. "computing catchments for 189,535 map points (none stored for
    /// these points yet; kept in DIR/catchments.geoquery)...".
    public var message: String {
        switch self {
        case .computing(let n, let file):
            let kept = file.map { "none stored for these points yet; kept in \($0)" } ?? "kept in memory for this run"
            // A delta's file: only the forces whose points the delta changed are computed.
            let which = file.map { $0.hasSuffix(CatchmentFile.deltaFileName) } == true ? "the catchments a delta changes, of" : "catchments for"
            return "computing \(which) \(Format.grouped(n)) map points (\(kept))..."
        case .computed(let n, let seconds, let file, let stored, let failure):
            let done = "computed the catchments of \(Format.grouped(n)) map points in \(Format.decimal(seconds, places: 1)) s"
            guard let file, !stored else { return done }
            return done + "; could not write \(file)" + (failure.map { " (\($0))" } ?? "") + ", so they are kept in memory and computed again next time"
        }
    }
}
