-- GET of the URL given to wrk with `Authorization: Bearer $BENCH_TOKEN`.
require("stats").install()
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
