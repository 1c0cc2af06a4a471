import Testing
@testable import GeoQuery

/// Paths split without Foundation's NSString functions, which trap on one-character paths.
@Suite struct PathNameTests {
    @Test(arguments: [("a", ".", "a"), ("-", ".", "-"), ("x/", ".", "x"), ("ab", ".", "ab"), ("a/b", "a", "b"), ("a/b/", "a", "b"),
                      ("/a", "/", "a"), ("/", "/", "/"), ("/tmp/m/mirror.geoquery", "/tmp/m", "mirror.geoquery"), ("./c.svg", ".", "c.svg"),
                      ("a//b", "a/", "b")])
    func splits(_ path: String, _ folder: String, _ name: String) {
        #expect(PathName.folder(of: path) == folder)
        #expect(PathName.name(of: path) == name)
    }
}
