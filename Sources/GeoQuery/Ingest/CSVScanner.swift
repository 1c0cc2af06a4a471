/// A byte-level RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF, a leading UTF-8 BOM.
///
/// Fields are handed out as ranges into the input; only a quoted field with a doubled quote is
/// copied (into `scratch`), so a row costs no allocation.
public struct CSVScanner {
    public struct Field {
        public var start: Int
        public var end: Int
        /// Contains `""` pairs that must be collapsed before use.
        public var escaped: Bool
    }

    public enum Failure: Error { case unterminatedQuote }

    /// The whole input; `fields` are ranges into it.
    public let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    /// 1-based line number of the record last returned.
    public private(set) var line = 0
    private var nextLine = 1
    public private(set) var fields: [Field] = []

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // Excel and some force exports start with a UTF-8 byte-order mark.
        position = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        fields.reserveCapacity(16)
    }

    /// Reads the next record into `fields`; false at end of input. Blank lines are skipped.
    public mutating func next() throws(Failure) -> Bool {
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        // Skip empty lines (including a trailing newline at end of file).
        while position < n && (bytes[position] == 0x0A || bytes[position] == 0x0D) {
            if bytes[position] == 0x0A { nextLine += 1 }
            position += 1
        }
        guard position < n else { return false }
        line = nextLine
        var p = position
        while true {
            if p < n && bytes[p] == 0x22 {  // quoted field
                var escaped = false
                let start = p + 1
                p += 1
                while true {
                    guard p < n else { throw .unterminatedQuote }
                    let b = bytes[p]
                    if b == 0x22 {
                        if p + 1 < n && bytes[p + 1] == 0x22 { escaped = true; p += 2; continue }
                        break
                    }
                    if b == 0x0A { nextLine += 1 }
                    p += 1
                }
                fields.append(Field(start: start, end: p, escaped: escaped))
                p += 1  // closing quote; anything up to the delimiter is ignored
                while p < n && bytes[p] != 0x2C && bytes[p] != 0x0A && bytes[p] != 0x0D { p += 1 }
            } else {
                let start = p
                p = CSVScanner.fieldEnd(bytes, from: p)
                fields.append(Field(start: start, end: p, escaped: false))
            }
            if p < n && bytes[p] == 0x2C { p += 1; continue }
            // End of record: CRLF, LF, lone CR or end of input.
            if p < n && bytes[p] == 0x0D { p += 1 }
            if p < n && bytes[p] == 0x0A { p += 1; nextLine += 1 }
            position = p
            return true
        }
    }

    /// The first comma, LF or CR at or after `p` (or the end): eight bytes a step, since ingest
    /// spends most of its scanning here (a Police UK row is ~230 bytes in 12 fields).
    @inline(__always)
    static func fieldEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var p = start
        let n = bytes.count
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            // A byte of `w` equal to b gives a zero byte of `w ^ b·ones`; the lowest flagged byte
            // of (x - ones) & ~x & highs is exactly the first zero byte.
            @inline(__always) func zeros(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
            while p + 8 <= n {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
                let hit = zeros(w ^ (0x2C &* ones)) | zeros(w ^ (0x0A &* ones)) | zeros(w ^ (0x0D &* ones))
                if hit != 0 { return p + hit.trailingZeroBitCount / 8 }
                p += 8
            }
        }
        while p < n && bytes[p] != 0x2C && bytes[p] != 0x0A && bytes[p] != 0x0D { p += 1 }
        return p
    }

    /// Calls `body` with the field's bytes, unescaped into `scratch` when it holds doubled quotes.
    public func withValue<R>(_ i: Int, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let f = fields[i]
        guard f.escaped else { return body(UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])) }
        scratch.removeAll(keepingCapacity: true)
        var p = f.start
        while p < f.end {
            scratch.append(bytes[p])
            p += bytes[p] == 0x22 ? 2 : 1
        }
        return scratch.withUnsafeBufferPointer(body)
    }

    /// The field trimmed of spaces, as a String (headers, error messages).
    public func string(_ i: Int) -> String {
        var scratch: [UInt8] = []
        return withValue(i, scratch: &scratch) { String(decoding: $0, as: UTF8.self) }.trimmed
    }
}

import Foundation
