-- wrk script for `geoquery serve`: GETs at seeded random centres around the real mirror's three
-- full-history areas (Leicester, the City of London, Durham). The path template comes from
-- GQ_PATH, with two %f for latitude and longitude, e.g.
--   GQ_PATH='/v1/query?lat=%.6f&lng=%.6f&radius=0.5mi' wrk -t2 -c64 -d20s --latency -s random-centres.lua http://127.0.0.1:8080
local template = os.getenv("GQ_PATH") or "/v1/query?lat=%.6f&lng=%.6f&radius=0.5mi"
-- centre latitude, longitude, half-width in degrees of latitude
local areas = { { 52.6344, -1.1313, 0.05 }, { 51.5155, -0.0922, 0.006 }, { 54.7761, -1.5733, 0.05 } }
local threads = 0

-- Each thread its own seed, so the threads do not ask the same sequence.
setup = function(thread)
  thread:set("seed", 42 + threads)
  threads = threads + 1
end

init = function(args)
  math.randomseed(seed)
end

request = function()
  local a = areas[math.random(#areas)]
  local lat = a[1] + (math.random() * 2 - 1) * a[3]
  local lng = a[2] + (math.random() * 2 - 1) * a[3] * 1.6
  return wrk.format("GET", string.format(template, lat, lng))
end
