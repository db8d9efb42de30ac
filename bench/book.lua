-- wrk script: POST /rooms/{random}/bookings, none overlapping another.
--
--   wrk -t2 -c32 -d10s -s bench/book.lua http://127.0.0.1:PORT -- ROOMS USERS YEAR
--
-- Booking n of wrk thread t (at most 8 threads) lasts one hour from hour
-- n * 8 + t of YEAR (a
-- year after the seeded bookings): hours never repeat, so no two bookings
-- overlap whatever rooms they pick, and every answer should be a 201.
-- report.lua (next to this file) counts non-2xx responses and prints the figures.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local rooms, users, year = 1000, 1000, 2040
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

local function at(hour)
  -- Days of 24 hours from January 1st; 28-day months keep every date valid.
  local day = math.floor(hour / 24)
  local month = math.floor(day / 28)
  return string.format("%04d-%02d-%02dT%02d:00:00Z", year + math.floor(month / 12), month % 12 + 1,
                       day % 28 + 1, hour % 24)
end

function init(args)
  rooms = tonumber(args[1] or "1000")
  users = tonumber(args[2] or "1000")
  year = tonumber(args[3] or "2040")
  math.randomseed(os.time() + tid)
end

function request()
  counter = counter + 1
  local hour = counter * 8 + tid
  local body = string.format('{"user_id":%d,"title":"Bench","starts_at":"%s","ends_at":"%s"}',
                             math.random(1, users), at(hour), at(hour + 1))
  return wrk.format("POST", "/rooms/" .. math.random(1, rooms) .. "/bookings", headers, body)
end
