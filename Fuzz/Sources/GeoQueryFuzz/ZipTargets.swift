import Foundation
import ZIPFoundation
@testable import GeoQuery

/// CRC-32 (IEEE 802.3, as zip stores it), bit by bit: independent of ZIPFoundation's table.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
    }
    return ~c
}

let zipTargets: [FuzzTarget] = [
    FuzzTarget(name: "zip", property: "a damaged archive is refused with a typed error, or each CSV it yields has the CRC-32 and size its entry records and reads as street-csv requires", seeds: {
        let path = FuzzCheck.scratch + "/seed.zip"
        try? FileManager.default.removeItem(atPath: path)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, file) in [("2019-01/2019-01-city-of-london-street.csv", streetFile), ("2019-01/2019-01-city-of-london-outcomes.csv", outcomesFile)] {
            let bytes = Data(try FuzzCheck.head(file, lines: 15))
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return [Array(FileManager.default.contents(atPath: path)!)]
    }, run: { input in
        let path = FuzzCheck.scratch + "/fuzzed.zip"
        FileManager.default.createFile(atPath: path, contents: Data(input))
        guard let sources = FuzzCheck.typed({ try IngestSource.expand([path]) }) else { return }
        let archive = try? Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        for source in sources {
            guard let bytes = FuzzCheck.typed({ try source.load() }) else { continue }
            let entryPath = String(source.name.dropFirst(path.count + 1))
            guard let entry = archive?[entryPath] else { FuzzCheck.fail("\(source.name) was read but its entry cannot be found again") }
            FuzzCheck.expect(crc32(bytes) == entry.checksum, "\(source.name): extracted bytes do not have the entry's CRC-32")
            FuzzCheck.expect(Int64(bytes.count) == entry.uncompressedSize, "\(source.name): \(bytes.count) bytes extracted, the entry says \(entry.uncompressedSize)")
            bytes.withUnsafeBufferPointer { checkPoliceCSV($0, name: (entryPath as NSString).lastPathComponent) }
        }
    }),
]
