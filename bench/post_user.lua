-- wrk script: POST /users, each request with a username never used before.
--
--   wrk -t2 -c32 -d10s -s bench/post_user.lua http://127.0.0.1:PORT -- RUN_ID
--
-- Usernames are "b<RUN_ID>-t<thread>-<counter>": the thread number (from
-- setup(), unique per wrk thread) keeps concurrent threads apart, the
-- per-thread counter keeps one thread's requests apart, and RUN_ID (digits,
-- default: the time) keeps runs against the same database apart. Every
-- request() call takes a new counter value, so a request wrk regenerates
-- after a reconnect gets a new name too. Expect only 201s: a 409 here means
-- a duplicate username, i.e. a bug in this script.
-- report.lua (next to this file) counts non-2xx responses by status and
-- prints req/s, p50, p99 and the counts in done().

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local prefix
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  local run_id = args[1] or tostring(os.time())
  if not run_id:match("^[0-9]+$") then
    error("post_user.lua: RUN_ID must be digits, not " .. run_id)
  end
  prefix = "b" .. run_id .. "-t" .. tid .. "-"
end

function request()
  counter = counter + 1
  local body = '{"username":"' .. prefix .. counter ..
               '","firstname":"Bench","lastname":"User"}'
  return wrk.format("POST", "/users", headers, body)
end
