import Foundation
@testable import GeoQuery

/// A batch line read from its bytes against Foundation's JSONSerialization, field by field (as
/// PolygonReaderBytesTests' batchLinesAsFoundationReadsThem reads its fixed lines).
func checkBatchLine(_ line: String) {
    let foundation = Result { try JSONInput.object(line, what: "the line", example: "e.g.") }
    let bytes = Result { try JSONInput.bytes(line, what: "the line", example: "e.g.") }
    // The byte reader never takes what Foundation refuses, but for one difference: RFC 8259 allows a
    // number beyond a Double's range (`1e400`), which Foundation refuses and the byte reader reads
    // (as infinite, for the field's own check to refuse). Such a line's JSON must be otherwise valid:
    // with those numbers written as 0, Foundation takes it.
    if JSONBytes(line) != nil, case .failure(let e) = foundation {
        let tamed = beyondDoubleRangeAsZero(line)
        if tamed == line || (try? JSONSerialization.jsonObject(with: Data(tamed.utf8))) == nil {
            FuzzCheck.fail("the byte reader took a line Foundation refuses (\(e))")
        }
        return
    }
    switch (foundation, bytes) {
    case (.failure(let a), .failure(let b)): FuzzCheck.expect("\(a)" == "\(b)", "different errors: \(a) / \(b)"); return
    case (.success, .success): break
    default: FuzzCheck.fail("Foundation and the byte reader disagree: \(foundation) / \(bytes)")
    }
    guard case .success(let object) = foundation else { return }
    guard let input = FuzzCheck.typed({ try QueryInput(jsonLine: line) }) else { return }
    // Foundation keeps long numbers as decimals whose doubleValue can be a unit in the last place
    // off; the byte reader rounds correctly, so the reference is strtod of Foundation's exact digits.
    func number(_ k: String) -> Double? { (object[k] as? NSNumber).map { strtod($0.stringValue, nil) } ?? (object[k] as? String).flatMap(Double.init) }
    func same(_ a: Double?, _ b: Double?) -> Bool { a == b || (a?.isNaN == true && b?.isNaN == true) }
    FuzzCheck.expect(same(input.lat, number("lat")) && same(input.lng, number("lng")), "lat/lng \(String(describing: input.lat)),\(String(describing: input.lng)) vs Foundation's \(String(describing: number("lat"))),\(String(describing: number("lng")))")
    FuzzCheck.expect(input.radius == (object["radius"] as? String ?? (object["radius"] as? NSNumber)?.stringValue), "radius \(input.radius ?? "nil")")
    FuzzCheck.expect(input.from == object["from"] as? String && input.to == object["to"] as? String && input.date == object["date"] as? String, "months differ")
    FuzzCheck.expect(input.categories == (object["category"] as? [String] ?? (object["category"] as? String).map { [$0] } ?? []), "categories differ")
    FuzzCheck.expect(input.forces == (object["force"] as? [String] ?? (object["force"] as? String).map { [$0] } ?? []), "forces differ")
    FuzzCheck.expect(input.idJSON == object["id"].map(JSONInput.literal), "id \(input.idJSON ?? "nil") vs \(object["id"].map(JSONInput.literal) ?? "nil")")
    FuzzCheck.expect(input.poly == object["poly"] as? String && input.wkt == object["wkt"] as? String && input.postcode == object["postcode"] as? String, "poly/wkt/postcode differ")
    FuzzCheck.expect(input.excludeBTP == (object["exclude_btp"] as? Bool ?? false), "exclude_btp differs")
    if let g = object["geojson"], let viaFoundation = try? PolygonReader.geojson(g as? String ?? String(decoding: JSONSerialization.data(withJSONObject: g, options: .fragmentsAllowed), as: UTF8.self)) {
        FuzzCheck.expect((try? input.polygon()) == viaFoundation, "the geojson member reads as another polygon")
    }
}

/// `line` with every number token outside strings whose value is beyond a Double's range written as `0`.
func beyondDoubleRangeAsZero(_ line: String) -> String {
    let bytes = Array(line.utf8)
    var out: [UInt8] = [], i = 0, inString = false
    while i < bytes.count {
        let b = bytes[i]
        if inString {
            out.append(b)
            if b == UInt8(ascii: "\\"), i + 1 < bytes.count { out.append(bytes[i + 1]); i += 2; continue }
            if b == UInt8(ascii: "\"") { inString = false }
            i += 1
            continue
        }
        if b == UInt8(ascii: "\"") { inString = true; out.append(b); i += 1; continue }
        if b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) {
            var j = i + 1
            while j < bytes.count, "0123456789.eE+-".utf8.contains(bytes[j]) { j += 1 }
            let token = String(decoding: bytes[i..<j], as: UTF8.self)
            if let value = Double(token), value.isInfinite { out += Array("0".utf8) } else { out += bytes[i..<j] }
            i = j
            continue
        }
        out.append(b)
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

let batchLineTargets: [FuzzTarget] = [
    FuzzTarget(name: "batch-line", property: "the byte JSON reader accepts only what JSONSerialization accepts (and numbers beyond a Double's range, which RFC 8259 allows), refuses with the same words (a key given twice too), and every query field equals Foundation's reading", seeds: {
        let peers = try String(contentsOfFile: FuzzCheck.repoRoot.appendingPathComponent("Benchmarks/peers/queries.jsonl").path, encoding: .utf8)
        let geometry = try lsoaGeometries(1)[0]
        return peers.split(separator: "\n").prefix(20).map { Array($0.utf8) } + [
            #"{"id":"a\"b\u00e9\ud83d\ude00","lat":"52.63","lng":-1.13e0,"radius":1,"category":"burglary","force":["leicestershire","btp"],"exclude_btp":true}"#,
            #"{"id":12345678901234567890,"poly":"52.64,-1.15:52.64,-1.11:52.62,-1.11","from":"2020-01"}"#,
            #"{"geojson":\#(geometry),"to":"2019-01"}"#, #"{"lat":52.6,}"#, #"{"lat":52.6,"l\u0061t":1,}"#, #"{"id":1,"id":2}"#, "[1,2]", #"{"a":"\u12"}"#,
        ].map { Array($0.utf8) }
    }, run: { input in checkBatchLine(input.text) }),
]
