import Foundation
import GeoQuery
#if canImport(Glibc)
import Glibc
#endif

/// Lines of a file descriptor (stdin for `geoquery batch`), read in fixed chunks so memory stays
/// one chunk plus the longest line, however many lines come; a line longer than `maxLine` is
/// refused once the cap is passed, before the rest of it is read.
struct InputLines {
    /// 64 MiB: a batch line is one query, and even a 100,000-vertex polygon is a few MB.
    static let maxLine = 64 << 20

    private let fd: Int32
    private let maxLine: Int
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0, end = 0
    private var atEOF = false
    private(set) var number = 0

    init(fd: Int32 = 0, maxLine: Int = InputLines.maxLine) {
        self.fd = fd
        self.maxLine = maxLine
    }

    /// Where the next "\n" in the buffer is (memchr: a polygon line is kilobytes long).
    private func newline() -> Int? {
        guard start < end else { return nil }
        return buffer.withUnsafeBytes { raw in
            memchr(raw.baseAddress! + start, 0x0A, end - start).map { UnsafeRawPointer($0) - raw.baseAddress! }
        }
    }

    /// The next line without its "\n" (a final line without one counts), nil at the end.
    /// - Throws: ``GeoQueryError/tooLarge(_:)`` for a line over the cap, ``GeoQueryError/unreadableInput(_:)`` when read(2) fails.
    mutating func next() throws -> String? {
        var line: [UInt8] = []
        while true {
            if let nl = newline() {
                if line.isEmpty {
                    // The whole line is in the buffer (most are): one copy, into the String.
                    try check(nl - start)
                    let text = buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<nl]), as: UTF8.self) }
                    start = nl + 1
                    number += 1
                    return text
                }
                line += buffer[start..<nl]
                start = nl + 1
                try check(line.count)
                number += 1
                return String(decoding: line, as: UTF8.self)
            }
            line += buffer[start..<end]
            start = 0; end = 0
            try check(line.count)
            if atEOF {
                guard !line.isEmpty else { return nil }
                number += 1
                return String(decoding: line, as: UTF8.self)
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw GeoQueryError.unreadableInput("cannot read stdin: \(String(cString: strerror(errno)))")
            }
            if n == 0 { atEOF = true } else { end = n }
        }
    }

    private func check(_ length: Int) throws {
        guard length <= maxLine else {
            throw GeoQueryError.tooLarge("line \(number + 1) is longer than \(maxLine >> 20) MiB, the most one batch line may hold: split it into several queries or simplify its polygon")
        }
    }
}
