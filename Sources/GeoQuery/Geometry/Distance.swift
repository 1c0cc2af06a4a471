/// A length in metres parsed from what users type: `800m`, `1.2km`, `0.5mi`, `500ft`; a bare number is miles.
public struct Distance: Sendable, Equatable, CustomStringConvertible {
    public let metres: Double

    public static let metresPerMile = 1609.344

    public init(metres: Double) { self.metres = metres }

    /// The units a distance may end in: the symbol, the words that spell it, metres per unit.
    static let units: [(symbol: String, words: [String], metres: Double)] = [
        ("mi", ["mile", "miles"], metresPerMile), ("km", ["kilometre", "kilometres", "kilometer", "kilometers"], 1000),
        ("m", ["metre", "metres", "meter", "meters"], 1), ("ft", ["foot", "feet"], 0.3048), ("yd", ["yard", "yards"], 0.9144),
    ]

    /// Every spelling with its unit, longest first (so "km" is not read as "m", nor "kilometres" as "metres").
    private static let suffixes: [(text: String, symbol: String, metres: Double)] =
        units.flatMap { u in ([u.symbol] + u.words).map { ($0, u.symbol, u.metres) } }.sorted { $0.text.count > $1.text.count }

    /// The symbol of a unit typed as a word ("miles" → "mi"), nil for anything else.
    public static func unitSymbol(_ word: String) -> String? {
        let w = word.lowercased()
        return units.first { $0.symbol == w || $0.words.contains(w) }?.symbol
    }

    /// Parses a distance; throws ``GeoQueryError/invalidRadius(_:)`` for anything unparseable.
    public init(parsing text: String) throws {
        let t = text.trimmed.lowercased()
        var number = Substring(t)
        var scale = Distance.metresPerMile  // Police UK and its users talk in miles
        for u in Distance.suffixes where t.hasSuffix(u.text) {
            number = t.dropLast(u.text.count)
            scale = u.metres
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
