import Foundation

/// A JSON object read straight from its UTF-8 bytes (batch lines, GeoJSON): one validating pass
/// records each member's byte range, and values are read from their ranges when asked, so a
/// line's polygon is never copied into Foundation objects or written back out as text.
///
/// Syntax is RFC 8259's, which `JSONSerialization` also reads, with one difference: a number
/// beyond a Double's range (`1e400`), which RFC 8259 allows and Foundation refuses, is read here
/// (as infinite, so the field's own range check refuses it in its words). Text it refuses goes to
/// ``JSONInput/object(_:what:example:)`` for Foundation's verdict and error words, so the
/// messages users see do not change.
struct JSONBytes {
    /// An object's member: its key and its value's bytes. (One labelled type throughout: an
    /// unlabelled list converted to it is copied element by element.)
    typealias Member = (key: String, value: Range<Int>)

    /// The text's bytes (a copy: ranges index into it).
    let bytes: [UInt8]
    /// Where this object's own text lies in `bytes` (the whole text, or a member object's).
    private let own: Range<Int>
    /// The top-level object's members in order (no key twice: such text is left to Foundation).
    let members: [Member]
    /// The members of each top-level member that is an object (a batch line's `geojson`), by
    /// where it starts: recorded by the validating pass, so reading the object walks it no more.
    private let objectMembers: [(start: Int, members: [Member])]
    /// The numbers of its number arrays (GeoJSON coordinates), read by the validating pass: a
    /// polygon reader takes them from here rather than reading their digits a second time.
    let numbers: NumberLog

    enum Kind { case object, array, string, number, bool, null }

    /// Nesting deeper than this is left to Foundation (which refuses it in its own words).
    static let maxDepth = 512

    /// The members of `text`'s top-level object; nil when the text is not exactly one JSON object.
    init?(_ text: String) {
        var copy: [UInt8] = []
        copy.reserveCapacity(text.utf8.count + 1)
        copy.append(contentsOf: text.utf8)
        copy.append(0)  // a guard byte: never part of a value (room made for it: no regrowth)
        let count = copy.count - 1
        var objects: [(start: Int, members: [Member])] = []
        // A batch line's numbers are logged; a large file's are not (the log takes 24 bytes a
        // number, more than the text: a 512 MiB area file would need several hundred MiB more).
        var log = NumberLog(keeping: count <= NumberLog.largestText)
        guard let members = copy.withUnsafeBufferPointer({ buffer -> [Member]? in
            var c = TextBytes(buffer.baseAddress!, count: count)
            var out: [Member] = []
            out.reserveCapacity(8)  // a batch line has a few keys: one allocation, no regrowth
            let ok = JSONBytes.object(&c, depth: 0) { key, c in
                c.skipSpace()
                let start = c.at
                if c.byte == 0x7B {
                    guard let m = JSONBytes.members(&c, depth: 1, log: &log) else { return false }
                    objects.append((start, m))
                } else {
                    guard JSONBytes.skipValue(&c, depth: 1, log: &log) else { return false }
                }
                out.append((key, start..<c.at))
                return true
            }
            c.skipSpace()
            return ok && c.isAtEnd ? out : nil
        }) else { return nil }
        bytes = copy
        own = 0..<count
        self.members = members
        objectMembers = objects
        numbers = log
    }

    /// The object at `r` of `parent` (sharing its bytes); nil when it is not an object.
    init?(_ parent: JSONBytes, object r: Range<Int>) {
        if let known = parent.objectMembers.first(where: { $0.start == r.lowerBound }) {
            members = known.members
        } else {
            guard let m = parent.members(r) else { return nil }
            members = m
        }
        bytes = parent.bytes
        own = r
        objectMembers = []
        numbers = parent.numbers
    }

    /// The members of the object at `r`. The text was checked when it was read, so values are
    /// only stepped over (brackets and strings), not checked again.
    func members(_ r: Range<Int>) -> [Member]? {
        guard kind(r) == .object else { return nil }
        return reading(r) { c in
            var out: [Member] = []
            let ok = JSONBytes.object(&c, depth: 0) { key, c in
                c.skipSpace()
                let start = c.at
                JSONBytes.stepOver(&c)
                out.append((key, start..<c.at))
                return true
            }
            return ok ? out : nil
        }
    }

    /// Steps over one value already known to be well formed: a bracket count that skips strings.
    static func stepOver(_ c: inout TextBytes) {
        var depth = 0
        while c.at < c.end {
            switch c.base[c.at] {
            case 0x22:
                _ = skipString(&c)
                if depth == 0 { return }
                continue
            case 0x7B, 0x5B: depth += 1
            case 0x7D, 0x5D:
                if depth == 0 { return }  // the end of the enclosing container
                depth -= 1
                if depth == 0 { c.at += 1; return }
            case 0x2C, 0x20, 0x0A, 0x0D, 0x09:
                if depth == 0 { return }  // after a number or literal
            default: break
            }
            c.at += 1
        }
    }

    /// The value of `key` (the last one when it repeats).
    func member(_ key: String) -> Range<Int>? { members.last { $0.key == key }?.value }

    func kind(_ r: Range<Int>) -> Kind {
        switch bytes[r.lowerBound] {
        case 0x7B: return .object
        case 0x5B: return .array
        case 0x22: return .string
        case 0x74, 0x66: return .bool
        case 0x6E: return .null
        default: return .number
        }
    }

    /// Runs `body` with a cursor over the value at `r`.
    func reading<R>(_ r: Range<Int>, _ body: (inout TextBytes) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { buffer in
            var c = TextBytes(buffer.baseAddress!, count: r.upperBound)
            c.at = r.lowerBound
            return try body(&c)
        }
    }

    /// The string at `r`, unescaped; nil when it is not a string.
    func string(_ r: Range<Int>) -> String? {
        guard kind(r) == .string else { return nil }
        return reading(r) { JSONBytes.string(&$0) }
    }

    /// The number at `r`; nil when it is not a number.
    func number(_ r: Range<Int>) -> Double? {
        guard kind(r) == .number else { return nil }
        return reading(r) { $0.number(.json) }
    }

    /// `true` or `false`; nil for anything else.
    func bool(_ r: Range<Int>) -> Bool? {
        guard kind(r) == .bool else { return nil }
        return bytes[r.lowerBound] == 0x74
    }

    /// The elements of the array at `r`, each a string; nil unless it is an array of strings.
    func strings(_ r: Range<Int>) -> [String]? {
        guard kind(r) == .array else { return nil }
        return reading(r) { c -> [String]? in
            var out: [String] = []
            let ok = JSONBytes.elements(&c, depth: 0) { c in
                c.skipSpace()
                guard let s = JSONBytes.string(&c) else { return false }
                out.append(s)
                return true
            }
            return ok ? out : nil
        }
    }

    /// The value's text exactly as written.
    func text(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }

    /// This object's own text.
    var ownText: String { text(own) }

    // MARK: the grammar

    /// An object's members (cursor before its `{`, after them on return), each value skipped and
    /// validated; nil when malformed.
    static func members(_ c: inout TextBytes, depth: Int, log: inout NumberLog) -> [Member]? {
        var out: [Member] = []
        out.reserveCapacity(8)  // a GeoJSON object or batch line has a few: one allocation, no regrowth
        let ok = object(&c, depth: depth) { key, c in
            c.skipSpace()
            let start = c.at
            guard skipValue(&c, depth: depth + 1, log: &log) else { return false }
            out.append((key, start..<c.at))
            return true
        }
        return ok ? out : nil
    }

    /// Walks an object: `member` is called at each value (cursor after the colon) and must take
    /// the value whole. False when malformed, when `member` says so, or when a key is given twice
    /// (JSON leaves its meaning open; Foundation, which then decides, refuses it in words:
    /// ``JSONInput/repeatedKey(_:)``).
    static func object(_ c: inout TextBytes, depth: Int, _ member: (String, inout TextBytes) -> Bool) -> Bool {
        let start = c
        guard depth < maxDepth, c.take(0x7B) else { return false }
        if c.take(0x7D) { return true }
        // Keys by a 6-bit hash of their length and last byte (lat and lng differ, as do id and
        // to): only a key whose bit is taken is looked for among the earlier ones, walking the
        // object again (no list of keys kept, so no allocation an object). A key written with
        // escapes is shorter decoded than spelled: its spelling says nothing of its bytes, so it
        // and every key after it are looked for.
        var seen: UInt64 = 0
        repeat {
            c.skipSpace()
            let keyAt = c.at
            guard let key = string(&c) else { return false }
            let length = key.utf8.count
            let bit: UInt64 = length == c.at - keyAt - 2 ? 1 << (UInt64(truncatingIfNeeded: length &* 5 &+ Int(c.base[c.at - 2])) & 63) : ~0
            if seen & bit != 0 && keyBefore(key, inObjectAt: start, before: keyAt) { return false }
            seen |= bit
            guard c.take(0x3A), member(key, &c) else { return false }
        } while c.take(0x2C)
        return c.take(0x7D)
    }

    /// Whether the object starting at `start` (already read up to `end`) gives `key` before `end`.
    private static func keyBefore(_ key: String, inObjectAt start: TextBytes, before end: Int) -> Bool {
        var c = start
        _ = c.take(0x7B)
        while true {
            c.skipSpace()
            guard c.at < end, let k = string(&c) else { return false }
            if k == key { return true }
            guard c.take(0x3A) else { return false }
            c.skipSpace()
            stepOver(&c)
            guard c.take(0x2C) else { return false }
        }
    }

    /// Walks an array: `element` is called at each element and must take it whole.
    static func elements(_ c: inout TextBytes, depth: Int, _ element: (inout TextBytes) -> Bool) -> Bool {
        guard depth < maxDepth, c.take(0x5B) else { return false }
        if c.take(0x5D) { return true }
        repeat {
            guard element(&c) else { return false }
        } while c.take(0x2C)
        return c.take(0x5D)
    }

    /// Skips one value, checking its syntax; the numbers of number arrays go to `log`.
    static func skipValue(_ c: inout TextBytes, depth: Int, log: inout NumberLog) -> Bool {
        c.skipSpace()
        switch c.byte {
        case 0x7B: return object(&c, depth: depth) { _, c in skipValue(&c, depth: depth + 1, log: &log) }
        case 0x5B:
            if skipNumberArrays(&c, depth: depth, log: &log) { return true }
            return elements(&c, depth: depth) { skipValue(&$0, depth: depth + 1, log: &log) }
        case 0x22: return skipString(&c)
        case 0x74: return c.takeWord("true", caseSensitive: true)
        case 0x66: return c.takeWord("false", caseSensitive: true)
        case 0x6E: return c.takeWord("null", caseSensitive: true)
        default:
            let start = c.at
            guard let exponent = c.skipNumber(.json) else { return false }
            log.noteIfBeyondDouble(c, from: start, exponent: exponent)
            return true
        }
    }

    /// Skips an array whose elements are numbers or such arrays (GeoJSON coordinates), checking
    /// the same grammar as ``skipValue(_:depth:log:)`` in one loop rather than a call per element:
    /// most of a polygon line is its coordinates. Its numbers are read, not only skipped, into
    /// `log`. False, with the cursor and the log unchanged, when the array holds anything else or
    /// is malformed anywhere: the general walk then decides it.
    private static func skipNumberArrays(_ c: inout TextBytes, depth: Int, log: inout NumberLog) -> Bool {
        var i = c
        let logged = log.count
        var open = 0  // arrays entered and not yet closed
        var low = 0  // the fewest open since the last number: how far up the nesting it went
        var regular = true  // no empty array (a shape the log's entries alone could not show)
        while true {
            // A value is expected: a number, or an array (possibly empty).
            i.skipSpace()
            if i.byte == 0x5B {
                guard depth + open < maxDepth else { log.truncate(to: logged); return false }
                open += 1
                if open > 255 { regular = false }  // beyond what an entry's byte holds
                i.at += 1
                i.skipSpace()
                if i.byte != 0x5D { continue }
                i.at += 1
                open -= 1
                regular = false
            } else if log.read(&i, depth: open, low: low) {
                low = open
            } else {
                log.truncate(to: logged)
                return false
            }
            // After a value: a comma and the next one, or closing brackets.
            while true {
                if open == 0 {
                    log.arrayRead(at: c.at, from: logged, regular: regular)
                    c = i
                    return true
                }
                i.skipSpace()
                if i.byte == 0x2C { i.at += 1; break }
                guard i.byte == 0x5D else { log.truncate(to: logged); return false }
                i.at += 1
                open -= 1
                low = min(low, open)
            }
        }
    }

    /// Skips a string without decoding it.
    static func skipString(_ c: inout TextBytes) -> Bool {
        guard c.byte == 0x22 else { return false }
        c.at += 1
        while c.at < c.end {
            let b = c.base[c.at]
            if b == 0x22 { c.at += 1; return true }
            if b < 0x20 { return false }
            if b == 0x5C {
                // Escapes are checked as decoding checks them, nothing kept.
                var none: [UInt8] = []
                guard decodeEscape(&c, into: &none, keep: false) else { return false }
                continue
            }
            c.at += 1
        }
        return false
    }

    /// The string at the cursor, unescaped (cursor after its closing quote); nil when malformed.
    static func string(_ c: inout TextBytes) -> String? {
        guard c.byte == 0x22 else { return nil }
        c.at += 1
        let start = c.at
        // Most strings (keys, months, WKT) have no escapes: one slice.
        while c.at < c.end {
            let b = c.base[c.at]
            if b == 0x22 {
                let s = String(decoding: UnsafeBufferPointer(start: c.base + start, count: c.at - start), as: UTF8.self)
                c.at += 1
                return s
            }
            if b < 0x20 { return nil }
            if b == 0x5C { break }
            c.at += 1
        }
        guard c.at < c.end else { return nil }
        var out = Array(UnsafeBufferPointer(start: c.base + start, count: c.at - start))
        while c.at < c.end {
            let b = c.base[c.at]
            if b == 0x22 { c.at += 1; return String(decoding: out, as: UTF8.self) }
            if b < 0x20 { return nil }
            if b == 0x5C {
                guard decodeEscape(&c, into: &out, keep: true) else { return nil }
                continue
            }
            out.append(b)
            c.at += 1
        }
        return nil
    }

    /// One escape at the cursor (its backslash), appended as UTF-8 to `out` when `keep`. A `\u`
    /// high surrogate must be followed by its low one.
    private static func decodeEscape(_ c: inout TextBytes, into out: inout [UInt8], keep: Bool) -> Bool {
        c.at += 1
        guard c.at < c.end else { return false }
        let e = c.base[c.at]
        c.at += 1
        let simple: UInt8?
        switch e {
        case 0x22, 0x5C, 0x2F: simple = e
        case 0x62: simple = 0x08
        case 0x66: simple = 0x0C
        case 0x6E: simple = 0x0A
        case 0x72: simple = 0x0D
        case 0x74: simple = 0x09
        case 0x75: simple = nil
        default: return false
        }
        if let simple { if keep { out.append(simple) }; return true }
        func hex4() -> UInt32? {
            guard c.end - c.at >= 4 else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let d = TextBytes.hexValue(c.base[c.at]) else { return nil }
                v = v << 4 | UInt32(d)
                c.at += 1
            }
            return v
        }
        guard var scalar = hex4() else { return false }
        if (0xD800..<0xDC00).contains(scalar) {
            guard c.end - c.at >= 6, c.base[c.at] == 0x5C, c.base[c.at + 1] == 0x75 else { return false }
            c.at += 2
            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return false }
            scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            return false
        }
        if keep { out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8) }
        return true
    }
}

/// Numbers as a validating pass read them, in text order, by where each starts and ends: a
/// second reader of the same text takes a number from here when one starts at its cursor. Each
/// number array (GeoJSON coordinates) also keeps where each number sits in its nesting, so a
/// reader of coordinates can build its rings from the log without walking the text again.
struct NumberLog {
    /// A number: its bytes, its value, and where it sits in the number array it was read in:
    /// `depth` arrays open around it, `low` the fewest open between the number before it and
    /// it (0 for an array's first number; `depth` when only a comma came between them), in
    /// a byte each (an array nested deeper is not ``withArray(at:_:)``'s to give).
    struct Entry {
        var start32: Int32, end32: Int32
        var value: Double
        var depth: UInt8, low: UInt8
        var start: Int { Int(start32) }
        var end: Int { Int(end32) }
    }

    /// The entries, in text order (a copy).
    var entries: [Entry] { Array(UnsafeBufferPointer(start: store.base, count: store.count)) }
    /// Entry k (k < count).
    @inline(__always) func entry(_ k: Int) -> Entry { store.base.unsafelyUnwrapped[k] }
    /// Written by one validating pass, then only read: a buffer of its own, so an append is a
    /// bounds check and a store (an array's append asks whether its storage is shared, each number).
    private let store = EntryStore()
    /// (Unchecked: written only by the validating pass that made it, before anything can share
    /// it; read-only from then on.)
    private final class EntryStore: @unchecked Sendable {
        var base: UnsafeMutablePointer<Entry>? = nil
        var count = 0, capacity = 0
        deinit { base?.deallocate() }

        /// Room for `more` entries beyond `count`, at least doubling.
        func grow(_ more: Int) {
            let room = max(capacity * 2, count + more, 16)
            let moved = UnsafeMutablePointer<Entry>.allocate(capacity: room)
            if let base { moved.moveInitialize(from: base, count: count); base.deallocate() }
            base = moved
            capacity = room
        }
    }
    /// The number arrays read whole (each a validating pass's one loop): where each starts in
    /// the text, its entries, and whether it held no empty array and no nesting past 255.
    private var arrays: [LoggedArray] = []
    /// (A struct, not a tuple: an array of tuples looks its type up at run time, each line.)
    private struct LoggedArray {
        var start: Int, entries: Range<Int>, regular: Bool
    }
    /// Whether numbers are kept (else only checked and skipped).
    let keeping: Bool

    /// Texts up to this many bytes have their numbers logged: any batch line, and GeoJSON files
    /// of a few hundred boundaries; larger ones are read twice rather than held twice. (Below
    /// 2 GiB: an entry keeps its offsets in 32 bits.)
    static let largestText = 4 << 20

    init(keeping: Bool = true) { self.keeping = keeping }

    var count: Int { store.count }

    /// A number of the text beyond a Double's range (`1e400`), which Foundation refuses outright:
    /// a reader that must give Foundation's verdict (a GeoJSON document's) leaves such text to
    /// it. Those the log holds are found when asked (a batch line never asks), others as read.
    var beyondDouble: Range<Int>? {
        if let noted { return noted }
        for k in 0..<count where !entry(k).value.isFinite { return entry(k).start..<entry(k).end }
        return nil
    }
    private var noted: Range<Int>? = nil

    /// Records the number that ends at the cursor, from `start`, when it lies beyond a Double's
    /// range: only a spelling with an `exponent` or of hundreds of digits can, so only those are
    /// read again.
    @inline(__always)
    mutating func noteIfBeyondDouble(_ c: TextBytes, from start: Int, exponent: Bool) {
        guard noted == nil, exponent || c.at - start > 300 else { return }
        var again = c
        again.at = start
        if let v = again.numberInline(.json), !v.isFinite { noted = start..<c.at }
    }

    /// Reads a JSON number at the cursor into the log (or only skips it when not `keeping`),
    /// `depth` arrays deep having been up to `low` since the number before; false (nothing read)
    /// when none starts there.
    @inline(__always)
    mutating func read(_ c: inout TextBytes, depth: Int, low: Int) -> Bool {
        let start = c.at
        guard keeping else {
            guard let exponent = c.skipNumber(.json) else { return false }
            noteIfBeyondDouble(c, from: start, exponent: exponent)
            return true
        }
        guard let v = c.jsonCoordinate() ?? c.numberInline(.json) else { return false }
        // Room at once for the rest of the text's numbers (a number and its comma take 2 bytes
        // or more, a coordinate's usually 10 or more), not a regrowth every doubling.
        let s = store
        if s.count == s.capacity { s.grow(max(16, (c.end - start) / 8)) }
        (s.base.unsafelyUnwrapped + s.count).initialize(to: Entry(
            start32: Int32(truncatingIfNeeded: start), end32: Int32(truncatingIfNeeded: c.at), value: v,
            depth: UInt8(truncatingIfNeeded: depth), low: UInt8(truncatingIfNeeded: low)))
        s.count += 1
        return true
    }

    /// Notes that the number array starting at `start` was read whole, its numbers the entries
    /// from `first` on.
    mutating func arrayRead(at start: Int, from first: Int, regular: Bool) {
        if keeping { arrays.append(LoggedArray(start: start, entries: first..<store.count, regular: regular)) }
    }

    /// `body` over the entries of the number array read whole from `start`, when it is regular
    /// (above); nil for any other value (not logged, or read element by element).
    func withArray<R>(at start: Int, _ body: (UnsafeBufferPointer<Entry>) -> R?) -> R? {
        for a in arrays where a.start == start {
            guard a.regular else { return nil }
            return withExtendedLifetime(store) {
                body(UnsafeBufferPointer(start: store.base.unsafelyUnwrapped + a.entries.lowerBound, count: a.entries.count))
            }
        }
        return nil
    }

    /// Drops the entries after the first `count` (an array given up part way).
    mutating func truncate(to count: Int) { store.count = count }

    /// Reads numbers in text order from `offset` on, each from the log when it holds the number
    /// at the cursor, else from the text.
    struct Reader {
        let log: NumberLog
        var next: Int

        @inline(__always)
        mutating func number(_ c: inout TextBytes) -> Double? {
            if next < log.count && log.entry(next).start == c.at {
                let e = log.entry(next)
                c.at = e.end
                next += 1
                return e.value
            }
            return c.number(.json)
        }
    }

    func reader(from offset: Int) -> Reader {
        var lo = 0, hi = count
        while lo < hi { let mid = (lo + hi) / 2; if entry(mid).start < offset { lo = mid + 1 } else { hi = mid } }
        return Reader(log: self, next: lo)
    }
}
