/// A calendar month, the unit Police UK publishes crime in ("2019-01").
///
/// Stored as months since year 0 so that ranges and differences are plain integer arithmetic.
public struct Month: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// Months since January of year 0: `year * 12 + (month - 1)`.
    public let ordinal: Int

    public init(ordinal: Int) { self.ordinal = ordinal }

    /// - Precondition: `month` is 1...12.
    public init(year: Int, month: Int) {
        precondition((1...12).contains(month), "month out of range")
        ordinal = year * 12 + month - 1
    }

    /// Parses `YYYY-MM` exactly (as in the CSVs and the API); `nil` for anything else.
    public init?(_ text: String) {
        // Read in place (no copy of the bytes: two months a batch line).
        guard let m = text.utf8.withContiguousStorageIfAvailable({ Month(bytes: $0) }) ?? Month(bytes: Array(text.utf8)) else { return nil }
        self = m
    }

    /// Parses `YYYY-MM` from raw CSV bytes without building a String.
    init?<C: Collection>(bytes: C) where C.Element == UInt8, C.Index == Int {
        guard bytes.count == 7, bytes[bytes.startIndex + 4] == UInt8(ascii: "-") else { return nil }
        var year = 0, month = 0
        for (i, b) in bytes.enumerated() where i != 4 {
            guard b >= 48, b <= 57 else { return nil }
            if i < 4 { year = year * 10 + Int(b - 48) } else { month = month * 10 + Int(b - 48) }
        }
        guard (1...12).contains(month), year >= 1900 else { return nil }
        ordinal = year * 12 + month - 1
    }

    public var year: Int { ordinal / 12 }
    public var month: Int { ordinal % 12 + 1 }

    public func adding(_ months: Int) -> Month { Month(ordinal: ordinal + months) }

    /// `YYYY-MM`.
    public var description: String {
        let m = month
        return "\(year)-\(m < 10 ? "0" : "")\(m)"
    }

    public static func < (a: Month, b: Month) -> Bool { a.ordinal < b.ordinal }
}

extension Month {
    /// "2019-03..2019-11, 2020-02": sorted months written as runs of consecutive months.
    public static func runs(_ months: [Month]) -> String {
        consecutiveRuns(months).map { $0.count == 1 ? "\($0[0])" : "\($0[0])..\($0[$0.count - 1])" }.joined(separator: ", ")
    }

    /// Sorted months split into runs of consecutive months ([2019-02], [2020-01 ... 2020-12]).
    public static func consecutiveRuns(_ months: [Month]) -> [[Month]] {
        var runs: [[Month]] = []
        for m in months {
            if let prev = runs.last?.last, m.ordinal == prev.ordinal + 1 { runs[runs.count - 1].append(m) } else { runs.append([m]) }
        }
        return runs
    }
}

extension ClosedRange where Bound == Month {
    /// Every month of the range, in order.
    public var months: [Month] {
        let first = lowerBound.ordinal, count = upperBound.ordinal - first + 1
        // Written in place: every answer lists its months, so this is on each query's path.
        return [Month](count: count) { out in
            for i in 0..<count { out[i] = Month(ordinal: first + i) }
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (Foundation's trimming bridges through
    /// NSString, which shows up in batch profiles).
    /// Text with nothing to trim (most) is returned as it is, with no copy.
    var trimmed: String {
        let u = utf8
        guard let first = u.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = u.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        if first == u.startIndex && u.index(after: last) == u.endIndex { return self }
        return String(decoding: u[first...last], as: UTF8.self)
    }
}

extension Month {
    /// The month a user most likely meant by text that is not `YYYY-MM`: `2019-1`, `2019/01`,
    /// `01/2019`, `Jan 2019`, `January 2019`; nil when it reads as none of these.
    static func meant(by text: String) -> Month? {
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        guard words.count == 2 else { return nil }
        let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        func month(_ w: String) -> Int? {
            if let n = Int(w), w.count <= 2, (1...12).contains(n) { return n }
            guard w.count >= 3, let i = names.firstIndex(where: { w.hasPrefix($0) }) else { return nil }
            return i + 1
        }
        func year(_ w: String) -> Int? { w.count == 4 ? Int(w) : nil }
        func spelled(_ y: Int, _ m: Int) -> Month? { Month("\(y)-\(m < 10 ? "0" : "")\(m)") }
        if let y = year(words[0]), let m = month(words[1]) { return spelled(y, m) }
        if let m = month(words[0]), let y = year(words[1]) { return spelled(y, m) }
        return nil
    }
}
