-- wrk script: GET /rooms?limit=100&after_id={random}, pages of the seeded rooms.
--
--   wrk -t2 -c32 -d10s -s bench/list_rooms.lua http://127.0.0.1:PORT -- ROOMS [WINDOW]
--
-- With WINDOW (two RFC 3339 times joined by ','), every page also asks for
-- the rooms free in that window: ?available_from=...&available_to=...
-- report.lua (next to this file) counts non-2xx responses and prints the figures.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local rooms, filter = 1000, ""

function init(args)
  rooms = tonumber(args[1] or "1000")
  if args[2] then
    local from, to = args[2]:match("^([^,]+),([^,]+)$")
    if not from then error("list_rooms.lua: WINDOW must be FROM,TO, not " .. args[2]) end
    filter = "&available_from=" .. from .. "&available_to=" .. to
  end
  math.randomseed(os.time() + tid)
end

function request()
  local after = math.random(0, math.max(rooms - 100, 0))
  return wrk.format("GET", "/rooms?limit=100&after_id=" .. after .. filter)
end
