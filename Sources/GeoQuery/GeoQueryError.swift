/// Everything a user can get wrong, each carrying the one line the user will read.
///
/// Programmer mistakes are preconditions instead; the CLI maps every case to exit code 1 (2 for usage).
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

    public var description: String {
        switch self {
        case .invalidRadius(let m), .invalidCoordinate(let m), .invalidMonth(let m), .unknownCategory(let m),
             .unknownForce(let m), .invalidQuery(let m), .notPoliceCSV(let m), .unreadableInput(let m),
             .mirrorMissing(let m), .mirrorCorrupt(let m), .mirrorTooNew(let m), .mirrorWrite(let m),
             .projection(let m), .invalidPostcode(let m), .postcodeNotFound(let m), .postcodeFile(let m), .catchment(let m):
            return m
        }
    }
}
