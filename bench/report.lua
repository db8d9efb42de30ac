-- Shared by get_user.lua and post_user.lua (loaded with dofile): numbers the
-- wrk threads, counts responses by status in a response() hook, and reports
-- in done().
--
-- Error counting: every response whose status is not 2xx is counted here,
-- per status code. wrk's own summary.errors.status counts only status > 399
-- (its "Non-2xx or 3xx responses" line) and is printed next to ours as a
-- cross-check. A response() hook makes wrk parse every response into Lua,
-- which costs the client some CPU; that is the price of the breakdown.

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

ok, bad = 0, 0
statuses = {}   -- status code -> count, non-2xx only

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    bad = bad + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local ok_total, bad_total, by_status = 0, 0, {}
  for _, t in ipairs(threads) do
    ok_total = ok_total + (t:get("ok") or 0)
    bad_total = bad_total + (t:get("bad") or 0)
    for code, count in pairs(t:get("statuses") or {}) do
      by_status[code] = (by_status[code] or 0) + count
    end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  local secs = summary.duration / 1e6
  local rps = summary.requests / secs
  local p50 = latency:percentile(50) / 1000
  local p99 = latency:percentile(99) / 1000
  local max = latency.max / 1000
  local codes = {}
  for code, count in pairs(by_status) do table.insert(codes, code .. "=" .. count) end
  table.sort(codes)
  local codes_text = #codes > 0 and table.concat(codes, ",") or "none"

  io.write("------------------------------------------------------------\n")
  io.write(string.format("requests %d in %.2fs: %.0f req/s\n", summary.requests, secs, rps))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, " ..
                         "max %.2f ms\n", p50, latency:percentile(90) / 1000, p99,
                         latency:percentile(99.9) / 1000, max))
  io.write(string.format("responses: 2xx %d, non-2xx %d (by status: %s)\n",
                         ok_total, bad_total, codes_text))
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d " ..
                         "(wrk's own status>399 count: %d)\n",
                         e.connect, e.read, e.write, e.timeout, e.status))
  -- One line for bench/run to parse.
  io.write(string.format("BENCH rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d " ..
                         "ok=%d non2xx=%d socket_errors=%d statuses=%s\n",
                         rps, p50, p99, max, summary.requests, ok_total, bad_total, socket,
                         codes_text))
end
