import Foundation

/// Which (force, month) of the mirror came from the API, when, and for which area:
/// `DIR/harvest/provenance.json`, written atomically after each harvested month is stored.
///
/// It lives in the library, not the harvester, because a harvested month holds only its area's
/// crimes: every answer's coverage notes must say so (``Coverage/notes``), whatever prints them.
public struct HarvestProvenance: Codable, Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var force: String
        public var month: String
        /// The harvested area, as the user gave it.
        public var area: String
        public var api: String
        /// ISO 8601, UTC.
        public var harvestedAt: String
        /// Crimes the (force, month) held when it was stored: a different count later means an
        /// archive ingest has replaced it.
        public var crimes: Int
        /// The one category fetched (`--category`); nil for every category.
        public var category: String?

        public init(force: String, month: String, area: String, api: String, harvestedAt: String, crimes: Int, category: String? = nil) {
            self.force = force; self.month = month; self.area = area; self.api = api; self.harvestedAt = harvestedAt; self.crimes = crimes
            self.category = category
        }
    }

    /// A category fetched alone for an area whose month holds nothing else of it.
    struct CategoryOnly: Hashable, Comparable, Sendable, CustomStringConvertible {
        let category: String, area: String
        var description: String { "\(category) for \(area)" }
        static func < (a: Self, b: Self) -> Bool { (a.category, a.area) < (b.category, b.area) }
    }

    /// The areas of `entries` that hold one category only (no entry of every category for the
    /// same area); sorted.
    static func categoryOnly(_ entries: [Entry]) -> [CategoryOnly] {
        let whole = Set(entries.filter { $0.category == nil }.map(\.area))
        return Set(entries.compactMap { e in e.category.flatMap { whole.contains(e.area) ? nil : CategoryOnly(category: $0, area: e.area) } }).sorted()
    }
    public var entries: [Entry] = []

    public init() {}

    /// The label of an area given inline as a polygon too long to repeat (`--poly (12 vertices)`):
    /// no command can give it again.
    public static func inlineLabel(_ option: String, vertices: Int) -> String { "\(option) (\(vertices) vertices)" }
    /// Whether an area's label is options that give the area again (a label from
    /// ``inlineLabel(_:vertices:)`` is not).
    public static func isRunnable(_ area: String) -> Bool { !area.hasSuffix(" vertices)") }

    public static func path(folder: String) -> String { (folder as NSString).appendingPathComponent("harvest/provenance.json") }

    /// The provenance of the mirror folder, empty when it has never been harvested into.
    public static func load(folder: String) throws -> HarvestProvenance {
        let p = path(folder: folder)
        guard let data = FileManager.default.contents(atPath: p) else { return HarvestProvenance() }
        do { return try JSONDecoder().decode(HarvestProvenance.self, from: data) } catch {
            throw GeoQueryError.mirrorCorrupt("\(p) is damaged (\(error.localizedDescription)): delete it to forget which months were harvested")
        }
    }

    public func save(folder: String) throws {
        let p = Self.path(folder: folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        _ = try AtomicFile.write(p, what: "the harvest provenance", bytes: try encoder.encode(self))
    }

    /// The entries of one (force, month) that still describe the mirror (its crime count unchanged).
    public func current(force: String, month: Month, in mirror: CrimeMirror?) -> [Entry] {
        let mine = entries.filter { $0.force == force && $0.month == month.description }
        guard let mirror, let last = mine.last, mirror.partitionCrimes(force: force, month: month) == last.crimes else { return [] }
        return mine
    }

    /// Lines for `geoquery info`: each harvested (force, month) with its areas.
    public func describe(mirror: CrimeMirror?) -> [String] {
        var seen = Set<String>()
        var lines: [String] = []
        for e in entries.sorted(by: { ($0.month, $0.force) < ($1.month, $1.force) }) where seen.insert("\(e.force) \(e.month)").inserted {
            guard let m = Month(e.month) else { continue }
            let cur = current(force: e.force, month: m, in: mirror)
            guard !cur.isEmpty else { continue }
            let areas = Set(cur.map(\.area)).sorted().joined(separator: "; ")
            // A force harvested by its own area is the whole force but for the crimes it placed
            // outside its boundary (the API answers by area); any other area is a part of it.
            let own = "--force \(e.force)"
            let scope = areas == own ? "for the force's own area (\(own)): the crimes it placed outside that area are not held"
                : "for an area only (\(areas)), not the whole force"
            let only = HarvestProvenance.categoryOnly(cur)
            let categories = only.isEmpty ? "" : "; one category only: \(only.map(\.description).joined(separator: "; "))"
            lines.append("\(e.force) \(e.month): \(Format.grouped(cur.last!.crimes)) crimes from \(cur.last!.api) at \(cur.last!.harvestedAt), \(scope)\(categories)")
        }
        return lines
    }
}

/// The harvested (force, month)s of an opened mirror that still hold what was harvested, with
/// the areas they cover: read once per opened mirror, for the coverage notes.
struct HarvestedMonths: Sendable {
    /// Force index → month ordinal → the harvested areas, as the user gave them.
    var areas: [Int: [Int: [String]]] = [:]
    /// Force index → month ordinal → the categories fetched alone, by area, where the month
    /// holds nothing else of that area.
    var categoryOnly: [Int: [Int: [HarvestProvenance.CategoryOnly]]] = [:]

    static let none = HarvestedMonths()
}

extension CrimeMirror {
    /// Crimes (located and not) of one force in one month.
    /// - Complexity: O(partitions held), from the snapshot's (and the delta's) partition counts.
    public func partitionCrimes(force: String, month: Month) -> Int {
        streetPartition(force: force, month: month)?.crimes ?? 0
    }

    /// Crimes with a location of one force in one month (those a map point holds).
    /// - Complexity: O(partitions held), as ``partitionCrimes(force:month:)``.
    public func locatedCrimes(force: String, month: Month) -> Int {
        streetPartition(force: force, month: month).map { $0.crimes - $0.noLocation } ?? 0
    }

    private func streetPartition(force: String, month: Month) -> MirrorMeta.Partition? {
        let m = month.description
        return streetPartitions.first { $0.force == force && $0.month == m }
    }

    /// The mirror folder's harvested months (none for the sample, or a folder never harvested
    /// into; a damaged provenance file is reported by `info`, not by every query).
    func harvestedMonths() -> HarvestedMonths {
        (try? harvestCache.value {
            guard case .directory(let folder) = location, let p = try? HarvestProvenance.load(folder: folder), !p.entries.isEmpty else { return .none }
            var h = HarvestedMonths()
            for e in p.entries {
                guard let month = Month(e.month), let f = forces.firstIndex(of: e.force), case let current = p.current(force: e.force, month: month, in: self), !current.isEmpty else { continue }
                if !(h.areas[f]?[month.ordinal] ?? []).contains(e.area) { h.areas[f, default: [:]][month.ordinal, default: []].append(e.area) }
                let only = HarvestProvenance.categoryOnly(current)
                if !only.isEmpty { h.categoryOnly[f, default: [:]][month.ordinal] = only }
            }
            return h
        }) ?? .none
    }

    /// Coverage notes for the harvested months of `forces` (indices) in `range`: those
    /// (force, month)s hold only their areas' crimes, not the whole force's.
    /// A month harvested with `--category` holds that category alone for its area: noted unless
    /// the query asks only for categories fetched there (`categories`, empty for all).
    func harvestNotes(forces counted: [Int], range: ClosedRange<Int>, categories: [String] = []) -> [Coverage.Note] {
        let h = harvestedMonths()
        guard !h.areas.isEmpty else { return [] }
        return counted.sorted { forces[$0] < forces[$1] }.flatMap { f -> [Coverage.Note] in
            guard let byMonth = h.areas[f] else { return [] }
            let months = byMonth.keys.filter(range.contains).sorted()
            guard !months.isEmpty else { return [] }
            let areas = Set(months.flatMap { byMonth[$0]! }).sorted().joined(separator: "; ")
            let runs = QueryPlan.describe(months)
            let text = "\(forces[f]) \(runs) came from the API for an area only (\(areas)): the mirror holds none of the force's crimes outside it for \(months.count == 1 ? "that month" : "those months"), so figures for places beyond it undercount."
            var notes = [Coverage.Note(forces: [forces[f]], months: runs, text: text)]
            let partial = months.filter { m in
                guard let only = h.categoryOnly[f]?[m] else { return false }
                // Asked only for categories fetched there: nothing of theirs is missing.
                return categories.isEmpty || !categories.allSatisfy { c in only.contains { $0.category == c } }
            }
            if !partial.isEmpty {
                let only = Set(partial.flatMap { h.categoryOnly[f]![$0]! }).sorted().map(\.description).joined(separator: "; ")
                let partRuns = QueryPlan.describe(partial)
                notes.append(Coverage.Note(forces: [forces[f]], months: partRuns, text: "\(forces[f]) \(partRuns) holds one category only from the API (\(only), a --category harvest): its other categories there are missing, not zero, so the total and every other category undercount; harvest the area without --category to fetch them."))
            }
            return notes
        }
    }
}
