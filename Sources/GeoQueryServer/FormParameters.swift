import Foundation
import GeoQuery

/// A request's parameters: the URL query and, for a form POST, the body, both
/// `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte).
struct FormParameters: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []
    /// A POSTed body that is not a form (GeoJSON for `/v1/`), as text.
    var body: String?

    init() {}

    /// Parses form-encoded text; a malformed escape or bytes that are not UTF-8 are a bad request.
    init(formEncoded text: Substring) throws {
        for field in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try FormParameters.decode(parts[0])
            let value = parts.count > 1 ? try FormParameters.decode(parts[1]) : ""
            pairs.append((name, value))
        }
    }

    /// The first value of `name`, nil when absent.
    subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value of a repeatable parameter (`category=a&category=b`).
    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    var names: [String] { pairs.map(\.name) }

    mutating func append(_ other: FormParameters) { pairs += other.pairs }

    /// A decimal number, or a bad request naming the parameter.
    func number(_ name: String) throws -> Double? {
        guard let text = self[name] else { return nil }
        guard let d = Double(decimal: text.trimmingCharacters(in: .whitespaces)), d.isFinite else {
            throw GeoQueryError.invalidCoordinate("\(name) '\(text)' is not a number: give decimal degrees, e.g. \(name == "lng" ? "-1.1316" : "52.6297")")
        }
        return d
    }

    /// A parameter that must be given.
    func required(_ name: String, example: String) throws -> String {
        guard let v = self[name], !v.isEmpty else { throw GeoQueryError.invalidQuery("give \(name), e.g. \(name)=\(example)") }
        return v
    }

    private static func decode(_ s: Substring) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            switch b {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let h = it.next().flatMap(hex), let l = it.next().flatMap(hex) else {
                    throw GeoQueryError.invalidQuery("malformed percent-escape in the parameters: write % as %25")
                }
                bytes.append(h << 4 | l)
            default: bytes.append(b)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw GeoQueryError.invalidQuery("the parameters are not valid UTF-8")
        }
        return text
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
