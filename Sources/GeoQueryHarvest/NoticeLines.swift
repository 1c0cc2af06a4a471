import Foundation

/// Lines told from any task (a harvest's notices), kept in order under a lock: what a caller
/// shows or checks once the work is done.
public final class NoticeLines: @unchecked Sendable {
    // (Unchecked: `told` is read and written only under `lock`.)
    private let lock = NSLock()
    private var told: [String] = []

    public init() {}

    /// Keeps `line` after those told before it.
    public func add(_ line: String) { lock.withLock { told.append(line) } }

    /// The lines told so far, in order.
    public var lines: [String] { lock.withLock { told } }
}
