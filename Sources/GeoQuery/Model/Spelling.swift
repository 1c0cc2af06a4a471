/// "Did you mean …?" for names users type: category and force slugs, subcommands, feature names.
public enum Spelling {
    /// The names in `candidates` closest to `word` (case-insensitive optimal string alignment
    /// distance, so one swapped pair of letters — `burgalry` — is one edit), nearest first, at
    /// most `limit`. Only names within about a third of the word's length count as close; a
    /// name of the same words in another order (`City of London`, `London, City of`: ONS's
    /// spelling) is closest of all.
    public static func closest(to word: String, among candidates: [String], limit: Int = 1) -> [String] {
        let w = Array(word.lowercased())
        let allowed = max(1, min(3, (w.count + 2) / 3))
        func words(_ s: String) -> [Substring] { s.lowercased().split { !$0.isLetter && !$0.isNumber }.sorted() }
        let wordSet = words(word)
        var scored: [(Int, String)] = []
        for c in candidates {
            let d = !wordSet.isEmpty && words(c) == wordSet ? 0 : distance(w, Array(c.lowercased()))
            if d <= allowed { scored.append((d, c)) }
        }
        var seen = Set<String>()
        return scored.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.1).filter { seen.insert($0).inserted }.prefix(limit).map { $0 }
    }

    /// `did you mean X?` (with a leading space), or "" when nothing is close; for a comma list
    /// of names that are all candidates (`burglary,drugs`), to give them one at a time.
    public static func suggestion(for word: String, among candidates: [String]) -> String {
        let parts = word.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed.lowercased() }
        let known = Set(candidates.map { $0.lowercased() })
        if parts.count > 1, parts.allSatisfy(known.contains) {
            return " give them one at a time, repeating the option or parameter (\(parts.joined(separator: "; ")))."
        }
        return closest(to: word, among: candidates).first.map { " did you mean \($0)?" } ?? ""
    }

    /// Insertions, deletions, substitutions and transpositions of neighbours (Damerau's restricted form).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = [Int](repeating: 0, count: b.count + 1), before = previous
        var row = Array(0...b.count)
        for i in 1...a.count {
            before = previous; previous = row
            row = [Int](repeating: 0, count: b.count + 1)
            row[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { row[j] = min(row[j], before[j - 2] + 1) }
            }
        }
        return row[b.count]
    }
}
