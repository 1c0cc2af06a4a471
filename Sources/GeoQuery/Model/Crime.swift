/// One street-level crime as the mirror returns it, with the fields of data.police.uk's crimes-street.
public struct Crime: Sendable, Equatable {
    /// The API's numeric `id`: unique in the mirror, below 2^53 (exact in JavaScript and R), and
    /// the same for this crime whatever other months or forces are ingested or restated, and
    /// after re-ingesting the same files. It is made from the crime's (force, month) and a hash of
    /// its own fields (Crime ID, coordinates, category, location, LSOA code, context), so a
    /// restatement of its own month that edits those fields gives it a new one.
    public var id: Int
    /// The 64-hex-digit Police UK Crime ID; empty for anti-social behaviour.
    public var persistentID: String
    public var category: String
    public var month: Month
    /// Force slug (archive file name), `btp` for British Transport Police.
    public var force: String
    public var mapPoint: MapPoint
    /// The "On or near ..." name recorded with this crime.
    public var locationName: String
    public var context: String
    /// Last outcome text, empty when none; and the month it was recorded.
    public var outcome: String
    public var outcomeMonth: Month
    /// False for a crime Police UK could not place on the map (`mapPoint` is then meaningless).
    public var located = true
}

/// An anonymous Police UK map point: the location every nearby crime is moved to.
public struct MapPoint: Sendable, Equatable {
    /// Index in the mirror (tree order), or the id given by a `--map-points` list.
    public var id: Int
    public var latE6: Int32
    public var lngE6: Int32
    public var latitude: Double { MicroDegrees.degrees(latE6) }
    public var longitude: Double { MicroDegrees.degrees(lngE6) }
}
