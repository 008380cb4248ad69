-- POST /v1/sessions with the benchmark user's credentials (BENCH_USER, BENCH_PASSWORD).
require("stats").install()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"username":"%s","password":"%s"}',
                         os.getenv("BENCH_USER"), os.getenv("BENCH_PASSWORD"))
