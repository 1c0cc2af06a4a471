import Foundation
import ZIPFoundation

/// One CSV to read: a file on disk or an entry inside a monthly zip archive.
struct IngestSource: Sendable {
    /// What the summary and error messages call it (`archive.zip:2019-01/2019-01-kent-street.csv`).
    let name: String
    let load: @Sendable () throws -> [UInt8]

    /// Expands files, folders (recursively) and `.zip` archives into the CSVs they hold, sorted by
    /// name so that ingest order, and so the snapshot, are deterministic.
    static func expand(_ paths: [String]) throws -> [IngestSource] {
        var out: [IngestSource] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw GeoQueryError.unreadableInput("no such file or folder: \(path)")
            }
            if isDir.boolValue {
                guard let walker = fm.enumerator(atPath: path) else { throw GeoQueryError.unreadableInput("cannot list folder \(path)") }
                var found: [String] = []
                while let rel = walker.nextObject() as? String {
                    let lower = rel.lowercased()
                    if lower.hasSuffix(".csv") || lower.hasSuffix(".zip") { found.append(rel) }
                }
                for rel in found.sorted() { out += try expand(file: (path as NSString).appendingPathComponent(rel)) }
            } else {
                out += try expand(file: path)
            }
        }
        return out
    }

    private static func expand(file path: String) throws -> [IngestSource] {
        if path.lowercased().hasSuffix(".zip") { return try zipEntries(path) }
        return [IngestSource(name: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw GeoQueryError.unreadableInput("cannot read \(path)")
            }
            return [UInt8](data)
        }]
    }

    /// The street and outcomes CSVs inside a data.police.uk archive; stop-and-search is skipped.
    private static func zipEntries(_ path: String) throws -> [IngestSource] {
        let shared: SharedArchive
        do { shared = SharedArchive(try Archive(url: URL(fileURLWithPath: path), accessMode: .read)) } catch {
            throw GeoQueryError.unreadableInput("\(path) is not a readable zip archive (\(error))")
        }
        var out: [IngestSource] = []
        let entries = shared.archive.filter { $0.type == .file && $0.path.lowercased().hasSuffix(".csv") }
            .sorted { $0.path < $1.path }
        for entry in entries {
            if entry.path.lowercased().hasSuffix("-stop-and-search.csv") { continue }
            let entryPath = entry.path, size = Int(entry.uncompressedSize)
            try checkExpansion(declared: size, compressed: Int(entry.compressedSize), name: "\(path):\(entryPath)")
            out.append(IngestSource(name: "\(path):\(entryPath)") {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(size)
                shared.lock.lock()
                defer { shared.lock.unlock() }
                do {
                    guard let entry = shared.archive[entryPath] else { throw GeoQueryError.unreadableInput("\(path): \(entryPath) vanished") }
                    // ZIPFoundation returns the CRC-32 of what it extracted without comparing it with the
                    // entry's: a damaged archive would otherwise be read as other rows (found by fuzzing).
                    let crc = try shared.archive.extract(entry, skipCRC32: false) { chunk in
                        // A header that understates the size must not let the entry expand past it.
                        guard bytes.count + chunk.count <= size else { throw ZipBomb() }
                        bytes.append(contentsOf: chunk)
                    }
                    guard crc == entry.checksum, bytes.count == size else {
                        throw GeoQueryError.unreadableInput("\(path): \(entryPath) is damaged (its CRC-32 or size does not match what the archive records): download the archive again")
                    }
                } catch is ZipBomb {
                    throw GeoQueryError.tooLarge("\(path): \(entryPath) expands past the \(Format.grouped(size)) bytes its zip header declares: the archive is damaged or built to exhaust memory; refused")
                } catch let error as GeoQueryError {
                    throw error
                } catch {
                    throw GeoQueryError.unreadableInput("\(path): cannot extract \(entryPath) (\(error))")
                }
                return bytes
            })
        }
        return out
    }
}

extension IngestSource {
    /// The most one zip entry may expand to: each CSV is read whole, and the largest monthly file
    /// data.police.uk publishes is tens of MB.
    static let maxZipEntryBytes = 2 << 30
    /// Expansion ratios above this (for entries over 1 MiB) are a zip bomb, not a CSV: Police UK
    /// CSVs deflate about 5–10:1, a bomb of repeated bytes about 1,000:1.
    static let maxZipRatio = 100

    /// Refuses an entry whose declared size would exhaust memory, before a byte is expanded.
    static func checkExpansion(declared: Int, compressed: Int, name: String) throws {
        if declared > maxZipEntryBytes {
            throw GeoQueryError.tooLarge("\(name) declares \(Format.grouped(declared)) bytes, over the \(maxZipEntryBytes >> 30) GiB one zip entry may hold: unzip it and ingest the CSV, or split it")
        }
        if declared > 1 << 20 && declared / max(compressed, 1) > maxZipRatio {
            throw GeoQueryError.tooLarge("\(name) expands \(declared / max(compressed, 1)):1 (\(Format.grouped(compressed)) to \(Format.grouped(declared)) bytes), more than any CSV does: a zip bomb, refused")
        }
    }
}

/// Thrown from an extraction callback to stop an entry that outgrows its declared size.
private struct ZipBomb: Error {}

/// One open zip archive shared by its entries' loaders: ZIPFoundation reads through one `FILE*`,
/// so extraction is serialised while parsing runs in parallel.
private final class SharedArchive: @unchecked Sendable {
    let archive: Archive
    let lock = NSLock()
    init(_ archive: Archive) { self.archive = archive }
}
