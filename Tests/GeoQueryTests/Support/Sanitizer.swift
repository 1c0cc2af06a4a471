import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether this test binary was built with `--sanitize=address` or `--sanitize=thread`, found by
/// the sanitizer runtime's own entry point (Swift has no compile-time condition for it).
///
/// Under a sanitizer the code runs 5–20× slower and ASan keeps freed memory in quarantine, so the
/// tests' hang detectors and memory bounds, which guard against a hang or an unbounded read rather
/// than measure speed, are scaled by these factors; no answer a test checks is relaxed.
enum Sanitizer {
    static let thread = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil
    static let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
    static var active: Bool { thread || address }

    /// How many times longer a time bound may be.
    static var slowdown: Double { active ? 10 : 1 }

    /// Extra memory a process may peak at: ASan's quarantine (256 MB by default), shadow memory
    /// and redzones come on top of what the code itself holds.
    static var extraPeakBytes: Int { address ? 1 << 30 : (thread ? 512 << 20 : 0) }
}
