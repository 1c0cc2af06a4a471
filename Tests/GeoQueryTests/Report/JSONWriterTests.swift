import Foundation
import Synchronization
import Testing
@testable import GeoQuery

/// The JSON writer's escaped keys.
@Suite struct JSONWriterTests {
    /// The kept escaped keys are always the asked list's: lists alternating from many threads at
    /// once (names that need escaping among them), each answer checked against escaping anew.
    @Test func keptKeysAreTheAskedListsKeys() {
        let lists = [Category.standard, ["a\"b", "tab\there", "é", ""], ["burglary", "drugs"], ["drugs", "burglary"], []]
        let expected = lists.map(JSONWriter.KeyList.init)
        let wrong = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4_000) { i in
            let k = i % lists.count
            if JSONWriter.keys(lists[k]) != expected[k] { wrong.withLock { $0 += 1 } }
        }
        #expect(wrong.withLock { $0 } == 0)
        #expect(String(decoding: expected[1].key(0), as: UTF8.self) == #""a\"b":"#)
        // Each key of the block is the one escaped alone.
        for list in lists {
            let block = JSONWriter.KeyList(list)
            #expect(block.ends.count == list.count)
            for (i, name) in list.enumerated() { #expect(Array(block.key(i)) == JSONWriter.key(name), "\(name)") }
        }
    }

    /// Integers are written as Swift spells them (small ones digit by digit, others through a
    /// buffer), month keys as `Month`'s description, four-digit years on their own path.
    @Test func integersAndMonthKeysAreWrittenAsTheirDescriptions() {
        var values = [Int.min, Int.min + 1, Int.max, 0, -1, -9, -10, -99, -100, 9, 10, 99, 100, 101, 999, 1_000, 1_234_567]
        var rng = SeededRandom(seed: SeededRandom.seed(47))
        for _ in 0..<2_000 { values.append(Int.random(in: -1_000_000_000...1_000_000_000, using: &rng) >> Int.random(in: 0...30, using: &rng)) }
        for v in values {
            var out: [UInt8] = []
            JSONWriter.appendInt(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
        for month in [Month(year: 2019, month: 1), Month(year: 2022, month: 12), Month(year: 1000, month: 5), Month(year: 9999, month: 10),
                      Month(year: 999, month: 3), Month(year: 10_000, month: 7)] {
            var w = JSONWriter()
            w.beginObject()
            w.value(month: month, 7)
            w.beginObject(month: month)
            w.value("n", 1)
            w.endObject()
            w.endObject()
            #expect(w.text == "{\"\(month)\":7,\"\(month)\":{\"n\":1}}")
        }
    }

    /// Levels are kept as bits, 64 in a word and the rest in a list: the commas come out right
    /// at every depth up to and past 64, in objects and arrays alike, each level holding values
    /// before and after the one nested in it.
    @Test func commasAreRightAtEveryDepth() throws {
        for depth in [1, 2, 63, 64, 65, 66, 130] {
            var w = JSONWriter()
            var expected = ""
            for level in 0..<depth {
                if level % 2 == 0 {
                    w.beginArray(level == 0 ? nil : "a\(level)")
                    expected += level == 0 ? "[" : "\"a\(level)\":["
                    w.value(nil, level)
                    expected += "\(level),"
                } else {
                    w.beginObject()
                    w.value("before", level)
                    expected += "{\"before\":\(level),"
                }
            }
            for level in stride(from: depth - 1, through: 0, by: -1) {
                if level % 2 == 0 {
                    w.value(nil, -level)
                    w.endArray()
                    expected += "\(-level)]"
                } else {
                    w.value("after", level)
                    w.endObject()
                    expected += "\"after\":\(level)}"
                }
                // The parent's next value (its "after" member or last element) follows.
                if level > 0 { expected += "," }
            }
            #expect(w.text == expected, "depth \(depth)")
            _ = try JSONSerialization.jsonObject(with: Data(w.text.utf8))
        }
    }
}
