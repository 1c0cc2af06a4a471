/// This geoquery's version (semantic versioning; 0.x while the JSON keys may still grow):
/// `geoquery --version`, `geoquery info` and the `geoquery_version` key of JSON answers.
public let version = "0.9.0"
