/// Rows of text cells laid out for a terminal (aligned columns) or as a Markdown table, so that a
/// report's table and Markdown forms are the same figures in two dresses.
struct TextTable {
    var header: [String]
    var rows: [[String]]
    /// Columns after the first are numbers: right-aligned.
    var numeric = true

    func plain() -> String {
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in
                let pad = String(repeating: " ", count: widths[c] - s.count)
                return c == 0 || !numeric ? s + pad : pad + s
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    func markdown() -> String {
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingPipes }.joined(separator: " | ") + " |" }
        let rule = "|" + header.indices.map { $0 == 0 || !numeric ? "---|" : "---:|" }.joined()
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

/// Signed figures for change columns: "+12", "-3", "+4.5%", and "n/a" when not available.
enum Signed {
    static func int(_ v: Int?) -> String { v.map { ($0 > 0 ? "+" : "") + Format.grouped($0) } ?? "n/a" }
    static func percent(_ v: Double?) -> String { v.map { ($0 > 0 ? "+" : "") + Format.decimal($0, places: 1) + "%" } ?? "n/a" }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }

    fileprivate var replacingPipes: String { split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }

    /// Words wrapped to lines of at most `width` characters, for paragraphs in terminal output.
    func wrapped(_ width: Int) -> String {
        var lines: [String] = [], line = ""
        for word in split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
