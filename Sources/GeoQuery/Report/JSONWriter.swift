import Synchronization

/// A minimal JSON text builder over bytes: keys in the order written, numbers without locale,
/// strings escaped per RFC 8259. Output formats use it so that key order is stable, and it
/// writes bytes because a batch result is mostly short keys and small integers.
public struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    /// An empty writer; write one value (usually an object or array) and read ``text``.
    public init() { bytes.reserveCapacity(4096) }

    /// A writer appending to `bytes` (a reused buffer); ``takeBytes()`` hands it back.
    init(appendingTo bytes: [UInt8]) { self.bytes = bytes }

    /// The bytes written, the buffer given to ``init(appendingTo:)`` included; the writer is left empty.
    mutating func takeBytes() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }

    /// The JSON written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Opens an object, as the member `key` when inside an object (nil inside an array or at the top).
    public mutating func beginObject(_ key: String? = nil) { open(key, UInt8(ascii: "{")) }
    /// Closes the innermost object.
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    /// Opens an array, as the member `key` when inside an object.
    public mutating func beginArray(_ key: String? = nil) { open(key, UInt8(ascii: "[")) }
    /// Closes the innermost array.
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A string member (`null` for nil); `key` nil inside an array.
    public mutating func value(_ key: String?, _ v: String?) {
        element(key)
        if let v { JSONWriter.appendQuoted(v, to: &bytes) } else { bytes += "null".utf8 }
    }
    /// An integer member; `key` nil inside an array.
    public mutating func value(_ key: String?, _ v: Int) { element(key); JSONWriter.appendInt(v, to: &bytes) }

    /// `"key":` escaped once, for keys written many times (categories, months).
    static func key(_ k: String) -> [UInt8] {
        var out: [UInt8] = []
        appendQuoted(k, to: &out)
        out.append(UInt8(ascii: ":"))
        return out
    }

    /// ``key(_:)`` of each name, kept for the last list asked: every result of a mirror names
    /// the mirror's one category list, which a batch line otherwise escaped anew (15 names, ~4%
    /// of a radius line). The same array compares equal at once, without reading its names.
    static func keys(_ names: [String]) -> [[UInt8]] {
        lastKeys.withLock { last in
            if last.names != names { last = (names, names.map(key)) }
            return last.keys
        }
    }
    private static let lastKeys = Mutex<(names: [String], keys: [[UInt8]])>(([], []))

    /// A member whose key was escaped with ``key(_:)``.
    mutating func value(key: [UInt8], _ v: Int) {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        bytes.append(contentsOf: key)
        JSONWriter.appendInt(v, to: &bytes)
    }
    /// A member keyed by a month ("2019-01"), its key written digit by digit.
    mutating func value(month: Month, _ v: Int) { monthKey(month); JSONWriter.appendInt(v, to: &bytes) }
    /// An object member keyed by a month.
    mutating func beginObject(month: Month) {
        monthKey(month)
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }
    private mutating func monthKey(_ m: Month) {
        element(nil)
        let mo = m.month
        // As Month's description writes it: the year's digits, a dash, two digits of month.
        bytes.append(UInt8(ascii: "\""))
        JSONWriter.appendInt(m.year, to: &bytes)
        bytes.append(UInt8(ascii: "-")); bytes.append(48 + UInt8(mo / 10)); bytes.append(48 + UInt8(mo % 10))
        bytes.append(UInt8(ascii: "\"")); bytes.append(UInt8(ascii: ":"))
    }
    mutating func value(_ key: String?, _ v: Double, places: Int) { element(key); bytes += Format.decimal(v, places: places).utf8 }
    /// `"geoquery_version"`: which geoquery wrote an answer, for answers kept and compared later.
    mutating func version() { value("geoquery_version", GeoQuery.version) }
    /// A density: `places` decimals, more for a non-zero one under 1 (see ``Format/density(_:places:)``).
    mutating func density(_ key: String?, _ v: Double, places: Int) {
        element(key); bytes += Format.density(v, places: places).replacingOccurrences(of: ",", with: "").utf8
    }
    /// A `true`/`false` member.
    public mutating func value(_ key: String?, _ v: Bool) { element(key); bytes += (v ? "true" : "false").utf8 }
    /// A `null` member.
    public mutating func null(_ key: String?) { element(key); bytes += "null".utf8 }
    /// A member whose value is JSON text written elsewhere (a comparison embeds each side's report).
    mutating func raw(_ key: String?, json: String) { element(key); bytes += json.utf8 }
    /// `null` for a figure that is not available (reports' "n/a").
    mutating func value(_ key: String?, _ v: Int?) { if let v { value(key, v) } else { null(key) } }
    mutating func value(_ key: String?, _ v: Double?, places: Int) { if let v { value(key, v, places: places) } else { null(key) } }
    /// Every digit of `v` (the shortest text that reads back as the same Double: "0.4713", "1e-09"),
    /// for statistics a reader may recompute; `null` for nil and non-finite values.
    mutating func value(_ key: String?, exact v: Double?) {
        if let v, v.isFinite { element(key); bytes += v.description.utf8 } else { null(key) }
    }

    /// A change's exact test beside it: `p_value`, and `ratio_ci95` as [low, high] with an infinite
    /// upper end written `null`; both `null` when there is no test.
    mutating func changeTest(_ t: PoissonChange?) {
        value("p_value", exact: t?.pValue)
        if let t {
            beginArray("ratio_ci95")
            value(nil, exact: t.ratioInterval.lowerBound)
            value(nil, exact: t.ratioInterval.upperBound)
            endArray()
        } else {
            null("ratio_ci95")
        }
    }

    private mutating func open(_ key: String?, _ bracket: UInt8) {
        element(key)
        bytes.append(bracket)
        needsComma.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        needsComma.removeLast()
        bytes.append(bracket)
    }

    @inline(__always)
    private mutating func element(_ key: String?) {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        if let key {
            JSONWriter.appendQuoted(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    /// Decimal digits of `v`, without building a String.
    static func appendInt(_ v: Int, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        if m < 10 { out.append(48 + UInt8(m)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while m > 0 { d[n] = 48 + UInt8(m % 10); m /= 10; n += 1 }
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }

    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Slugs, months and names rarely need escaping: copy their UTF-8 whole, in one copy.
        var s = s
        let plain = s.withUTF8 { u in
            guard !u.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: u)
            return true
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += "\\\"".utf8
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case 0x0A: out += "\\n".utf8
            case 0x0D: out += "\\r".utf8
            case 0x09: out += "\\t".utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += "\\u00".utf8
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)  // UTF-8 passes through unchanged
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `s` as a JSON string literal, quotes included.
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
