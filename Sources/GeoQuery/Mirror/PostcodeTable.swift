import Foundation

/// The postcode centroids of a mirror, in `DIR/postcodes.geoquery` beside the snapshot: a
/// `SectionedFile` ("GEOQPOST") of unit keys sorted ascending (`Postcode.key`), their WGS84
/// latitudes and longitudes, the source file each came from, and a JSON meta section naming the
/// sources, their counts and the BNG→WGS84 transformation used.
///
/// Lookups binary-search the memory-mapped keys; a sector or a district is one key range.
public final class PostcodeTable: @unchecked Sendable {
    static let fileName = "postcodes.geoquery"
    static let file = SectionedFile(magic: Array("GEOQPOST".utf8), version: 1, what: "postcode table",
                                    rebuild: "re-ingest the postcode files (geoquery ingest --mirror DIR --postcodes FILE...) into a new mirror")

    enum Section: UInt32, CaseIterable {
        case meta = 1, keys, lat, lng, source
    }

    struct Meta: Codable {
        struct Source: Codable {
            var file: String
            var kind: String
            var rows: Int
            var stored: Int
            var noLocation: Int
            var rejected: Int
            /// BNG→WGS84 operation (Code-Point Open only).
            var transformation: String?
            var ingested: String
        }
        var created: String
        var sources: [Source]
    }

    let bytes: SnapshotBytes
    let path: String
    let meta: Meta
    let keys: UnsafeBufferPointer<UInt64>
    let lat: UnsafeBufferPointer<Double>
    let lng: UnsafeBufferPointer<Double>
    /// Index into `meta.sources`.
    let source: UnsafeBufferPointer<UInt16>

    /// Number of postcode units held.
    public var count: Int { keys.count }

    static let missing = "load them with 'geoquery ingest --mirror DIR --postcodes FILE' (OS Code-Point Open or the ONS Postcode Directory)"

    /// Opens the postcode table of a mirror folder, verifying every checksum.
    /// - Throws: ``GeoQueryError/postcodeNotFound(_:)`` when the mirror holds no postcodes (the
    ///   embedded sample never does); `mirrorCorrupt`/`mirrorTooNew` for a damaged or newer file.
    public static func open(_ location: MirrorLocation) throws -> PostcodeTable {
        guard case .directory(let dir) = location else {
            throw GeoQueryError.postcodeNotFound("this mirror (the embedded synthetic sample) holds no postcodes: \(missing)")
        }
        let path = (dir as NSString).appendingPathComponent(fileName)
        guard try MirrorLocation.exists(path) else {
            throw GeoQueryError.postcodeNotFound("this mirror (\(dir)) holds no postcodes: \(missing)")
        }
        return try PostcodeTable(bytes: SnapshotBytes(mapping: path), path: path)
    }

    init(bytes: SnapshotBytes, path: String) throws {
        self.bytes = bytes
        self.path = path
        let raw = bytes.raw
        let sections = try PostcodeTable.file.sections(raw, path: path)
        let corrupt = GeoQueryError.mirrorCorrupt("\(path) is not a valid geoquery postcode table (damaged or truncated): \(PostcodeTable.file.rebuild)")
        var views: [Section: UnsafeRawBufferPointer] = [:]
        for s in Section.allCases {
            guard let e = sections[s.rawValue] else { throw corrupt }
            views[s] = SectionedFile.bytes(raw, e)
        }
        guard SectionedFile.verify(raw, Section.allCases.map { sections[$0.rawValue]! }) else { throw corrupt }
        guard let m = try? JSONDecoder().decode(Meta.self, from: Data(views[.meta]!)) else { throw corrupt }
        meta = m
        keys = views[.keys]!.assumingMemoryBound(to: UInt64.self)
        lat = views[.lat]!.assumingMemoryBound(to: Double.self)
        lng = views[.lng]!.assumingMemoryBound(to: Double.self)
        source = views[.source]!.assumingMemoryBound(to: UInt16.self)
        guard lat.count == keys.count, lng.count == keys.count, source.count == keys.count,
              source.allSatisfy({ Int($0) < m.sources.count }) else { throw corrupt }
    }

    /// The stored centroid of a unit postcode, in any spelling ("le15ww"); nil when it is not
    /// held or not a unit.
    /// - Complexity: O(log n): parse without allocating, then a binary search of the keys.
    public func centroid(of unit: String) -> (lat: Double, lng: Double)? {
        guard let p = Postcode.pack(unit), p.kind == .unit else { return nil }
        let i = lowerBound(p.key)
        guard i < keys.count, keys[i] == p.key else { return nil }
        return (lat[i], lng[i])
    }

    /// Index of the first key not below `key`.
    func lowerBound(_ key: UInt64) -> Int { keys.lowerBound(key) }

    /// The indices of the units a postcode, sector or district covers.
    func units(_ p: Postcode) -> Range<Int> {
        let bytes = 4 + p.inwardLength
        return units(keyPrefix: p.key >> UInt64(8 * (7 - bytes)), bytes: bytes)
    }

    /// The indices of the units whose key starts with the `bytes`-byte `keyPrefix`.
    func units(keyPrefix: UInt64, bytes: Int) -> Range<Int> {
        let shift = UInt64(8 * (7 - bytes))
        return lowerBound(keyPrefix << shift)..<lowerBound((keyPrefix + 1) << shift)
    }

    /// The distinct sectors (`inwardLength` 1) or districts (0) among units `range`, in order.
    func distinct(_ range: Range<Int>, inwardLength: Int) -> [Postcode] {
        let shift = UInt64(8 * (3 - inwardLength))
        var out: [Postcode] = []
        var last: UInt64 = .max
        for i in range where keys[i] >> shift != last {
            last = keys[i] >> shift
            out.append(Postcode(key: last << shift, inwardLength: inwardLength))
        }
        return out
    }

    /// One line for `geoquery info`, e.g. "34,735 (Code-Point Open; BNG→WGS84 by …, OSTN15 grid, 1 m)".
    public var summary: String {
        // A table can be empty: files whose postcodes have no position (Code-Point quality 90).
        guard count > 0 else { return "none (the postcode files read held no live postcode with a position)" }
        var held = [Int](repeating: 0, count: meta.sources.count)
        for s in source { held[Int(s)] += 1 }
        var kinds: [(kind: String, count: Int, transformations: [String])] = []
        for (i, s) in meta.sources.enumerated() where held[i] > 0 {
            if let k = kinds.firstIndex(where: { $0.kind == s.kind }) {
                kinds[k].count += held[i]
                if let t = s.transformation, !kinds[k].transformations.contains(t) { kinds[k].transformations.append(t) }
            } else {
                kinds.append((s.kind, held[i], s.transformation.map { [$0] } ?? []))
            }
        }
        let parts = kinds.map { k -> String in
            let how = k.transformations.isEmpty ? "WGS84 as published" : "BNG→WGS84 by " + k.transformations.joined(separator: "; ")
            return kinds.count > 1 ? "\(k.kind) \(Format.grouped(k.count)), \(how)" : "\(k.kind); \(how)"
        }
        return "\(Format.grouped(count)) (\(parts.joined(separator: "; ")))"
    }

    /// One line per source file: what it held when read and how many of its postcodes remain.
    /// Files read as no postcodes at all (Code-Point's column-header file) are not sources.
    public var sourceLines: [String] {
        var held = [Int](repeating: 0, count: meta.sources.count)
        for s in source { held[Int(s)] += 1 }
        return meta.sources.enumerated().filter { $0.element.kind != FileSummary.Kind.skipped.rawValue }.map { i, s in
            "\(s.file): \(s.kind), \(Format.grouped(s.rows)) rows, \(Format.grouped(s.noLocation)) without a location, \(Format.grouped(held[i])) held (ingested \(s.ingested))"
        }
    }
}

/// What a postcode ingest did.
public struct PostcodeIngestSummary: Sendable {
    public var files: [FileSummary] = []
    /// Units new to the mirror, and units whose centroid was replaced.
    public var added = 0
    public var replaced = 0
    /// Units the mirror holds afterwards.
    public var held = 0
    /// BNG→WGS84 operation used for Code-Point Open files.
    public var transformation: String?
    public var bytes = 0
}

extension PostcodeTable {
    /// Merges `batch` into the mirror's postcode table and writes it atomically: a unit read
    /// again takes its new centroid (the later file wins within a batch too); every other unit
    /// already held is kept.
    static func merge(_ batch: PostcodeBatch, into location: MirrorLocation) throws -> PostcodeIngestSummary {
        guard case .directory(let dir) = location else {
            throw GeoQueryError.mirrorWrite("the embedded sample is read-only: give --mirror DIR to ingest")
        }
        // An unlookable table is an error, not none: a new one of this batch alone would replace it.
        let existing: PostcodeTable? = try MirrorLocation.exists((dir as NSString).appendingPathComponent(fileName))
            ? try open(location) : nil
        var summary = PostcodeIngestSummary(files: batch.files, transformation: batch.transformation)
        let now = ISO8601DateFormatter().string(from: Date())

        // The batch in key order, the last occurrence of each key winning.
        let order = batch.keys.indices.sorted { (batch.keys[$0], $0) < (batch.keys[$1], $1) }
        var incoming: [Int] = []
        for i in order {
            if let last = incoming.last, batch.keys[last] == batch.keys[i] { incoming[incoming.count - 1] = i } else { incoming.append(i) }
        }

        var sources = existing?.meta.sources ?? []
        let firstNew = sources.count
        for f in batch.files {
            sources.append(.init(file: f.name, kind: f.kind.rawValue, rows: f.read, stored: f.stored, noLocation: f.noLocation,
                                 rejected: f.rejected, transformation: f.kind == .codePoint ? batch.transformation : nil, ingested: now))
        }
        var keys: [UInt64] = [], lat: [Double] = [], lng: [Double] = [], source: [UInt16] = []
        let capacity = (existing?.count ?? 0) + incoming.count
        keys.reserveCapacity(capacity); lat.reserveCapacity(capacity); lng.reserveCapacity(capacity); source.reserveCapacity(capacity)
        var a = 0, b = 0
        let old = existing?.count ?? 0
        while a < old || b < incoming.count {
            let oldKey = a < old ? existing!.keys[a] : .max
            let newKey = b < incoming.count ? batch.keys[incoming[b]] : .max
            if b < incoming.count && newKey <= oldKey {
                let i = incoming[b]
                if newKey == oldKey { summary.replaced += 1; a += 1 } else { summary.added += 1 }
                keys.append(newKey); lat.append(batch.lat[i]); lng.append(batch.lng[i]); source.append(UInt16(firstNew + batch.file[i]))
                b += 1
            } else {
                let t = existing!
                keys.append(oldKey); lat.append(t.lat[a]); lng.append(t.lng[a]); source.append(t.source[a])
                a += 1
            }
        }
        // Sources none of whose postcodes remain (a file read again) are dropped.
        var held = [Int](repeating: 0, count: sources.count)
        for s in source { held[Int(s)] += 1 }
        var renumber = [UInt16](repeating: 0, count: sources.count)
        var kept: [Meta.Source] = []
        for (i, s) in sources.enumerated() where held[i] > 0 || i >= firstNew {
            renumber[i] = UInt16(kept.count)
            kept.append(s)
        }
        guard kept.count < Int(UInt16.max) else { throw GeoQueryError.postcodeFile("too many postcode source files in one mirror (\(kept.count))") }
        for i in source.indices { source[i] = renumber[Int(source[i])] }
        let meta = try JSONEncoder().encode(Meta(created: now, sources: kept))

        var sections: [(id: UInt32, bytes: SectionedFile.Bytes)] = []
        func add<T>(_ s: Section, _ values: [T]) { sections.append((s.rawValue, { body in values.withUnsafeBytes { body($0) } })) }
        add(.meta, [UInt8](meta)); add(.keys, keys); add(.lat, lat); add(.lng, lng); add(.source, source)
        summary.bytes = try location.writeFile(named: fileName, what: "the postcode table") { file.write(SectionedFile.whole(sections), to: $0) }
        summary.held = keys.count
        return summary
    }
}
