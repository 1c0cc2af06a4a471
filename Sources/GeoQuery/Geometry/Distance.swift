/// A length in metres parsed from what users type: `800m`, `1.2km`, `0.5mi`, `500ft`; a bare number is miles.
public struct Distance: Sendable, Equatable, CustomStringConvertible {
    public let metres: Double

    public static let metresPerMile = 1609.344

    public init(metres: Double) { self.metres = metres }

    /// Parses a distance; throws ``GeoQueryError/invalidRadius(_:)`` for anything unparseable.
    public init(parsing text: String) throws {
        let t = text.trimmed.lowercased()
        let units: [(String, Double)] = [
            ("km", 1000), ("mi", Distance.metresPerMile), ("miles", Distance.metresPerMile),
            ("mile", Distance.metresPerMile), ("ft", 0.3048), ("yd", 0.9144), ("m", 1),
        ]
        var number = Substring(t)
        var scale = Distance.metresPerMile  // Police UK and its users talk in miles
        for (suffix, s) in units.sorted(by: { $0.0.count > $1.0.count }) where t.hasSuffix(suffix) {
            number = t.dropLast(suffix.count)
            scale = s
            break
        }
        guard let value = Double(decimal: String(number).trimmed), value.isFinite else {
            throw GeoQueryError.invalidRadius("'\(text)' is not a distance: use e.g. 800m, 1.2km, 0.5mi (a bare number is miles)")
        }
        metres = value * scale
    }

    /// Miles, for people.
    public var miles: Double { metres / Distance.metresPerMile }

    public var description: String {
        metres >= 1000 && metres.truncatingRemainder(dividingBy: Distance.metresPerMile) == 0 || metres >= 804
            ? "\(Format.decimal(miles, places: 2)) mi (\(Format.decimal(metres, places: 0)) m)"
            : "\(Format.decimal(metres, places: 0)) m (\(Format.decimal(miles, places: 2)) mi)"
    }
}

import Foundation
