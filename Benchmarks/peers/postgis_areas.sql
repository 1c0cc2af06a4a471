-- The areas set: a geometry copy of the map points with its own GiST index, and a prepared query
-- taking one area's GeoJSON text. $1 GeoJSON geometry, $2 from month, $3 to month (inclusive).
-- ST_MakeValid as geoquery's "repair": true, and ST_Covers counts boundary points, as geoquery does.
ALTER TABLE points ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326);
UPDATE points SET geom = geog::geometry;
CREATE INDEX IF NOT EXISTS points_geom_gist ON points USING gist (geom);
VACUUM ANALYZE points;
PREPARE qa(text, text, text) AS
SELECT c.category, sum(c.n)::bigint
FROM points p JOIN counts c ON c.point_id = p.id
WHERE ST_Covers((SELECT ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326))), p.geom)
  AND c.month BETWEEN $2 AND $3
GROUP BY c.category;
