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
        let expected = lists.map { $0.map(JSONWriter.key) }
        let wrong = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4_000) { i in
            let k = i % lists.count
            if JSONWriter.keys(lists[k]) != expected[k] { wrong.withLock { $0 += 1 } }
        }
        #expect(wrong.withLock { $0 } == 0)
        #expect(String(decoding: expected[1][0], as: UTF8.self) == #""a\"b":"#)
    }
}
