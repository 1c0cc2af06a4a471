import Foundation
import Synchronization
import Testing
@testable import GeoQueryServer

/// Long library calls share the CPU with short ones rather than queue them: with more long calls
/// running than there are cores, a short one still starts and finishes (on GCD's concurrent queue
/// it waited for a long one to end: a 1 ms query answered after tens of seconds).
@Suite struct BlockingPoolTests {
    final class Flags: Sendable {
        let stop = Atomic<Bool>(false)
        let started = Atomic<Int>(0)
    }

    /// On a pool of its own as wide as ``Blocking``'s: the shared one also runs the other suites'
    /// server work, which in a full test run can fill its threads.
    @Test func aShortCallFinishesWhileMoreLongOnesThanCoresRun() async throws {
        let pool = WorkerPool(threads: Blocking.threads, name: "geoquery.test.work")
        func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
            await withCheckedContinuation { done in pool.submit { done.resume(returning: body()) } }
        }
        let flags = Flags()
        let long = ProcessInfo.processInfo.activeProcessorCount + 1
        #expect(long < Blocking.threads)
        let spinners = (0..<long).map { _ in
            Task {
                await run {
                    flags.started.add(1, ordering: .relaxed)
                    // Busy, as a long answer is (not asleep), until told or 60 s pass.
                    let end = Date().addingTimeInterval(60)
                    var x = 0.0
                    while !flags.stop.load(ordering: .relaxed) && Date() < end { for i in 0..<10_000 { x += Double(i).squareRoot() } }
                    return x > 0 && !flags.stop.load(ordering: .relaxed)  // true: it ran out its time
                }
            }
        }
        while flags.started.load(ordering: .relaxed) < long { try await Task.sleep(for: .milliseconds(10)) }
        let short = await run { 1 + 1 }
        flags.stop.store(true, ordering: .relaxed)
        var ranOut = 0
        for s in spinners where await s.value { ranOut += 1 }
        #expect(short == 2)
        // The short call did not wait for the long ones: each was told to stop, none ran out.
        #expect(ranOut == 0)
    }
}
