import Foundation

/// What the first catchment computation after an ingest is doing (it takes seconds for the
/// whole country), for a front end that wants to tell its user. The library itself stays quiet:
/// pass a callback to ``CrimeMirror/open(_:catchmentProgress:)``.
public enum CatchmentProgress: Sendable, Equatable {
    /// Computing the catchments of `mapPoints` map points; they will be kept in `file` (nil: in
    /// memory only, as for the embedded sample).
    case computing(mapPoints: Int, file: String?)
    /// Done after `seconds`; `stored` is false when `file` could not be written (read-only
    /// folder), so the next run computes them again.
    case computed(mapPoints: Int, seconds: Double, file: String?, stored: Bool)

    /// The sentence to show, e.g. "computing catchments for 189,535 map points (first use after
    /// an ingest; kept in DIR/catchments.geoquery)...".
    public var message: String {
        switch self {
        case .computing(let n, let file):
            let kept = file.map { "first use after an ingest; kept in \($0)" } ?? "kept in memory for this run"
            return "computing catchments for \(Format.grouped(n)) map points (\(kept))..."
        case .computed(let n, let seconds, let file, let stored):
            let done = "computed the catchments of \(Format.grouped(n)) map points in \(Format.decimal(seconds, places: 1)) s"
            guard let file, !stored else { return done }
            return done + "; could not write \(file), so they are kept in memory and computed again next time"
        }
    }
}
