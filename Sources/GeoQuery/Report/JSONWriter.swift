import Synchronization

/// A minimal JSON text builder over bytes: keys in the order written, numbers without locale,
/// strings escaped per RFC 8259. Output formats use it so that key order is stable, and it
/// writes bytes because a batch result is mostly short keys and small integers.
public struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the next element of the innermost open object or array (or the top) follows one:
    /// a flag, not the top of a list, since every value reads and sets it.
    private var comma = false
    /// The flags of the enclosing levels, while an object or array is open: a bit each, the
    /// innermost in bit 0 (a list of flags was an allocation for every batch line's writer),
    /// and those beyond 64 levels in `deeper`.
    private var outer: UInt64 = 0
    private var depth = 0
    private var deeper: [Bool] = []

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
        appendKey(k, to: &out)
        return out
    }

    /// Appends `"key":`.
    private static func appendKey(_ k: String, to out: inout [UInt8]) {
        appendQuoted(k, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// Escaped `"key":` texts of a list of names, one after another in one block: reading one
    /// costs no reference count (a list of arrays retained and released each key it gave, on
    /// every value of a month-by-category grid).
    struct KeyList: Equatable, Sendable {
        let bytes: [UInt8]
        /// Where each key ends in `bytes` (each starts where the one before ends).
        let ends: [Int]

        init(_ names: [String]) {
            var bytes: [UInt8] = [], ends: [Int] = []
            ends.reserveCapacity(names.count)
            for name in names {
                JSONWriter.appendKey(name, to: &bytes)
                ends.append(bytes.count)
            }
            (self.bytes, self.ends) = (bytes, ends)
        }

        /// Key `i`'s text.
        func key(_ i: Int) -> ArraySlice<UInt8> { bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]] }
    }

    /// The ``KeyList`` of `names`, kept for the last list asked: every result of a mirror names
    /// the mirror's one category list, which a batch line otherwise escaped anew (15 names, ~4%
    /// of a radius line). The same array compares equal at once, without reading its names.
    static func keys(_ names: [String]) -> KeyList {
        lastKeys.withLock { last in
            if last.names != names { last = (names, KeyList(names)) }
            return last.keys
        }
    }
    private static let lastKeys = Mutex<(names: [String], keys: KeyList)>(([], KeyList([])))

    /// A member keyed by key `i` of `keys`.
    mutating func value(key i: Int, of keys: KeyList, _ v: Int) {
        element(nil)
        let start = i == 0 ? 0 : keys.ends[i - 1], end = keys.ends[i]
        keys.bytes.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<end])) }
        JSONWriter.appendInt(v, to: &bytes)
    }
    /// A member keyed by a month ("2019-01"), its key written digit by digit.
    mutating func value(month: Month, _ v: Int) { monthKey(month); JSONWriter.appendInt(v, to: &bytes) }
    /// An object member keyed by a month.
    mutating func beginObject(month: Month) {
        monthKey(month)
        bytes.append(UInt8(ascii: "{"))
        push()
    }
    private mutating func monthKey(_ m: Month) {
        element(nil)
        let (y, mo) = (m.year, m.month)
        // As Month's description writes it: the year's digits, a dash, two digits of month.
        guard (1000...9999).contains(y) else {
            bytes.append(UInt8(ascii: "\""))
            JSONWriter.appendInt(y, to: &bytes)
            bytes.append(UInt8(ascii: "-")); bytes.append(48 + UInt8(mo / 10)); bytes.append(48 + UInt8(mo % 10))
            bytes.append(UInt8(ascii: "\"")); bytes.append(UInt8(ascii: ":"))
            return
        }
        // A four-digit year (every month of the data): the ten bytes at once.
        let key: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (UInt8(ascii: "\""), 48 + UInt8(y / 1000), 48 + UInt8(y / 100 % 10), 48 + UInt8(y / 10 % 10), 48 + UInt8(y % 10),
             UInt8(ascii: "-"), 48 + UInt8(mo / 10), 48 + UInt8(mo % 10), UInt8(ascii: "\""), UInt8(ascii: ":"))
        withUnsafeBytes(of: key) { bytes.append(contentsOf: $0.assumingMemoryBound(to: UInt8.self)) }
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
        push()
    }

    private mutating func close(_ bracket: UInt8) {
        comma = outer & 1 == 1
        outer >>= 1
        depth -= 1
        if depth >= 64 { outer |= (deeper.removeLast() ? 1 : 0) << 63 }
        bytes.append(bracket)
    }

    /// Enters a level: the enclosing one's flag is kept, the new one has no element yet.
    @inline(__always)
    private mutating func push() {
        if depth >= 64 { deeper.append(outer >> 63 == 1) }
        outer = outer << 1 | (comma ? 1 : 0)
        depth += 1
        comma = false
    }

    @inline(__always)
    private mutating func element(_ key: String?) {
        if comma { bytes.append(UInt8(ascii: ",")) }
        comma = true
        if let key {
            JSONWriter.appendQuoted(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    /// Decimal digits of `v`, without building a String: written back to front into a small
    /// buffer, then appended at once (one capacity and uniqueness check, not one a digit).
    static func appendInt(_ v: Int, to out: inout [UInt8]) {
        var m = v.magnitude
        // Most counts of a month-by-category grid are small: a digit or two, appended as they are.
        if v >= 0 && m < 100 {
            if m >= 10 { out.append(48 + UInt8(m / 10)) }
            out.append(48 + UInt8(m % 10))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { d in  // Int.min: a sign and 19 digits
            var at = d.count
            repeat {
                at -= 1
                d[at] = 48 + UInt8(m % 10)
                m /= 10
            } while m > 0
            if v < 0 { at -= 1; d[at] = UInt8(ascii: "-") }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: d[at...]))
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
