import Foundation

/// A cursor over UTF-8 bytes for the hand-written readers (poly strings, WKT, batch lines and
/// GeoJSON): one pass, no `Character` or `String` per token, numbers straight into `Double`s.
/// The bytes must outlive the cursor.
struct TextBytes {
    let base: UnsafePointer<UInt8>
    let end: Int
    var at = 0

    init(_ base: UnsafePointer<UInt8>, count: Int) { self.base = base; end = count }

    var isAtEnd: Bool { at >= end }
    /// The byte under the cursor, 0 at the end.
    @inline(__always) var byte: UInt8 { at < end ? base[at] : 0 }

    /// Skips JSON/WKT white space (space, tab, line feed, carriage return).
    @inline(__always) mutating func skipSpace() {
        while at < end, TextBytes.isSpace(base[at]) { at += 1 }
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    /// Takes `c` after optional white space; false (nothing taken but the space) if it is not there.
    @inline(__always) mutating func take(_ c: UInt8) -> Bool {
        skipSpace()
        guard byte == c else { return false }
        at += 1
        return true
    }

    /// Takes an ASCII word, case ignored (`POLYGON`, `true`), when the next letters spell it and no
    /// letter follows.
    mutating func takeWord(_ word: StaticString, caseSensitive: Bool = false) -> Bool {
        skipSpace()
        let n = word.utf8CodeUnitCount
        guard end - at >= n else { return false }
        let w = word.utf8Start
        for i in 0..<n {
            let c = base[at + i], d = w[i]
            if c != d && (caseSensitive || c | 0x20 != d | 0x20 || !TextBytes.isLetter(d)) { return false }
        }
        if at + n < end && TextBytes.isLetter(base[at + n]) { return false }
        at += n
        return true
    }

    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// Steps over a number in `grammar` without computing it (for values only checked and skipped);
    /// false (cursor unchanged) when none starts here.
    /// Says whether the spelling has an exponent (only such a number, or one of hundreds of
    /// digits, can lie beyond a Double's range); nil when none starts here.
    mutating func skipNumber(_ grammar: NumberGrammar) -> Bool? {
        guard let n = spelling(grammar, reading: false) else { return nil }
        at = n.end
        return n.power != 0
    }

    /// A number's spelling at the cursor, walked once: where it ends and, when `reading`, its
    /// sign, up to 19 significant digits (`exact` when there were no more) and their power of
    /// ten. nil when no number in `grammar` starts here. The one definition of the grammar, for
    /// skipping and reading.
    @inline(__always)
    private func spelling(_ grammar: NumberGrammar, reading: Bool) -> (end: Int, negative: Bool, mantissa: UInt64, exact: Bool, power: Int)? {
        var i = at
        let negative = i < end && base[i] == 0x2D
        if i < end && (base[i] == 0x2D || (grammar == .wkt && base[i] == 0x2B)) { i += 1 }
        // Every digit goes into the mantissa as it is passed (it wraps beyond 19 digits, and is
        // then read again with care below): eight at a time, no test per digit.
        var mantissa: UInt64 = 0
        let intStart = i
        if reading {
            // A coordinate's whole part is one to three digits: one at a time, before the
            // eight-byte step takes any longer run.
            while i < end, TextBytes.isDigit(base[i]), i - intStart < 3 {
                mantissa = mantissa &* 10 &+ UInt64(base[i] &- 0x30)
                i += 1
            }
            if i - intStart == 3 { digitRun(&i, &mantissa) }
        } else {
            while i < end && TextBytes.isDigit(base[i]) { i += 1 }
        }
        let intDigits = i - intStart
        if grammar == .json && (intDigits == 0 || (intDigits > 1 && base[intStart] == 0x30)) { return nil }
        var fracDigits = 0
        if i < end && base[i] == 0x2E {
            i += 1
            let fracStart = i
            if reading {
                digitRun(&i, &mantissa)
            } else {
                while i < end && TextBytes.isDigit(base[i]) { i += 1 }
            }
            fracDigits = i - fracStart
            if grammar == .json && fracDigits == 0 { return nil }
        }
        guard intDigits + fracDigits > 0 else { return nil }
        var exponent = 0
        let written = i < end && (base[i] | 0x20) == 0x65
        if written {  // (e|E)[+-]?digits
            i += 1
            let expNegative = i < end && base[i] == 0x2D
            if i < end && (base[i] == 0x2B || base[i] == 0x2D) { i += 1 }
            let expStart = i
            while i < end, TextBytes.isDigit(base[i]) {
                if reading && exponent < 100_000 { exponent = exponent * 10 + Int(base[i] &- 0x30) }
                i += 1
            }
            guard i > expStart else { return nil }
            if expNegative { exponent = -exponent }
        }
        // Skipping, the power only says whether an exponent was written.
        guard reading else { return (i, negative, 0, true, written ? 1 : 0) }
        // Up to 19 digits the mantissa is exact (below 10^19 < 2^64).
        if intDigits + fracDigits <= 19 { return (i, negative, mantissa, true, exponent - fracDigits) }
        // More than 19 digits: the first 19 significant ones, and how many follow.
        mantissa = 0
        var digits = 0, scale = 0
        for k in intStart..<(intStart + intDigits) {
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(base[k] &- 0x30) } else { scale += 1 }
            if mantissa != 0 { digits += 1 }
        }
        let fracStart = intStart + intDigits + 1
        for k in fracStart..<(fracStart + fracDigits) {
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(base[k] &- 0x30)
                if mantissa != 0 { digits += 1 }
                scale -= 1
            } else {
                digits += 1  // dropped: the mantissa is no longer exact
            }
        }
        return (i, negative, mantissa, digits <= 19, scale + exponent)
    }

    /// Takes the run of digits at `i` into the mantissa (wrapping as the digit loop does), eight
    /// at a time: one 8-byte load says which bytes are digits, and the SWAR reduction (pairs,
    /// then fours, then eight) turns them into a number in three multiplies; the first non-digit
    /// ends the run, the digits before it taken in the same step. A coordinate's 14 to 17
    /// fraction digits are most of a polygon line. Within 8 bytes of the end, one at a time.
    @inline(__always)
    private func digitRun(_ i: inout Int, _ mantissa: inout UInt64) {
        while end - i >= 8 {
            let (k, value) = eightDigitsAt(i)
            if k == 0 { return }
            mantissa = mantissa &* (k == 8 ? 100_000_000 : TextBytes.tenTo(k)) &+ value
            i += k
            if k < 8 { return }
        }
        while i < end {
            let d = base[i] &- 0x30
            guard d < 10 else { return }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i += 1
        }
    }

    /// The digits among the eight bytes at `i` (which must lie before `end`) up to the first other
    /// byte: how many (0...8) and the number they spell, from one load. Bytes '0'...'9' become
    /// 0...9; any other has its high bit set in `other` (before the first such byte no carry
    /// crosses a byte, and only that first one counts). A 0 count spells 0.
    @inline(__always)
    private func eightDigitsAt(_ i: Int) -> (count: Int, value: UInt64) {
        let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self).littleEndian ^ 0x3030_3030_3030_3030
        let other = ((x &+ 0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080
        if other == 0 { return (8, TextBytes.eightDigits(x)) }
        let k = other.trailingZeroBitCount >> 3
        // The k digits moved to the top, zero digits before them.
        return (k, k == 0 ? 0 : TextBytes.eightDigits(x &<< UInt64(64 - 8 * k)))
    }

    /// Eight digit values, one a byte, the first in the lowest: the number they spell.
    @inline(__always)
    private static func eightDigits(_ bytes: UInt64) -> UInt64 {
        let d = (bytes &* 10) &+ (bytes >> 8)  // each even byte: two digits
        let low: UInt64 = 0x0000_00FF_0000_00FF
        let pairs: UInt64 = (d & low) &* (100 + (1_000_000 << 32))
        let fours: UInt64 = ((d >> 16) & low) &* (1 + (10_000 << 32))
        return (pairs &+ fours) >> 32
    }

    /// 10^k for k in 1...7.
    @inline(__always)
    private static func tenTo(_ k: Int) -> UInt64 {
        switch k {
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        default: return 10_000_000
        }
    }

    /// The bytes from the cursor to the end as one decimal number (``Double/init(decimal:)``'s
    /// reading), or nil when they are anything else.
    mutating func wholeDecimal() -> Double? {
        guard let v = number(.wkt), isAtEnd else { return nil }
        return v
    }

    /// Which spellings of a decimal number a reader takes.
    enum NumberGrammar {
        /// RFC 8259: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        case json
        /// `[+-]?` digits with an optional `.` (digits on at least one side), optional exponent:
        /// the spellings GEOS's WKT tokenizer hands to `strtod` and reads whole.
        case wkt
    }

    /// A decimal number at the cursor in `grammar`, or nil (cursor unchanged) when none starts
    /// here. The value is the correctly rounded one, as `strtod` gives.
    /// - Complexity: one pass over the spelling. For a mantissa up to 2^53 and a power of ten up
    ///   to 22 it is one exact integer-to-double conversion and one multiply or divide (Clinger's
    ///   fast path); up to 19 digits a double-double product (``nearest(_:_:)``); else, or near a
    ///   tie, `strtod`.
    mutating func number(_ grammar: NumberGrammar) -> Double? { numberInline(grammar) }

    /// The usual spelling of a coordinate in JSON, `-?(0|[1-9][0-9]{0,2})\.[0-9]{1,15}` and then
    /// no digit, `.`, `e` or `E`, read in one straight pass: the whole part digit by digit, the
    /// fraction in one or two eight-byte steps. The value is what ``numberInline(_:)`` gives for
    /// the same text (the same exact mantissa, then Clinger's fast path or ``nearest(_:_:)``);
    /// nil, cursor unchanged, for any other spelling, a value near a rounding tie, or within 24
    /// bytes of the end (the general reader then decides). Most of a polygon line is such numbers,
    /// and the general reader's tests for every other shape were most of their cost.
    @inline(__always)
    mutating func jsonCoordinate() -> Double? {
        // Every byte read below lies before `end`: at most 4 before the point, 16 after it.
        guard end - at >= 24 else { return nil }
        var i = at
        let negative = base[i] == 0x2D
        if negative { i += 1 }
        let first = base[i] &- 0x30
        guard first < 10 else { return nil }
        var whole = UInt64(first)
        i += 1
        var d = base[i] &- 0x30
        if d < 10 {
            guard first != 0 else { return nil }  // a leading zero: not JSON
            whole = whole &* 10 &+ UInt64(d)
            i += 1
            d = base[i] &- 0x30
            if d < 10 { whole = whole &* 10 &+ UInt64(d); i += 1 }
        }
        guard base[i] == 0x2E else { return nil }  // no point, or a fourth whole digit
        i += 1
        // The fraction in one or two of `digitRun`'s eight-byte steps.
        var (places, fraction) = eightDigitsAt(i)
        guard places > 0 else { return nil }  // "1." or "1.e5"
        if places == 8 {
            let (more, rest) = eightDigitsAt(i + 8)
            guard more < 8 else { return nil }  // sixteen or more fraction digits
            if more > 0 { fraction = fraction &* TextBytes.tenTo(more) &+ rest }
            places += more
        }
        i += places
        // Not the end of the number: the general reader takes the rest (or refuses it).
        guard base[i] != 0x2E && base[i] | 0x20 != 0x65 else { return nil }
        let mantissa = whole &* TextBytes.wholeTenTo(places) &+ fraction  // at most 19 digits: exact
        // Rounded as ``numberInline(_:)`` rounds (written out here too: a shared function was
        // not inlined into the validating loop, +2k instructions a batch line, callgrind).
        var v: Double
        if mantissa <= 1 << 53 {
            v = Double(mantissa) / TextBytes.ten(places)
        } else {
            guard let n = TextBytes.nearest(mantissa, -places) else { return nil }
            v = n
        }
        at = i
        return negative ? -v : v
    }

    /// 10^k as an integer, for k in 1...15 (a coordinate's fraction digits).
    @inline(__always)
    private static func wholeTenTo(_ k: Int) -> UInt64 {
        k <= 7 ? tenTo(k) : k == 8 ? 100_000_000 : 100_000_000 &* tenTo(k - 8)
    }

    /// ``number(_:)`` written into its caller: for the validating pass's loop over coordinates,
    /// where a call per number (its frame and saved registers) was a tenth of the number's cost.
    @inline(__always)
    mutating func numberInline(_ grammar: NumberGrammar) -> Double? {
        let start = at
        guard let (stop, negative, mantissa, exact, power) = spelling(grammar, reading: true) else { return nil }
        at = stop
        if exact && mantissa <= 1 << 53 && power >= -22 && power <= 22 {
            var v = Double(mantissa)  // exact: at most 2^53
            v = power < 0 ? v / TextBytes.ten(-power) : v * TextBytes.ten(power)
            return negative ? -v : v
        }
        if exact && power >= -22 && power <= 22, let v = TextBytes.nearest(mantissa, power) {
            return negative ? -v : v
        }
        return TextBytes.strtod(UnsafeBufferPointer(start: base + start, count: at - start))
    }

    /// Longer mantissas and large exponents: glibc's correctly rounded reader on a NUL-ended
    /// copy of the same span. (Out of line: its stack buffer would give every number's call a
    /// stack check.)
    @inline(never)
    private static func strtod(_ span: UnsafeBufferPointer<UInt8>) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: span.count + 1) { text in
            for (k, c) in span.enumerated() { text[k] = CChar(bitPattern: c) }
            text[span.count] = 0
            return Foundation.strtod(text.baseAddress!, nil)
        }
    }

    /// mantissa × 10^power correctly rounded, for mantissas of up to 19 digits (too long for
    /// Clinger's fast path, as 17-digit shortest round-trip coordinates are) and |power| ≤ 22;
    /// nil when the exact value lies too near a rounding midpoint to tell (then `strtod` decides).
    /// The mantissa is split exactly into two Doubles and multiplied or divided by the exact
    /// power of ten with FMA error terms (double-double), accurate to ~2^-100 relative.
    @inline(__always)
    static func nearest(_ mantissa: UInt64, _ power: Int) -> Double? {
        let hi = Double(mantissa)  // mantissa < 10^19 < 2^64: hi rounds within 2^11 of it
        let lo = Double(Int64(bitPattern: mantissa &- UInt64(hi)))
        let t = ten(abs(power))
        let head: Double, tail: Double
        if power >= 0 {
            head = hi * t
            tail = (-head).addingProduct(hi, t) + lo * t
        } else {
            head = hi / t
            // hi − head·t is exact with FMA; the rest of the quotient is (that + lo) / t.
            tail = (hi.addingProduct(-head, t) + lo) / t
        }
        let r = head + tail
        let e = (head - r) + tail  // the rounding error of r (its sign says which side)
        // The midpoint between r and its neighbour on e's side (half the ulp, a quarter below a power of two).
        let half = (e < 0 && r.significandBitPattern == 0) ? r.ulp / 4 : r.ulp / 2
        guard abs(abs(e) - half) > r * 0x1p-90 else { return nil }
        return r
    }

    /// 10^p for p in 0...22, each exact in a Double (constants: no lazily made table to check per number).
    @inline(__always)
    private static func ten(_ p: Int) -> Double {
        switch p {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }
}

extension TextBytes {
    /// The value of one hex digit (either case), nil for any other byte: Crime IDs and JSON's `\uXXXX`.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x37
        case 0x61...0x66: return b - 0x57
        default: return nil
        }
    }
}

extension Double {
    /// A decimal number spelled whole, `[+-]digits[.digits][(e|E)[+-]digits]`, and nothing else:
    /// what users type as coordinates and distances. `Double(String)` also takes hexadecimal
    /// (`0x34`), which would be read silently as another number; nil for that and anything else.
    public init?(decimal text: String) {
        guard let v = text.withTextBytes({ $0.wholeDecimal() }) else { return nil }
        self = v
    }
}

extension String {
    /// Runs `body` over the string's UTF-8 bytes, without copying when the string is already
    /// contiguous UTF-8 (as text read from a file or a line is).
    func withTextBytes<R>(_ body: (inout TextBytes) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { buffer in
            guard let base = buffer.baseAddress else {
                var none = TextBytes(UnsafePointer(bitPattern: 1)!, count: 0)
                return try body(&none)
            }
            var cursor = TextBytes(base, count: buffer.count)
            return try body(&cursor)
        }
    }
}
