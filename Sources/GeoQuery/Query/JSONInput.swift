import Foundation

/// JSON that users hand in (batch lines, GeoJSON files), read with Foundation and its errors put
/// in plain words: Foundation says "Invalid value around character 19", people look for a line
/// and a column.
enum JSONInput {
    /// The top-level object of `text`; `what` names the input in errors ("the GeoJSON", "the line").
    static func object(_ text: String, what: String, example: String) throws -> [String: Any] {
        let parsed: Any
        // Fragments allowed: a bare number, string, true or null is valid JSON, and its error
        // says it is no object rather than that it cannot be read.
        do { parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) } catch {
            if let number = outOfRange(error) {
                throw GeoQueryError.invalidQuery("\(what) holds a number out of range (\(number)); \(example)")
            }
            throw GeoQueryError.invalidQuery("\(what) is not valid JSON: \(plainWords(error, text: text)); \(example)")
        }
        guard let object = parsed as? [String: Any] else {
            throw GeoQueryError.invalidQuery("\(what) is JSON but not an object ({...}): \(example)")
        }
        // Foundation keeps a repeated key's last value without a word (`"coordinates"` twice in a
        // geometry read the second); the byte reader refuses such text, and so must this.
        if let key = repeatedKey(text) { throw repeated(key, in: what) }
        return object
    }

    /// The top-level object of `text` read from its bytes (``JSONBytes``). Text the byte reader
    /// refuses gets Foundation's verdict and the same error words as ``object(_:what:example:)``.
    static func bytes(_ text: String, what: String, example: String) throws -> JSONBytes {
        if let json = JSONBytes(text) { return json }
        let object = try self.object(text, what: what, example: example)
        // Foundation took what the byte reader did not: read its own rendering instead.
        let canonical = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        guard let json = JSONBytes(canonical) else { throw GeoQueryError.invalidQuery("\(what) cannot be read as JSON: \(example)") }
        return json
    }

    /// The refusal of a key given twice in one object of `what` (JSON leaves its meaning open).
    static func repeated(_ key: String, in what: String) -> GeoQueryError {
        .invalidQuery("\(what) gives '\(key)' more than once in one object: give each key once")
    }

    /// The first key that an object of `text` (JSON that Foundation read), at any depth, gives
    /// twice; nil when none.
    static func repeatedKey(_ text: String) -> String? {
        text.withTextBytes { c in
            // The keys of each open container: nil for an array.
            var open: [Set<String>?] = []
            while !c.isAtEnd {
                switch c.byte {
                case 0x22:  // a string: a key when in an object and followed by a colon
                    guard let s = JSONBytes.string(&c) else { return nil }
                    var after = c
                    after.skipSpace()
                    if after.byte == 0x3A, let top = open.indices.last, open[top] != nil, !open[top]!.insert(s).inserted { return s }
                    continue
                case 0x7B: open.append([])
                case 0x5B: open.append(nil)
                case 0x7D, 0x5D: if !open.isEmpty { open.removeLast() }
                default: break
                }
                c.at += 1
            }
            return nil
        }
    }

    /// What JSONSerialization said about a failure ("Invalid value around character 19", ...).
    private static func foundationWords(_ error: Error) -> String {
        ((error as NSError).userInfo["NSDebugDescription"] as? String) ?? ""
    }

    /// The spelling of a number Foundation read but cannot hold (`1e400`): valid JSON, so not
    /// "not valid JSON".
    static func outOfRange(_ error: Error) -> String? {
        let debug = foundationWords(error)
        guard debug.hasPrefix("Number "), let end = debug.range(of: " is not representable") else { return nil }
        return String(debug[debug.index(debug.startIndex, offsetBy: 7)..<end.lowerBound])
    }

    /// "Invalid value around character N" as a line and column of `text`.
    static func plainWords(_ error: Error, text: String) -> String {
        let debug = foundationWords(error)
        // Foundation calls a lone surrogate escape an end of file: the text is whole, the
        // character is not (an independent check found a full line said to end too soon).
        if debug.contains("surrogate") || debug.contains("no high character") {
            return "a \\u escape in it names half of a UTF-16 surrogate pair (\\ud800-\\udfff) without the other half: each escape must name a whole character"
        }
        if debug.contains("end of file") || text.allSatisfy(\.isWhitespace) {
            return text.allSatisfy(\.isWhitespace) ? "it is empty" : "it ends too soon (an unclosed bracket, brace or quote?)"
        }
        // Foundation's cap, which the byte reader shares (JSONBytes.maxDepth): not a syntax error.
        if debug.hasPrefix("Too many nested") {
            return "it nests arrays and objects deeper than \(JSONBytes.maxDepth), the most geoquery reads"
        }
        guard let range = debug.range(of: "character "), var offset = Int(debug[range.upperBound...].prefix(while: \.isNumber)) else {
            return "it cannot be read as JSON"
        }
        // Foundation points inside a word it took for true, false or null ('not json' at its 'o'):
        // the word is what is unexpected.
        let bytes = Array(text.utf8)
        while offset > 0 && offset <= bytes.count && TextBytes.isLetter(bytes[offset - 1]) { offset -= 1 }
        var line = 1, column = 1
        for byte in text.utf8.prefix(offset) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        let rest = text.utf8.dropFirst(offset).prefix(20)
        let found = String(decoding: rest, as: UTF8.self).split(separator: "\n").first.map { "'\($0)'" } ?? "text"
        return "unexpected \(found) at line \(line), column \(column) (a missing comma, colon, quote or bracket just before it?)"
    }

    /// True only for JSON `true`/`false`: Foundation bridges 0 and 1 to Bool too.
    static func isBool(_ v: Any) -> Bool {
        guard let n = v as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    /// A JSON value written back as JSON text, keeping its type: a number stays a number.
    static func literal(_ v: Any) -> String {
        if let s = v as? String { return JSONWriter.quote(s) }
        if isBool(v) { return (v as! NSNumber).boolValue ? "true" : "false" }
        if v is NSNull { return "null" }
        let data = (try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension JSONBytes {
    /// The value at `r` as Foundation reads it (for the rare spellings whose meaning is
    /// Foundation's: numbers written back as text, Bool bridging).
    func foundationValue(_ r: Range<Int>) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes[r]), options: .fragmentsAllowed)
    }

    /// The value at `r` written back as JSON text keeping its type, as ``JSONInput/literal(_:)``
    /// writes Foundation's value: strings, booleans, null and plain integers directly.
    func literal(_ r: Range<Int>) -> String {
        switch kind(r) {
        // With no escape, the text as given is what quoting its value writes (the reading pass
        // let no control byte through): taken as it is, with no value made and quoted again.
        case .string where !bytes[r].contains(0x5C): return text(r)
        case .string: return string(r).map(JSONWriter.quote) ?? "null"
        case .bool: return bool(r)! ? "true" : "false"
        case .null: return "null"
        case .number where r.count <= 15 && bytes[r].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == 0x2D }) && text(r) != "-0":
            return text(r)
        // A number Foundation cannot hold (`1e400`) as the line spelled it, not `null`.
        default: return foundationValue(r).map(JSONInput.literal) ?? text(r)
        }
    }
}
