-- PostGIS peer schema: distinct map points + per point/month/category counts.
DROP TABLE IF EXISTS counts;
DROP TABLE IF EXISTS points;
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE points (id int PRIMARY KEY, geog geography(Point, 4326) NOT NULL);
CREATE TABLE counts (point_id int NOT NULL, month text NOT NULL, category text NOT NULL, n int NOT NULL);
