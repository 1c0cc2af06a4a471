import Foundation
import Testing
@testable import GeoQuery

/// One opened real mirror answering mixed questions from many threads at once answers each
/// exactly as it does alone (run it under `--sanitize=thread` to hear about races too).
@Suite struct ConcurrentQueryTests {
    enum Question: Sendable {
        case radius(CrimeQuery), polygon(CrimeQuery), catchment(CrimeQuery), report(CrimeQuery)
    }

    /// What each question's answer is compared by: the full result, or the rendered output.
    enum Answer: Equatable {
        case result(QueryResult, crimes: Int)
        case catchment(CatchmentBounds, geojson: String)
        case report(String)
        case failed(String)
    }

    static func answer(_ question: Question, _ m: CrimeMirror) -> Answer {
        do {
            switch question {
            case .radius(let q), .polygon(let q): return .result(try m.query(q), crimes: try m.crimes(q).count)
            case .catchment(let q):
                let r = try m.catchmentReport(q)
                return .catchment(r.bounds, geojson: r.geojson)
            case .report(let q): return .report(try m.report(ReportRequest(query: q)).rendered(.json))
            }
        } catch {
            return .failed("\(error)")
        }
    }

    /// Seeded questions around the mirror's map points: radii, squares, catchments and reports
    /// over random month ranges.
    static func questions(_ m: CrimeMirror, count: Int) -> [Question] {
        var rng = SeededRandom(seed: SeededRandom.seed(13))
        let months = (0...(m.lastMonth!.ordinal - m.firstMonth!.ordinal)).map { m.firstMonth!.adding($0) }
        return (0..<count).map { k in
            let p = m.mapPoint(Int.random(in: 0..<m.mapPointCount, using: &rng))
            let a = months.randomElement(using: &rng)!, b = months.randomElement(using: &rng)!
            let (from, to) = (min(a, b), max(a, b))
            let metres = Double.random(in: 50...2_500, using: &rng)
            let radius = CrimeQuery.radius(lat: p.latitude, lng: p.longitude, Distance(metres: metres), from: from, to: to)
            let d = metres / 111_000
            let square = Polygon(parts: [[[.init(lat: p.latitude - d, lng: p.longitude - d), .init(lat: p.latitude - d, lng: p.longitude + d),
                                           .init(lat: p.latitude + d, lng: p.longitude + d), .init(lat: p.latitude + d, lng: p.longitude - d)]]])
            switch k % 4 {
            case 0: return .radius(radius)
            case 1: return .polygon(.polygon(square, from: from, to: to))
            case 2: return .catchment(CrimeQuery.radius(lat: p.latitude, lng: p.longitude, Distance(metres: min(metres, 800)), from: from, to: to))
            default: return .report(radius)
            }
        }
    }

    @Test func hundredsOfMixedQueriesFromManyThreadsMatchTheSingleThreadedAnswers() throws {
        let m = TestData.realMirror
        let questions = Self.questions(m, count: 240)
        let alone = questions.map { Self.answer($0, m) }
        // Month ranges inside the mirror's gaps are refused; those refusals are compared too.
        let failed = alone.filter { if case .failed = $0 { return true } else { return false } }
        #expect(failed.count < questions.count / 4, "\(failed.prefix(3))")

        // 16 threads on 2 cores, each taking every 16th question in a different order, so the
        // same questions run at once from different threads.
        let threads = 16
        let together = UnsafeMutableBufferPointer<Answer?>.allocate(capacity: questions.count)
        together.initialize(repeating: nil)
        defer { together.deallocate() }
        nonisolated(unsafe) let slots = together
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var order = Array(stride(from: t, to: questions.count, by: threads))
            if t % 2 == 1 { order.reverse() }
            for i in order { slots[i] = Self.answer(questions[i], m) }
        }
        for i in questions.indices where together[i] != alone[i] {
            Issue.record("question \(i) (\(questions[i])) answered differently from many threads")
        }
    }
}
