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
        metres = try Distance.metres(ascii: text) ?? Distance.metres(anyText: text)
    }

    /// ``init(parsing:)`` for any text: trimmed, lowercased, its longest unit spelling taken off
    /// the end, the rest read as a decimal number.
    static func metres(anyText text: String) throws -> Double {
        // A capital M alone: metres to some, miles to others (UK road signs write "m" for
        // miles too). Read either way it could be 1,609 times off, so it is asked.
        let given = text.trimmed
        if given.hasSuffix("M"), let before = given.dropLast().last, !before.isLetter {
            let number = String(given.dropLast()).trimmed
            throw GeoQueryError.invalidRadius("'\(given)': is M metres or miles? write \(number)m for metres or \(number)mi for miles")
        }
        let t = given.lowercased()
        var number = Substring(t)
        var scale = Distance.metresPerMile  // Police UK and its users talk in miles
        for u in Distance.suffixes where t.hasSuffix(u.text) {
            number = t.dropLast(u.text.count)
            scale = u.metres
            break
        }
        // Finite in its unit and in metres (1e308km overflowed to an infinite radius, "0 mi").
        guard let value = Double(decimal: String(number).trimmed), value.isFinite, (value * scale).isFinite else {
            throw GeoQueryError.invalidRadius("'\(text)' is not a distance: use e.g. 800m, 1.2km, 0.5mi (a bare number is miles)")
        }
        return value * scale
    }

    /// ``init(parsing:)``'s reading of printable ASCII text, on its bytes: trimmed, the longest
    /// unit spelling it ends in (any case), the number before it. nil for other text and for
    /// anything not read (``init(parsing:)`` then reads it, and words its error). Every batch
    /// radius line is parsed, and lowercasing and comparing Strings was ~5% of one.
    static func metres(ascii text: String) -> Double? {
        var text = text
        return text.withUTF8 { u -> Double? in
            guard let base = u.baseAddress, u.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) else { return nil }
            // In printable ASCII the only white space is what `trimmed` takes: spaces and tabs.
            var lo = 0, hi = u.count
            while lo < hi && TextBytes.isSpace(u[lo]) { lo += 1 }
            while hi > lo && TextBytes.isSpace(u[hi - 1]) { hi -= 1 }
            // A capital M alone is asked about in words (``metres(anyText:)``).
            if hi - lo >= 2 && u[hi - 1] == 0x4D && !TextBytes.isLetter(u[hi - 2]) { return nil }
            var scale = metresPerMile
            for s in suffixBytes where hi - lo >= s.text.count {
                let at = hi - s.text.count
                // ASCII lowercase, as String's lowercased() gives for ASCII.
                guard s.text.indices.allSatisfy({ k in
                    let c = u[at + k]
                    return (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) == s.text[k]
                }) else { continue }
                hi = at
                scale = s.metres
                break
            }
            while hi > lo && TextBytes.isSpace(u[hi - 1]) { hi -= 1 }
            var c = TextBytes(base + lo, count: hi - lo)
            guard let v = c.wholeDecimal(), v.isFinite, (v * scale).isFinite else { return nil }
            return v * scale
        }
    }
    /// ``suffixes`` as bytes, in the same order.
    private static let suffixBytes: [(text: [UInt8], metres: Double)] = suffixes.map { (Array($0.text.utf8), $0.metres) }

    /// Miles, for people.
    public var miles: Double { metres / Distance.metresPerMile }

    public var description: String {
        metres >= 1000 && metres.truncatingRemainder(dividingBy: Distance.metresPerMile) == 0 || metres >= 804
            ? "\(Format.decimal(miles, places: 2)) mi (\(Format.decimal(metres, places: 0)) m)"
            : metres < 10 ? "\(Format.decimal(metres, places: 1)) m"  // "0 m (0.00 mi)" said nothing of 0.1 m
            : "\(Format.decimal(metres, places: 0)) m (\(Format.decimal(miles, places: 2)) mi)"
    }
}

import Foundation
