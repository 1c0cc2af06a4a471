/// Locale-independent number formatting for every output (tables, JSON, CSV).
public enum Format {
    /// `s` as one word of a POSIX shell command: as it is when it holds only characters no
    /// shell treats specially, else in single quotes (a quote inside as `'\''`).
    public static func shellWord(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || "._/:,@%+=-".unicodeScalars.contains(c)
        }
        return plain ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
    public static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// `value` rounded to `places` decimals, always with a `.` separator.
    public static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        // Beyond what an Int holds (a radius of 1e19 miles, quoted back in its error): C's
        // formatting, which spells every digit, rather than a conversion that traps.
        guard abs(value) * scale < 0x1p62 else { return String(format: "%.\(places)f", value) }
        let rounded = (abs(value) * scale).rounded()
        let whole = Int(rounded / scale)
        let frac = Int(rounded - Double(whole) * scale)
        let sign = value < 0 && rounded != 0 ? "-" : ""
        guard places > 0 else { return "\(sign)\(whole)" }
        var f = String(frac)
        while f.count < places { f = "0" + f }
        return "\(sign)\(whole).\(f)"
    }

    /// A density (crimes per km²) with thousands separators and `places` decimals, except that a
    /// non-zero density under 1 keeps at least one significant digit: 0.4, 0.04, never a bare 0
    /// for a sparse rural area or a whole force.
    static func density(_ value: Double, places: Int) -> String {
        var p = places
        if value != 0 && abs(value) < 1 {
            p = max(p, 1)
            var scaled = abs(value) * 10
            while scaled < 0.95 && p < 6 { scaled *= 10; p += 1 }
        }
        return grouped(value, places: p)
    }

    /// `value` rounded as ``density(_:places:)`` prints it, so figures and their text agree.
    static func roundedDensity(_ value: Double, places: Int) -> Double {
        Double(density(value, places: places).replacingOccurrences(of: ",", with: "")) ?? value
    }

    /// Micro-degrees as the 6-decimal text Police UK writes ("-1.131600").
    static func microDegrees(_ v: Int32) -> String { MicroDegrees.text(v) }

    /// A decimal with thousands separators ("11,085.6"), for rates in tables and sentences.
    static func grouped(_ value: Double, places: Int) -> String {
        let text = decimal(value, places: places)
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", maxSplits: 1)
        let whole = grouped(Int(parts[0]) ?? 0)
        return (negative ? "-" : "") + whole + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// Thousands separators for tables ("12,345").
    public static func grouped(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}
