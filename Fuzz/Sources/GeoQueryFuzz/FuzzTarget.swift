import Foundation
@testable import GeoQuery

/// One libFuzzer target: a reader of outside input and the property it must keep on any input.
struct FuzzTarget: Sendable {
    /// The name `scripts/fuzz` runs it by (GEOQUERY_FUZZ_TARGET).
    let name: String
    /// What every input must satisfy, beyond not crashing (FUZZING.md lists them).
    let property: String
    /// Seed inputs made from small slices of ../shared/data (or built from them), for `scripts/fuzz-seeds`.
    let seeds: @Sendable () throws -> [[UInt8]]
    /// Checks one input; a broken property ends the process through ``FuzzCheck/fail(_:)``.
    let run: @Sendable (UnsafeBufferPointer<UInt8>) -> Void
}

/// Every target, by name.
let allTargets: [FuzzTarget] = csvTargets + polygonTargets + postcodeTargets + batchLineTargets + mirrorFileTargets + serverTargets + zipTargets

/// The target this process runs, chosen once by GEOQUERY_FUZZ_TARGET.
let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["GEOQUERY_FUZZ_TARGET"] ?? ""
    if name == "list" {  // scripts/fuzz asks for the names and properties
        for t in allTargets { print("\(t.name)\t\(t.property)") }
        exit(0)
    }
    guard let target = allTargets.first(where: { $0.name == name }) else {
        FuzzCheck.say("set GEOQUERY_FUZZ_TARGET to one of: \(allTargets.map(\.name).joined(separator: " "))")
        exit(2)
    }
    return target
}()

/// Checks and failure reports shared by the targets.
enum FuzzCheck {
    static func say(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    /// A broken property: says which and aborts, so libFuzzer saves the input as a crash.
    static func fail(_ what: String) -> Never {
        say("PROPERTY BROKEN in \(selected.name): \(what)")
        abort()
    }

    static func expect(_ ok: Bool, _ what: @autoclosure () -> String) {
        if !ok { fail(what()) }
    }

    /// Runs `body`; an error that is not a ``GeoQueryError`` (the user's words) breaks the
    /// property every reader shares. Returns nil when `body` refused the input.
    static func typed<R>(_ body: () throws -> R) -> R? {
        do { return try body() } catch is GeoQueryError { return nil } catch { fail("untyped error \(type(of: error)): \(error)") }
    }

    /// The checkout's root (Fuzz/ is one of its folders).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The shared data folder (../shared/data beside the checkout, or GEOQUERY_SHARED_DATA).
    static let sharedData: String = ProcessInfo.processInfo.environment["GEOQUERY_SHARED_DATA"]
        ?? repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data").path

    /// The first `lines` lines of a shared data file, as bytes.
    static func head(_ relative: String, lines: Int) throws -> [UInt8] {
        // Split on bytes: Code-Point Open ends lines with CRLF, one Character in a String.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: sharedData + "/" + relative))
        return Array(bytes.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(lines).joined(separator: [0x0A])) + [0x0A]
    }

    /// A scratch folder for this process (files some readers need a path for).
    static let scratch: String = {
        let dir = NSTemporaryDirectory() + "geoquery-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let target = selected
    // `GEOQUERY_FUZZ_SEEDS=DIR`: write the target's seeds there (scripts/fuzz-seeds), then run as asked.
    if let dir = ProcessInfo.processInfo.environment["GEOQUERY_FUZZ_SEEDS"] {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (i, seed) in try target.seeds().enumerated() {
                try Data(seed).write(to: URL(fileURLWithPath: dir + "/seed-\(i)"))
            }
        } catch {
            FuzzCheck.say("cannot write the seeds of \(target.name): \(error)")
            exit(2)
        }
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selected.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

extension UnsafeBufferPointer<UInt8> {
    /// The input as text, invalid UTF-8 repaired as the front ends' String conversions repair it.
    var text: String { String(decoding: self, as: UTF8.self) }
}
