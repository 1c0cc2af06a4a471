/// Everything a user can get wrong, each carrying the one line the user will read.
///
/// Programmer mistakes are preconditions instead. Each case has a ``kind``: the HTTP server
/// answers 400/404/413/500 by it; the CLI exits 1 for every kind (2 for usage).
public enum GeoQueryError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidRadius(String)
    case invalidCoordinate(String)
    case invalidMonth(String)
    case unknownCategory(String)
    case unknownForce(String)
    case invalidQuery(String)
    case notPoliceCSV(String)
    case unreadableInput(String)
    case mirrorMissing(String)
    case mirrorCorrupt(String)
    case mirrorTooNew(String)
    case mirrorWrite(String)
    case projection(String)
    case invalidPostcode(String)
    case postcodeNotFound(String)
    case postcodeFile(String)
    case catchment(String)
    /// Something named by id (a map point, a force, a crime) that the mirror does not hold.
    case notFound(String)
    /// An input or answer over a size limit.
    case tooLarge(String)

    /// What kind of failure this is, for front ends that answer by kind rather than by message.
    public enum Kind: Sendable, Equatable {
        /// The request itself is wrong: fix it and ask again (HTTP 400).
        case badInput
        /// Well formed, but names something the mirror does not hold (HTTP 404).
        case notFound
        /// Over a size limit (HTTP 413).
        case tooLarge
        /// The mirror or a library failed, not the request (HTTP 500).
        case `internal`
    }

    public var kind: Kind {
        switch self {
        case .invalidRadius, .invalidCoordinate, .invalidMonth, .unknownCategory, .unknownForce, .invalidQuery,
             .notPoliceCSV, .unreadableInput, .invalidPostcode:
            return .badInput
        case .postcodeNotFound, .notFound: return .notFound
        case .tooLarge: return .tooLarge
        case .mirrorMissing, .mirrorCorrupt, .mirrorTooNew, .mirrorWrite, .projection, .postcodeFile, .catchment:
            return .internal
        }
    }

    public var description: String {
        switch self {
        case .invalidRadius(let m), .invalidCoordinate(let m), .invalidMonth(let m), .unknownCategory(let m),
             .unknownForce(let m), .invalidQuery(let m), .notPoliceCSV(let m), .unreadableInput(let m),
             .mirrorMissing(let m), .mirrorCorrupt(let m), .mirrorTooNew(let m), .mirrorWrite(let m),
             .projection(let m), .invalidPostcode(let m), .postcodeNotFound(let m), .postcodeFile(let m), .catchment(let m),
             .notFound(let m), .tooLarge(let m):
            return m
        }
    }
}
