import Foundation

/// A path's folder and last component, without `NSString`: swift-corelibs-foundation's
/// `deletingLastPathComponent` and `lastPathComponent` trap on one-character paths ("a", "-",
/// "x/"), so `--svg a` or a file named "a" crashed the CLI.
public enum PathName {
    /// The path without trailing slashes (the root stays "/").
    private static func trimmed(_ path: String) -> Substring {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        return p
    }

    /// The folder holding `path`: "." for a bare name, "/" for a file in the root.
    public static func folder(of path: String) -> String {
        let p = trimmed(path)
        guard let slash = p.lastIndex(of: "/") else { return "." }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    /// The last component of `path` ("b" for "a/b" and "a/b/").
    public static func name(of path: String) -> String {
        let p = trimmed(path)
        guard p != "/", let slash = p.lastIndex(of: "/") else { return String(p) }
        return String(p[p.index(after: slash)...])
    }
}
