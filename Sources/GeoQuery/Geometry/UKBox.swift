/// The latitudes and longitudes UK places have, for telling swapped coordinates from real ones
/// (every user-facing check of a centre, a polygon or a CSV row uses this one box).
enum UKBox {
    static let lat = 49.0...61.5
    static let lng = -9.0...2.5

    static func contains(lat: Double, lng: Double) -> Bool { Self.lat.contains(lat) && Self.lng.contains(lng) }

    /// Whether the point would be in the UK with latitude and longitude the other way round.
    static func looksSwapped(lat: Double, lng: Double) -> Bool { Self.lat.contains(lng) && Self.lng.contains(lat) }
}
