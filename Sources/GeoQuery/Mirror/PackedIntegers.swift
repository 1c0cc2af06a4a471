/// Non-negative integers stored at one byte width (1, 2, 3 or 4 bytes, little-endian): the
/// narrowest that holds the largest value. Snapshot columns and indexes use it so that, for
/// example, a national mirror's street names (84,603 at 24× the real archive) take 3 bytes a crime, not 4.
struct PackedIntegers {
    let raw: UnsafeRawBufferPointer
    let width: Int

    /// The narrowest width holding `maximum`.
    static func width(for maximum: UInt32) -> Int {
        maximum <= 0xFF ? 1 : maximum <= 0xFFFF ? 2 : maximum <= 0xFF_FFFF ? 3 : 4
    }

    /// The narrowest width a snapshot of `formatVersion` can give `maximum` (v3 had no 3-byte width).
    static func width(for maximum: UInt32, formatVersion: UInt32) -> Int {
        let w = width(for: maximum)
        return w == 3 && formatVersion < 4 ? 4 : w
    }

    static let widths = 1...4

    @inline(__always)
    subscript(i: Int) -> UInt32 {
        switch width {
        case 1: return UInt32(raw[i])
        case 2: return UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        case 3: return UInt32(raw[3 * i]) | UInt32(raw[3 * i + 1]) << 8 | UInt32(raw[3 * i + 2]) << 16
        default: return UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        }
    }

    var count: Int { raw.count / width }

    /// The width of an index of slots `0..<slots` (see ``SnapshotFormat/Section/crimeIDOrder``):
    /// fixed by the slot count, so a reader needs no stored width; always 4 bytes before format v4.
    static func slotWidth(slots: Int, formatVersion: UInt32) -> Int {
        formatVersion < 4 ? 4 : width(for: UInt32(clamping: max(0, slots - 1)))
    }

    /// Values laid out per piece: 256 Ki of them (at most 1 MiB).
    static let pieceValues = 1 << 18

    /// Lends `count` values, `value(i)` each, laid out at `width` bytes, to `body` in pieces of
    /// ``pieceValues`` (`count * width` bytes in all), so a column is never laid out whole.
    @inline(__always)
    static func pack(count: Int, width: Int, _ value: (Int) -> UInt32, to body: (UnsafeRawBufferPointer) -> Void) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(max(1, count), pieceValues) * width, alignment: 16)
        defer { buffer.deallocate() }
        for start in stride(from: 0, to: count, by: pieceValues) {
            let n = min(pieceValues, count - start)
            switch width {
            case 1: for i in 0..<n { buffer[i] = UInt8(truncatingIfNeeded: value(start + i)) }
            case 2: for i in 0..<n { buffer.storeBytes(of: UInt16(truncatingIfNeeded: value(start + i)).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            case 3:
                for i in 0..<n {
                    let v = value(start + i)
                    buffer[3 * i] = UInt8(truncatingIfNeeded: v)
                    buffer[3 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    buffer[3 * i + 2] = UInt8(truncatingIfNeeded: v >> 16)
                }
            default: for i in 0..<n { buffer.storeBytes(of: value(start + i).littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<(n * width)]))
        }
    }
}
