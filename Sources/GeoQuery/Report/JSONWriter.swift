/// A minimal JSON text builder: keys in the order written, numbers formatted without locale,
/// strings escaped per RFC 8259. Output formats use it so that key order is stable.
struct JSONWriter {
    private(set) var text = ""
    private var needsComma = [false]

    mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    mutating func endObject() { close("}") }
    mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    mutating func endArray() { close("]") }

    mutating func value(_ key: String?, _ v: String?) { element(key) { $0 += v.map(JSONWriter.quote) ?? "null" } }
    mutating func value(_ key: String?, _ v: Int) { element(key) { $0 += String(v) } }
    mutating func value(_ key: String?, _ v: Double, places: Int) { element(key) { $0 += Format.decimal(v, places: places) } }
    mutating func value(_ key: String?, _ v: Bool) { element(key) { $0 += v ? "true" : "false" } }
    mutating func null(_ key: String?) { element(key) { $0 += "null" } }

    private mutating func open(_ key: String?, _ bracket: Character) {
        element(key) { $0.append(bracket) }
        needsComma.append(false)
    }

    private mutating func close(_ bracket: Character) {
        needsComma.removeLast()
        text.append(bracket)
    }

    private mutating func element(_ key: String?, _ body: (inout String) -> Void) {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
        if let key { text += JSONWriter.quote(key) + ":" }
        body(&text)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
