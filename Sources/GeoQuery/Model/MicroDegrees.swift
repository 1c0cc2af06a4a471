/// Police UK coordinates as whole micro-degrees: they publish exactly six decimals, so an `Int32`
/// holds them exactly and compares without rounding. The one place text and degrees become
/// micro-degrees and back.
public enum MicroDegrees {
    /// Micro-degrees in a degree.
    public static let perDegree = 1_000_000

    /// Decimal degrees text ("-1.214176", spaces and a sign allowed) to micro-degrees, exactly for
    /// up to six decimals (a seventh rounds half up); nil for anything that is not a number.
    public static func parse<C: Collection>(_ b: C) -> Int32? where C.Element == UInt8, C.Index == Int {
        var i = b.startIndex
        while i < b.endIndex && b[i] == 0x20 { i += 1 }
        var end = b.endIndex
        while end > i && b[end - 1] == 0x20 { end -= 1 }
        guard i < end else { return nil }
        var negative = false
        if b[i] == 0x2D || b[i] == 0x2B { negative = b[i] == 0x2D; i += 1 }
        var whole: Int64 = 0, frac: Int64 = 0, fracDigits = 0, digits = 0, roundUp = false
        var seenPoint = false
        while i < end {
            let c = b[i]
            if c == 0x2E, !seenPoint { seenPoint = true }
            else if c >= 48 && c <= 57 {
                digits += 1
                if !seenPoint { whole = whole * 10 + Int64(c - 48); if whole > 1000 { return nil } }
                else if fracDigits < 6 { frac = frac * 10 + Int64(c - 48); fracDigits += 1 }
                else if fracDigits == 6 { roundUp = c >= 53; fracDigits += 1 }
            } else { return nil }
            i += 1
        }
        guard digits > 0 else { return nil }
        for _ in min(fracDigits, 6)..<6 { frac *= 10 }
        var v = whole * Int64(perDegree) + frac + (roundUp ? 1 : 0)
        if negative { v = -v }
        return Int32(v)
    }

    /// Micro-degrees to degrees.
    @inline(__always)
    public static func degrees(_ micro: Int32) -> Double { Double(micro) / Double(perDegree) }

    /// Degrees to the nearest micro-degree.
    @inline(__always)
    public static func rounded(_ degrees: Double) -> Int32 { Int32((degrees * Double(perDegree)).rounded()) }

    /// Appends "-1.131300" (sign, whole degrees, a zero-padded six-digit fraction), as Police UK writes it.
    public static func append(_ micro: Int, to bytes: inout [UInt8]) {
        if micro < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = micro.magnitude
        StreetCSVFormat.appendDecimal(Int(magnitude / UInt(perDegree)), to: &bytes)
        bytes.append(UInt8(ascii: "."))
        var fraction = magnitude % UInt(perDegree)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            for position in stride(from: 5, through: 0, by: -1) {
                d[position] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
            }
            bytes.append(contentsOf: d)
        }
    }

    /// The same text as a `String` (JSON output).
    public static func text(_ micro: Int32) -> String {
        var bytes: [UInt8] = []
        append(Int(micro), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
