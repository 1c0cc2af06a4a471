/// An interning table of byte strings: each distinct string gets a dense `Int32` id.
///
/// Ingest sees a few hundred thousand street names among millions of fields; hashing the raw
/// bytes into an open-addressing table avoids building a `String` per field. The same layout
/// (offsets + bytes) is what the snapshot stores.
struct StringTable: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var offsets: [UInt32] = [0]
    private var slots: [Int32] = Array(repeating: -1, count: 64)
    private var hashes: [UInt64] = []
    /// The id `intern` returned last: Police UK files repeat a field's value from row to row
    /// ("Reported by", "Falls within" in every row, outcomes and contexts in runs), and one
    /// comparison answers those without hashing.
    private var last: Int32 = -1
    /// Strings added that are not UTF-8 (each read later with U+FFFD for the bad bytes): checked
    /// once per distinct string, so ingest can say so.
    private(set) var notUTF8 = 0

    init() {}

    /// Rebuilds a table from its stored layout (ids keep their values).
    init(bytes: [UInt8], offsets: [UInt32]) {
        precondition(offsets.first == 0 && offsets.last.map(Int.init) == bytes.count)
        for i in 0..<(offsets.count - 1) {
            let id = bytes.withUnsafeBufferPointer { intern(UnsafeBufferPointer(rebasing: $0[Int(offsets[i])..<Int(offsets[i + 1])])) }
            precondition(id == i, "stored string table has duplicates")
        }
    }

    var count: Int { offsets.count - 1 }

    subscript(id: Int32) -> String {
        let lo = Int(offsets[Int(id)]), hi = Int(offsets[Int(id) + 1])
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }

    func utf8(_ id: Int32) -> ArraySlice<UInt8> {
        bytes[Int(offsets[Int(id)])..<Int(offsets[Int(id) + 1])]
    }

    @discardableResult
    mutating func intern(_ text: String) -> Int32 {
        var t = text
        return t.withUTF8 { intern($0) }
    }

    /// The id of `text`, adding it if new.
    /// - Complexity: O(length) expected.
    mutating func intern(_ text: UnsafeBufferPointer<UInt8>) -> Int32 {
        if last >= 0 && equals(last, text) { return last }
        let h = StringTable.hash(text)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[i]
            if id < 0 { break }
            if hashes[Int(id)] == h && equals(id, text) { last = id; return id }
            i = (i + 1) & mask
        }
        let id = Int32(count)
        last = id
        if text.contains(where: { $0 >= 0x80 }) && String(validating: text, as: UTF8.self) == nil { notUTF8 += 1 }
        bytes.append(contentsOf: text)
        offsets.append(UInt32(bytes.count))
        hashes.append(h)
        slots[i] = id
        if count * 2 > slots.count { grow() }
        return id
    }

    /// The id of `text` if present.
    func find(_ text: String) -> Int32? {
        var t = text
        return t.withUTF8 { buf -> Int32? in
            let h = StringTable.hash(buf)
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 {
                let id = slots[i]
                if hashes[Int(id)] == h && equals(id, buf) { return id }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    private func equals(_ id: Int32, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let lo = Int(offsets[Int(id)]), hi = Int(offsets[Int(id) + 1])
        guard hi - lo == text.count else { return false }
        return bytes.withUnsafeBufferPointer { b in
            text.count == 0 || memcmp(b.baseAddress! + lo, text.baseAddress!, text.count) == 0
        }
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (id, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }

    /// A multiply-and-fold hash over 8 bytes at a time (ingest interns eight fields a row, and a
    /// byte-at-a-time hash was most of that cost); only ever held in memory, never stored.
    static func hash(_ text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let k: UInt64 = 0xff51_afd7_ed55_8ccd
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(text.count)
        guard let base = text.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= text.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0, shift: UInt64 = 0
        while i < text.count { tail |= UInt64(base[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* k
        return h ^ (h >> 29)
    }
}

import Foundation
