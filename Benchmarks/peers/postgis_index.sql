CREATE INDEX points_geog_gist ON points USING gist (geog);
CREATE INDEX counts_point_month ON counts (point_id, month) INCLUDE (category, n);
VACUUM ANALYZE points;
VACUUM ANALYZE counts;
