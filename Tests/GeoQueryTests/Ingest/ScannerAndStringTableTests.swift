import Foundation
import Testing
@testable import GeoQuery

/// The ingest's two hot loops, each against the plain version it replaced.
@Suite struct ScannerAndStringTableTests {
    /// Eight bytes a step finds the same field end as one byte a step, at every alignment and
    /// length, with delimiters, quotes and UTF-8 bytes (0x80 and up) mixed in.
    @Test func fieldEndAgreesWithAByteLoop() {
        var rng = SplitMix64(seed: 41)
        let alphabet: [UInt8] = [0x2C, 0x0A, 0x0D, 0x22, 0x41, 0x20, 0x30, 0x80, 0xAC, 0xFF, 0x00, 0x2B, 0x2D, 0x0B, 0x0C]
        for _ in 0..<3_000 {
            let length = rng.below(70)
            // Mostly plain bytes, so some fields run on past several 8-byte steps.
            let bytes = (0..<length).map { _ in rng.chance(1_500) ? alphabet[rng.below(alphabet.count)] : UInt8(0x61 + rng.below(26)) }
            bytes.withUnsafeBufferPointer { b in
                for start in 0...length {
                    var p = start
                    while p < b.count && b[p] != 0x2C && b[p] != 0x0A && b[p] != 0x0D { p += 1 }
                    #expect(CSVScanner.fieldEnd(b, from: start) == p)
                }
            }
        }
    }

    /// Ids are given in first-seen order whatever the hash, and the last-hit shortcut never
    /// returns another string's id: random strings (empty ones, shared prefixes, lengths around
    /// the 8-byte steps, runs of repeats) against a dictionary.
    @Test func internGivesFirstSeenIdsLikeADictionary() {
        var rng = SplitMix64(seed: 42)
        var table = StringTable(), reference: [[UInt8]: Int32] = [:]
        var previous: [UInt8] = []
        for _ in 0..<60_000 {
            let text: [UInt8]
            if rng.chance(3_000) { text = previous } else {
                let prefix = rng.chance(5_000) ? Array("On or near ".utf8) : []
                text = prefix + (0..<rng.below(20)).map { _ in UInt8(0x61 + rng.below(3)) }
            }
            let expected = reference[text] ?? Int32(reference.count)
            reference[text] = expected
            let id = text.withUnsafeBufferPointer { table.intern($0) }
            #expect(id == expected)
            previous = text
        }
        #expect(table.count == reference.count)
        for (text, id) in reference { #expect(Array(table.utf8(id)) == text) }
    }
}
