import Foundation
import Testing
@testable import GeoQuery

/// The direct (O_DIRECT) path of ``AtomicFile``, which the snapshot takes: whatever the pieces'
/// sizes and the file system, the file holds exactly the bytes handed in, the header rewritten
/// at the end, and the same bytes as the ordinary path writes.
@Suite struct AtomicFileTests {
    /// Pieces of awkward sizes around the block (4 KiB), the fault-step piece (64 KiB) and the
    /// writer's buffer (4 MiB), ~10 MB in all, seeded.
    static func pieces(seed: UInt64) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        let sizes = [0, 1, 4095, 4096, 4097, 65_535, 65_536, 65_537, 4 << 20, (4 << 20) - 1, 3, 1_000_000] + (0..<20).map { _ in Int(rng.next() % 200_000) }
        return sizes.map { n in (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
    }

    static func write(_ path: String, direct: Bool, pieces: [[UInt8]], header: [UInt8]) throws -> Int {
        try AtomicFile.write(path, what: "a test file", direct: direct, rewriting: { append, rewriteStart in
            pieces.allSatisfy { p in p.withUnsafeBytes { append($0) } } && header.withUnsafeBytes { rewriteStart($0) }
        })
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func directWriteHoldsEveryByte(seed: UInt64) throws {
        let pieces = Self.pieces(seed: seed)
        let header = (0..<40).map { UInt8($0 + 1) }
        var expected = pieces.flatMap { $0 }
        expected.replaceSubrange(0..<header.count, with: header)
        let dir = TestData.temporaryDirectory("atomic")
        let direct = dir + "/direct.bin", plain = dir + "/plain.bin"
        // Over an existing file too: it is replaced whole.
        try AtomicFile.write(direct, what: "a test file", bytes: [UInt8](repeating: 7, count: 20_000_000))
        #expect(try Self.write(direct, direct: true, pieces: pieces, header: header) == expected.count)
        #expect(try Self.write(plain, direct: false, pieces: pieces, header: header) == expected.count)
        #expect(FileManager.default.contents(atPath: direct) == Data(expected))
        #expect(FileManager.default.contents(atPath: plain) == Data(expected))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["direct.bin", "plain.bin"])
    }

    /// tmpfs refuses O_DIRECT at open: the write goes through the page cache instead.
    @Test func directFallsBackWhereRefused() throws {
        guard FileManager.default.fileExists(atPath: "/dev/shm") else { return }
        let dir = "/dev/shm/geoquery-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pieces = Self.pieces(seed: 9), header: [UInt8] = [1, 2, 3]
        var expected = pieces.flatMap { $0 }
        expected.replaceSubrange(0..<header.count, with: header)
        #expect(try Self.write(dir + "/f", direct: true, pieces: pieces, header: header) == expected.count)
        #expect(FileManager.default.contents(atPath: dir + "/f") == Data(expected))
    }

    /// A producer that gives up part-way leaves no file and no temporary file behind.
    @Test func directWriteGivenUpLeavesNothing() throws {
        let dir = TestData.temporaryDirectory("atomic")
        let big = [UInt8](repeating: 1, count: 9 << 20)
        #expect(throws: GeoQueryError.self) {
            try AtomicFile.write(dir + "/f", what: "a test file", direct: true, rewriting: { append, _ in
                _ = big.withUnsafeBytes { append($0) }
                return false
            })
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// Folders are made as `mkdir -p` makes them, and what stops one is named in plain words
    /// (Foundation's own error read "The operation could not be completed. (NSCocoaErrorDomain
    /// error 512.)").
    @Test func createFolderSaysWhatStopsIt() throws {
        let dir = TestData.temporaryDirectory("folders")
        try AtomicFile.createFolder(dir + "/a/b/c", what: "the mirror folder")
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: dir + "/a/b/c", isDirectory: &isFolder) && isFolder.boolValue)
        try AtomicFile.createFolder(dir + "/a/b/c", what: "the mirror folder")  // already there: nothing to do
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        func message(_ path: String) -> String {
            do { try AtomicFile.createFolder(path, what: "the mirror folder"); return "" } catch { return "\(error)" }
        }
        #expect(message(dir + "/file/m/n") == "cannot create \(dir)/file/m/n (the mirror folder): \(dir)/file is a file, not a folder")
        #expect(message(dir + "/file") == "cannot use \(dir)/file as the mirror folder: it is a file, not a folder")
        #expect(message("/proc/geoquery-none/m") == "cannot create /proc/geoquery-none/m (the mirror folder): the folder /proc takes no new folders (No such file or directory)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/file/m"))
    }
}
