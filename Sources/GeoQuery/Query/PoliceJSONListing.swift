import Foundation

/// A query's crimes in data.police.uk's JSON (as ``Swift/Array/policeJSON()`` writes them),
/// handed out a part at a time: a force's month runs to tens of megabytes, which a server
/// answering many clients, or a pipe, need not hold whole. The parts, joined, are the whole
/// listing byte for byte. Made by ``CrimeMirror/policeJSONListing(_:)``.
///
/// Parts are taken one after another; calls from several threads are serialised.
public final class PoliceJSONListing: @unchecked Sendable {
    private let lock = NSLock()
    private let visitor: CrimeVisitor
    private let points: [Int]
    private let plan: QueryPlan
    // Guarded by `lock`.
    private var position = 0
    private var writer = JSONWriter()
    private var started = false, finished = false

    init(_ visitor: CrimeVisitor, points: [Int], plan: QueryPlan) {
        (self.visitor, self.points, self.plan) = (visitor, points, plan)
    }

    /// The next part of the JSON text: at least `minimumBytes` long unless it is the last, and
    /// longer by at most one map point's crimes; nil once the last part has been taken.
    public func next(minimumBytes: Int = 256 << 10) throws -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        if finished { return nil }
        if !started { writer.beginArray(); started = true }
        while position < points.count && writer.bytes.count < minimumBytes {
            try visitor.visit(CollectionOfOne(points[position]), plan) { _, c in writer.crime(nil, c) }
            position += 1
        }
        if position == points.count { writer.endArray(); finished = true }
        return writer.takeBytes()
    }

    /// Whether the last part has been taken.
    public var isFinished: Bool { lock.withLock { finished } }
}
