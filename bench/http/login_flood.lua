-- The login flood: POST /v1/sessions like login.lua, from clients that honour the server's
-- 503/429 and its Retry-After (1 s) before trying again on that connection, with the usual random
-- jitter (1-2 s), so refused clients do not all come back in the same millisecond. Without that, a
-- load generator on the same two cores spends them retrying refusals as fast as it can, and the
-- run measures the generator rather than authd.
local retry_after_ms = 0
require("stats").install(function(status)
  if status == 503 or status == 429 then retry_after_ms = math.random(1000, 2000) end
end)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"username":"%s","password":"%s"}',
                         os.getenv("BENCH_USER"), os.getenv("BENCH_PASSWORD"))

function delay()
  local d = retry_after_ms
  retry_after_ms = 0
  return d
end
