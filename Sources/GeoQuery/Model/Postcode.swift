/// A UK postcode unit ("LE1 5WW"), sector ("LE1 5") or district ("LE1"), normalised: upper case,
/// one space between the outward and inward parts.
///
/// Only the shape is checked (the six Royal Mail outward forms A9, A9A, A99, AA9, AA9A, AA99,
/// inward 9AA, plus GIR 0AA), not whether the postcode exists. Without a space, "LE15WW" is read
/// as a unit and "LE15" as the district LE15 (as Royal Mail would), never as the sector LE1 5.
public struct Postcode: Sendable, Hashable, CustomStringConvertible {
    /// How much of a postcode the text names.
    public enum Kind: String, Sendable {
        case unit, sector, district
    }

    /// The postcode packed into 7 bytes of a `UInt64`, big-endian: the outward code padded with
    /// spaces to 4 bytes (ONS's `pcd7` layout), then the inward code, zero bytes where a sector
    /// or district has none. Sorting unit keys sorts postcodes by district, then sector, then
    /// unit, so a sector or district is one key range.
    let key: UInt64
    /// 3 for a unit, 1 for a sector, 0 for a district.
    let inwardLength: Int

    public var kind: Kind { inwardLength == 3 ? .unit : inwardLength == 0 ? .district : .sector }
    /// "LE1", "EC1A", "G1".
    public var outward: String { String(decoding: (0..<4).map(byte).filter { $0 != 0x20 }, as: UTF8.self) }
    /// "5WW" for a unit, "5" for a sector, empty for a district.
    public var inward: String { String(decoding: (4..<(4 + inwardLength)).map(byte), as: UTF8.self) }
    public var description: String { inwardLength == 0 ? outward : outward + " " + inward }
    /// The postcode area: the outward code's leading letters ("LE", "G", "BT").
    public var area: String { String(outward.prefix { $0.isLetter }) }
    /// The sector ("LE1 5") of a unit or sector; nil for a district.
    public var sector: Postcode? { inwardLength == 0 ? nil : Postcode(key: key & ~0xFFFF, inwardLength: 1) }
    /// The district ("LE1").
    public var district: Postcode { Postcode(key: key & ~0xFF_FFFF, inwardLength: 0) }

    /// The unit a stored key stands for.
    init(key: UInt64, inwardLength: Int = 3) {
        self.key = key
        self.inwardLength = inwardLength
    }

    /// Byte `i` (0..<7) of the key.
    private func byte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: key >> UInt64(8 * (6 - i))) }

    /// Normalises `text` ("le15ww", " LE1  5WW ") or throws ``GeoQueryError/invalidPostcode(_:)``.
    public init(parsing text: String) throws {
        guard let p = Postcode.pack(text) else {
            throw GeoQueryError.invalidPostcode("invalid postcode format: '\(text)': a UK postcode looks like LE1 5WW (or a sector LE1 5, or a district LE1)")
        }
        self = p
    }

    /// Parses without allocating (a lookup must stay well under a microsecond): at most two
    /// whitespace-separated words of at most 7 ASCII bytes, upper-cased into two integers.
    /// - Complexity: O(text length).
    static func pack(_ text: String) -> Postcode? {
        var words: (UInt64, UInt64) = (0, 0), lengths = (0, 0), count = 0, inWord = false
        for b in text.utf8 {
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { inWord = false; continue }
            guard b < 0x80 else { return nil }
            if !inWord { count += 1; inWord = true }
            let u = UInt64(b >= 0x61 && b <= 0x7A ? b - 0x20 : b)
            switch count {
            case 1: guard lengths.0 < 7 else { return nil }; words.0 = words.0 << 8 | u; lengths.0 += 1
            case 2: guard lengths.1 < 3 else { return nil }; words.1 = words.1 << 8 | u; lengths.1 += 1
            default: return nil
            }
        }
        var (out, outLength, inw, inLength) = (words.0, lengths.0, words.1, lengths.1)
        if count == 1 && outLength >= 5 && isInward(out & 0xFF_FFFF) {
            (inw, inLength, out, outLength) = (out & 0xFF_FFFF, 3, out >> 24, outLength - 3)
        }
        guard count >= 1, isOutward(out, outLength),
              inLength == 0 || (inLength == 3 && isInward(inw)) || (inLength == 1 && isDigit(UInt8(inw))) else { return nil }
        var key = out
        for _ in outLength..<4 { key = key << 8 | 0x20 }
        key = key << 24 | inw << UInt64(8 * (3 - inLength))
        return Postcode(key: key, inwardLength: inLength)
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isLetter(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }

    /// 9AA, packed in the low 3 bytes.
    private static func isInward(_ w: UInt64) -> Bool {
        isDigit(UInt8(truncatingIfNeeded: w >> 16)) && isLetter(UInt8(truncatingIfNeeded: w >> 8)) && isLetter(UInt8(truncatingIfNeeded: w))
    }

    /// A9, A9A, A99, AA9, AA9A, AA99 (and GIR, the Girobank's non-geographic outward code),
    /// packed in the low `n` bytes.
    private static func isOutward(_ w: UInt64, _ n: Int) -> Bool {
        if n == 3 && w == 0x47_4952 { return true }  // "GIR"
        guard n >= 2 && n <= 4 else { return false }
        func b(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: w >> UInt64(8 * (n - 1 - i))) }
        guard isLetter(b(0)) else { return false }
        let digitAt = isLetter(b(1)) ? 2 : 1
        guard n - digitAt >= 1 && n - digitAt <= 2, isDigit(b(digitAt)) else { return false }
        return n - digitAt == 1 || isDigit(b(n - 1)) || isLetter(b(n - 1))
    }
}

extension Postcode {
    /// Postcode areas in Scotland; TD (Galashiels) also covers Berwick-upon-Tweed in England.
    static let scottishAreas: Set<String> = ["AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE", "TD"]

    /// What a reader must know about Police UK's coverage where this postcode is.
    /// (data.police.uk's API documentation: "only the British Transport Police provide data for
    /// Scotland, crime levels may appear much lower than they really are"; the Northern Ireland
    /// archive files carry no outcomes and no LSOAs.)
    public var coverageNote: String? {
        if area == "BT" {
            return "\(self) is in Northern Ireland: Police UK publishes PSNI's street-level crimes there without outcomes (and without LSOAs), so outcome figures are empty"
        }
        guard Postcode.scottishAreas.contains(area) else { return nil }
        let place = area == "TD" ? "in the TD area, which straddles the Scottish border (most of it is in Scotland)" : "in Scotland"
        return "\(self) is \(place): Police UK's street-level data covers England, Wales and Northern Ireland; Scotland only through British Transport Police, so Scottish counts look far lower than the crime Police Scotland records"
    }
}
