#!/usr/bin/env python3
"""The load and the checks of bench/soak.sh (docs/BENCHMARKS.md, "Soak test"). Python 3 stdlib only.

A few worker threads each run, until the deadline, the life of one user after another:
signup, login, GET /v1/users/me, PATCH /v1/users/me, GET /v1/sessions, refresh, a login with a
wrong password, then logout and a new login (every other user), and finally DELETE /v1/users/me,
so the number of live users and sessions stays bounded while the event log grows. Every answer
is counted by request kind and status against the status that kind must get.

Every --interval seconds the load pauses for a moment (see Gate) and the server's RSS
(/proc/PID/status VmRSS) and open descriptors (/proc/PID/fd, split into sockets, files in the
data folder and the rest) are sampled. At the end it prints the samples, the statuses and the
verdicts, and exits 1 when one check fails:
  - RSS: RocksDB's block cache is bounded by design (docs/STORAGE.md, "Memory") and fills up
    over a long run, so each sample also reads its size from /metrics. What must stay flat is RSS
    minus the cache: the median of the last third of the samples taken after the warm-up (--warmup,
    default 120 s, long enough for soak.sh's one-minute time bounds to reach their steady state) may
    exceed the median of the first third by at most --rss-tolerance percent (default 10) plus
    --rss-slack-mib (8). The cache must stay within its capacity. (Memtables are reported but
    not subtracted: they empty at each flush while the allocator keeps their pages for the next
    memtable, so RSS follows their high-water mark, bounded at 32 MiB.);
  - descriptors: with the load stopped, sockets and descriptors outside the data folder must be
    back at their count before the load; descriptors of files in the data folder (RocksDB's
    tables, which come and go with flushes and compactions) must level off: last third's median
    at most 1.5x the first third's + 16;
  - statuses: no 5xx, no connection error, no status other than the expected one.
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import sys
import threading
import time
from collections import Counter

# The one status each request kind must get (the soak runs with throttles off: soak.sh).
EXPECTED = {
    "signup": 201,
    "login": 200,
    "me": 200,
    "patch_me": 200,
    "sessions": 200,
    "refresh": 200,
    "login_wrong_password": 401,
    "logout": 204,
    "delete_me": 204,
}
MAX_CYCLES_PER_WORKER = 1_000_000  # a bound besides the deadline
ME_PER_CYCLE = 5  # cheap reads per user life, as clients poll far more than they log in


class Gate:
    """Lets the sampler quiesce the load: no request in flight means no password hash running,
    so the sample's RSS holds no argon2id work area (each hash maps 19 MiB for ~50-100 ms; with
    the hashing pool busy, RSS read under load jumps by up to 2 x 19 MiB between readings)."""

    def __init__(self):
        self.cond = threading.Condition()
        self.paused = False
        self.active = 0

    def enter(self):
        with self.cond:
            self.cond.wait_for(lambda: not self.paused, timeout=60)
            self.active += 1

    def leave(self):
        with self.cond:
            self.active -= 1
            self.cond.notify_all()

    def pause(self):
        """Stops new requests and waits (at most 35 s: a request times out after 30) for the
        ones in flight; True when none is left."""
        with self.cond:
            self.paused = True
            return self.cond.wait_for(lambda: self.active == 0, timeout=35)

    def resume(self):
        with self.cond:
            self.paused = False
            self.cond.notify_all()


class Worker(threading.Thread):
    def __init__(self, index, host, port, deadline, stats, keep_users, gate):
        super().__init__(daemon=True)
        self.keep_users = keep_users
        self.gate = gate
        self.index, self.host, self.port, self.deadline = index, host, port, deadline
        self.stats = stats
        self.conn = None
        self.cycles = 0

    def request(self, kind, method, path, body=None, token=None):
        """One request on the kept-alive connection; counts and returns (status, parsed body)."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = json.dumps(body).encode() if body is not None else None
        if method != "GET" and data is None:
            headers.pop("Content-Type")
        status, payload = None, b""
        self.gate.enter()
        try:
            status, payload = self.send(method, path, data, headers)
        finally:
            self.gate.leave()
        self.stats.count(kind, status)
        try:
            parsed = json.loads(payload) if payload else {}
        except ValueError:
            parsed = {}
        return status, parsed

    def send(self, method, path, data, headers):
        status, payload = None, b""
        for attempt in range(2):  # one reconnect if the server closed an idle keep-alive
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                status, payload = resp.status, resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.conn = None
                if attempt == 1:
                    status = "error:" + type(e).__name__
            except (OSError, http.client.HTTPException) as e:
                self.conn = None
                status = "error:" + type(e).__name__
                break
        return status, payload

    def run(self):
        while time.monotonic() < self.deadline and self.cycles < MAX_CYCLES_PER_WORKER:
            self.one_user()
            self.cycles += 1
        if self.conn:
            self.conn.close()

    def one_user(self):
        name = "soak%d-%d-%s" % (self.index, self.cycles, secrets.token_hex(3))
        password = "soak-" + secrets.token_hex(12)
        status, _ = self.request(
            "signup", "POST", "/v1/users",
            {"username": name, "email": name + "@example.com", "password": password})
        if status != 201:
            return
        creds = {"username": name, "password": password}
        status, tokens = self.request("login", "POST", "/v1/sessions", creds)
        if status != 200:
            return
        access, refresh = tokens.get("access_token"), tokens.get("refresh_token")
        for _ in range(ME_PER_CYCLE):
            self.request("me", "GET", "/v1/users/me", token=access)
        self.request("patch_me", "PATCH", "/v1/users/me",
                     {"display_name": "Soak " + secrets.token_hex(4)}, token=access)
        self.request("sessions", "GET", "/v1/sessions", token=access)
        status, tokens = self.request("refresh", "POST", "/v1/sessions/refresh",
                                      {"refresh_token": refresh})
        if status == 200:
            access = tokens.get("access_token")
        self.request("me", "GET", "/v1/users/me", token=access)
        self.request("login_wrong_password", "POST", "/v1/sessions",
                     {"username": name, "password": password + "x"})
        if self.cycles % 2 == 0:
            self.request("logout", "DELETE", "/v1/sessions/current", token=access)
            status, tokens = self.request("login", "POST", "/v1/sessions", creds)
            if status != 200:
                return
            access = tokens.get("access_token")
        if self.keep_users:
            self.request("logout", "DELETE", "/v1/sessions/current", token=access)
        else:
            self.request("delete_me", "DELETE", "/v1/users/me", {"password": password},
                         token=access)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind = Counter()
        self.total = 0

    def count(self, kind, status):
        with self.lock:
            self.by_kind[(kind, status)] += 1
            self.total += 1


def read_status_kib(pid, *fields):
    """The named fields of /proc/PID/status, in KiB, read in one pass."""
    found = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            name = line.split(":", 1)[0]
            if name in fields:
                found[name] = int(line.split()[1])
    missing = [name for name in fields if name not in found]
    if missing:
        raise RuntimeError("no %s for pid %d" % (", ".join(missing), pid))
    return tuple(found[name] for name in fields)


def read_rss_kib(pid):
    return read_status_kib(pid, "VmRSS")[0]


def read_fds(pid, data_dir):
    """(total, sockets, files in the data folder, other)"""
    sockets = data = other = 0
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:"):
            sockets += 1
        elif data_dir and target.startswith(data_dir + "/"):
            data += 1
        else:
            other += 1
    return sockets + data + other, sockets, data, other


STORAGE_GAUGES = ("authd_storage_block_cache_bytes", "authd_storage_block_cache_capacity_bytes",
                  "authd_storage_memtable_bytes")


def read_storage_kib(port):
    """RocksDB's bounded memory from the server's /metrics: {gauge name: KiB}."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in STORAGE_GAUGES:
            out[name] = float(value) / 1024
    missing = [g for g in STORAGE_GAUGES if g not in out]
    if missing:
        raise RuntimeError("/metrics lacks " + ", ".join(missing))
    return out


def sample(pid, data_dir, port, t0, stats, gate):
    """RSS and descriptors with the load paused (see Gate): at most a second or so per sample."""
    loaded_rss = read_rss_kib(pid)
    quiet = gate.pause()
    try:
        # File-backed pages are code; the anonymous rest is the heap and thread stacks.
        rss, rss_file = read_status_kib(pid, "VmRSS", "RssFile")
        total, sockets, data, other = read_fds(pid, data_dir)
        storage = read_storage_kib(port)
    finally:
        gate.resume()
    tables = 0
    if data_dir:
        for _, _, files in os.walk(data_dir):
            tables += sum(f.endswith(".sst") for f in files)
    cache = storage["authd_storage_block_cache_bytes"]
    memtables = storage["authd_storage_memtable_bytes"]
    return {"t": time.monotonic() - t0, "rss_kib": rss, "loaded_rss_kib": loaded_rss,
            "cache_kib": cache, "cache_capacity_kib":
            storage["authd_storage_block_cache_capacity_bytes"], "memtables_kib": memtables,
            "rest_kib": rss - cache,
            "file_kib": rss_file, "anon_rest_kib": rss - rss_file - cache,
            "quiet": quiet, "fds": total, "sockets": sockets, "data": data, "other": other,
            "tables": tables, "requests": stats.total}


def grew(values, tolerance_pct, slack):
    """(first, last, limit, ok): median of the last third against the first third's."""
    third = len(values) // 3
    if third < 1:
        return None
    first = statistics.median(values[:third])
    last = statistics.median(values[-third:])
    limit = first * (1 + tolerance_pct / 100) + slack
    return first, last, limit, last <= limit


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="http://127.0.0.1:PORT of the server")
    ap.add_argument("--pid", type=int, required=True, help="the server's pid")
    ap.add_argument("--data", default="", help="the server's data folder")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--interval", type=float, default=10, help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=120, help="seconds of load before RSS counts")
    ap.add_argument("--rss-tolerance", type=float, default=10, help="percent")
    ap.add_argument("--rss-slack-mib", type=float, default=8)
    ap.add_argument("--keep-users", action="store_true",
                    help="diagnosis: log out instead of deleting each user (live users grow)")
    args = ap.parse_args()

    prefix = "http://127.0.0.1:"
    if not args.url.startswith(prefix) or not args.url[len(prefix):].isdigit():
        sys.exit("soak_client: --url must be http://127.0.0.1:PORT (loopback only)")
    port = int(args.url[len(prefix):])
    data_dir = os.path.realpath(args.data) if args.data else ""

    stats = Stats()
    gate = Gate()
    t0 = time.monotonic()
    before = sample(args.pid, data_dir, port, t0, stats, gate)
    duration = args.minutes * 60
    deadline = t0 + duration
    workers = [Worker(i, "127.0.0.1", port, deadline, stats, args.keep_users, gate)
               for i in range(args.workers)]
    for w in workers:
        w.start()

    samples = []
    next_at = t0 + args.interval
    while next_at <= deadline + 0.5:  # bounded: duration / interval samples
        time.sleep(max(0.0, next_at - time.monotonic()))
        samples.append(sample(args.pid, data_dir, port, t0, stats, gate))
        print("soak: t=%4.0fs RSS %7.1f MiB (block cache %.1f, memtables %.1f, RSS - cache %.1f, "
              "file-backed %.1f), fds %d (sockets %d, data %d, other %d), %d requests"
              % (samples[-1]["t"], samples[-1]["rss_kib"] / 1024, samples[-1]["cache_kib"] / 1024,
                 samples[-1]["memtables_kib"] / 1024, samples[-1]["rest_kib"] / 1024,
                 samples[-1]["file_kib"] / 1024,
                 samples[-1]["fds"],
                 samples[-1]["sockets"], samples[-1]["data"], samples[-1]["other"],
                 samples[-1]["requests"]), file=sys.stderr, flush=True)
        next_at += args.interval
    for w in workers:
        w.join(timeout=60)  # a request times out after 30 s: a worker ends within ~35 s
    stuck = sum(w.is_alive() for w in workers)
    time.sleep(3)  # let the server close the finished connections
    after = sample(args.pid, data_dir, port, t0, stats, gate)
    elapsed = time.monotonic() - t0

    # --- verdicts ---
    checks = []
    after_warmup = [s for s in samples if s["t"] > args.warmup]
    rss = grew([s["rest_kib"] for s in after_warmup], args.rss_tolerance,
               args.rss_slack_mib * 1024)
    if rss:
        first, last, limit, ok = rss
        checks.append(("RSS minus RocksDB's block cache, after warm-up (median of last third vs "
                       "first third)",
                       "%.1f -> %.1f MiB (%+.1f%%), limit %.1f MiB" % (
                           first / 1024, last / 1024, 100 * (last - first) / first, limit / 1024),
                       ok))
    else:
        checks.append(("RSS after warm-up", "too few samples after the warm-up", False))
    whole = grew([s["rss_kib"] for s in after_warmup], 0, 0)
    if whole:
        checks.append(("whole RSS after warm-up (reported, not checked)", "%.1f -> %.1f MiB" % (
            whole[0] / 1024, whole[1] / 1024), True))
    split = (grew([s["file_kib"] for s in after_warmup], 0, 0),
             grew([s["anon_rest_kib"] for s in after_warmup], 0, 0))
    if all(split):
        checks.append(("of which file-backed (code) / anonymous minus cache (reported, not "
                       "checked)", "%.1f -> %.1f MiB / %.1f -> %.1f MiB" % (
                           split[0][0] / 1024, split[0][1] / 1024, split[1][0] / 1024,
                           split[1][1] / 1024), True))
    over = [s for s in samples if s["cache_kib"] > s["cache_capacity_kib"]]
    checks.append(("block cache within its capacity", "largest %.1f MiB of %.1f MiB" % (
        max(s["cache_kib"] for s in samples) / 1024, samples[-1]["cache_capacity_kib"] / 1024),
        not over))
    data = grew([s["data"] for s in after_warmup], 50, 16)
    if data:
        first, last, limit, ok = data
        checks.append(("data-folder descriptors level off (last third vs first third)",
                       "%.0f -> %.0f, limit %.0f" % (first, last, limit), ok))
    checks.append(("sockets, idle before vs idle after", "%d -> %d" % (
        before["sockets"], after["sockets"]), after["sockets"] <= before["sockets"]))
    checks.append(("descriptors outside the data folder, before vs after", "%d -> %d" % (
        before["other"], after["other"]), after["other"] <= before["other"]))
    bad = {k: n for k, n in stats.by_kind.items() if EXPECTED.get(k[0]) != k[1]}
    checks.append(("unexpected statuses (5xx, errors, anything else)",
                   ", ".join("%s %s x%d" % (k[0], k[1], n) for k, n in sorted(
                       bad.items(), key=str)) or "none", not bad))
    checks.append((".sst files in the data folder (reported, not checked)", "%d -> %d" % (
        before["tables"], after["tables"]), True))
    checks.append(("every sample taken with no request in flight", "%d of %d" % (
        sum(x["quiet"] for x in samples), len(samples)), all(x["quiet"] for x in samples)))
    checks.append(("workers finished", "%d of %d still running" % (stuck, len(workers)),
                   stuck == 0))

    # --- report ---
    cycles = sum(w.cycles for w in workers)
    print("\n### Soak: %.1f min, %d workers, %d user lives, %d requests (%.1f req/s)\n" % (
        elapsed / 60, len(workers), cycles, stats.total, stats.total / max(elapsed, 1e-9)))
    print("| t (s) | RSS, load paused (MiB) | block cache | memtables | RSS minus cache "
          "| RSS under load (MiB) | fds | sockets | data folder | other | .sst files on disk "
          "| requests so far |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in [before] + samples + [after]:
        print("| %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %d | %d | %d | %d | %d | %d |" % (
            s["t"], s["rss_kib"] / 1024, s["cache_kib"] / 1024, s["memtables_kib"] / 1024,
            s["rest_kib"] / 1024, s["loaded_rss_kib"] / 1024, s["fds"], s["sockets"],
            s["data"], s["other"], s["tables"], s["requests"]))
    print("\n(first row: idle before the load; last row: idle, 3 s after it)\n")
    print("| request | expected | answers | statuses |")
    print("|---|---:|---:|---|")
    for kind, want in EXPECTED.items():
        got = {k[1]: n for k, n in stats.by_kind.items() if k[0] == kind}
        print("| %s | %s | %d | %s |" % (kind, want, sum(got.values()), ", ".join(
            "%s: %d" % (st, n) for st, n in sorted(got.items(), key=str))))
    print("\n| check | measured | verdict |")
    print("|---|---|---|")
    for name, measured, ok in checks:
        print("| %s | %s | %s |" % (name, measured, "pass" if ok else "**FAIL**"))
    failed = [c for c in checks if not c[2]]
    print("\nsoak: %s" % ("FAILED: " + "; ".join(c[0] for c in failed) if failed else "PASSED"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
