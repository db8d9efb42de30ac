-- wrk script: GET /users/{id}, id uniformly random in 1..N.
--
--   wrk -t2 -c32 -d10s -s bench/get_user.lua http://127.0.0.1:PORT -- N
--
-- N is the number of seeded users; ids 1..N must all exist, so every
-- response should be a 200. report.lua (next to this file) counts non-2xx
-- responses by status and prints req/s, p50, p99 and the counts in done().

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local n

function init(args)
  n = tonumber(args[1])
  if n == nil or n < 1 then
    error("get_user.lua: pass the number of users after --, e.g. -- 100000")
  end
  -- A different sequence in each thread and each run.
  math.randomseed(os.time() * 1000 + tid)
  for _ = 1, 10 do math.random() end
end

function request()
  return wrk.format("GET", "/users/" .. math.random(1, n))
end
