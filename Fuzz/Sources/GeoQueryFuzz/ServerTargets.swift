import Foundation
@testable import GeoQuery
@testable import GeoQueryServer

/// `application/x-www-form-urlencoded` decoded independently: fields split at '&' (empty ones
/// dropped), name and value at the first '=', then byte by byte ('+' a space, '%' and two hex
/// digits a byte, as `Int(_:radix:)` reads them), checked as UTF-8 by Foundation's `String(data:encoding:)`.
/// (Foundation's `removingPercentEncoding` will not do: on Linux it turns some invalid UTF-8
/// into U+FFFD instead of refusing it.)
func independentForm(_ text: String) -> [(String, String)]? {
    func decode(_ s: Substring) -> String? {
        var out = Data()
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count,
                      let hex = String(bytes: bytes[(i + 1)...(i + 2)], encoding: .ascii), hex.allSatisfy(\.isHexDigit),
                      let v = UInt8(hex, radix: 16) else { return nil }
                out.append(v); i += 3
            } else {
                out.append(bytes[i] == UInt8(ascii: "+") ? UInt8(ascii: " ") : bytes[i]); i += 1
            }
        }
        return String(data: out, encoding: .utf8)
    }
    var out: [(String, String)] = []
    for field in text.components(separatedBy: "&") where !field.isEmpty {
        let name = field.prefix { $0 != "=" }
        guard let n = decode(name), let v = decode(field.dropFirst(name.count + 1)) else { return nil }
        out.append((n, v))
    }
    return out
}

let serverTargets: [FuzzTarget] = [
    FuzzTarget(name: "form", property: "query strings and form bodies decode to the same names and values as an independent split and Foundation's percent-decoder, and are refused exactly when it refuses them", seeds: {
        ["lat=52.6297&lng=-1.1316&date=2019-01", "poly=52.64%2C-1.15%3A52.64%2C-1.11%3A52.62%2C-1.11", "category=a&category=b&q=caf%C3%A9+au+lait",
         "a=%", "a=%zz", "a=%C3", "&&=&a==b", "postcode=LE1+5WW"].map { Array($0.utf8) }
    }, run: { input in
        let text = input.text
        let decoded = FuzzCheck.typed { try FormParameters(formEncoded: Substring(text)) }
        let expected = independentForm(text)
        FuzzCheck.expect((decoded == nil) == (expected == nil), "accept/refuse differs: \(decoded == nil ? "refused" : "accepted") but independently \(expected == nil ? "refused" : "accepted")")
        guard let decoded, let expected else { return }
        FuzzCheck.expect(decoded.pairs.map(\.name) == expected.map(\.0) && decoded.pairs.map(\.value) == expected.map(\.1), "pairs differ: \(decoded.pairs) / \(expected)")
    }),
]
