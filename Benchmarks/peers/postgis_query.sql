-- $1 lat, $2 lng, $3 radius (m), $4 from month, $5 to month (inclusive). use_spheroid = true.
PREPARE q(float8, float8, float8, text, text) AS
SELECT c.category, sum(c.n)::bigint
FROM points p JOIN counts c ON c.point_id = p.id
WHERE ST_DWithin(p.geog, ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography, $3, true)
  AND c.month BETWEEN $4 AND $5
GROUP BY c.category;
