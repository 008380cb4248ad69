-- Shared by the wrk scripts of bench/http_bench.sh: counts answers by kind in every wrk thread and
-- prints one machine-readable RESULT line when the run is done (wrk's own summary counts a 503
-- and a 200 alike as "requests").
local stats = {}
local threads = {}

-- on_response(status), optional, sees every answer after it is counted.
function stats.install(on_response)
  function setup(thread)
    table.insert(threads, thread)
  end
  function init(args)
    ok, shed, other = 0, 0, 0
  end
  function response(status, headers, body)
    if status == 200 then
      ok = ok + 1
    elseif status == 503 or status == 429 then
      shed = shed + 1
    else
      other = other + 1
    end
    if on_response then on_response(status) end
  end
  function done(summary, latency, requests)
    local o, s, x = 0, 0, 0
    for _, t in ipairs(threads) do
      o = o + t:get("ok")
      s = s + t:get("shed")
      x = x + t:get("other")
    end
    io.write(string.format(
      "RESULT ok=%d shed=%d other=%d errors=%d seconds=%.3f p50_us=%d p99_us=%d\n",
      o, s, x, summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout, summary.duration / 1e6,
      latency:percentile(50), latency:percentile(99)))
  end
end

return stats
