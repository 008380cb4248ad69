#!/usr/bin/env python3
"""argon2id verifies/s and CPU ms per verify of a running process, from /proc alone.

    bench/argon2_cpu.py PID SECONDS

libsodium maps argon2id's work area with MAP_POPULATE and unmaps it after every verify, so one
verify costs exactly memory_kib / 4 minor page faults (4,864 with authd's 19 MiB). The threads
that fault are the hashing ones; their faults count the verifies and their user + system ticks
give the CPU one verify cost. Works the same on authd and on bench/argon2_baseline, which makes
the two comparable even when the host's speed changes between runs (docs/BENCHMARKS.md).
"""
import os
import sys
import time

FAULTS_PER_VERIFY = 19 * 1024 // 4
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def snapshot(pid):
    faults = ticks = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended between listdir and open
        # After the command name: [7] minflt, [11] utime, [12] stime.
        if int(fields[7]) > 0:
            faults += int(fields[7])
            ticks += int(fields[11]) + int(fields[12])
    return faults, ticks


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pid, seconds = int(sys.argv[1]), float(sys.argv[2])
    before = snapshot(pid)
    time.sleep(seconds)
    after = snapshot(pid)
    verifies = (after[0] - before[0]) / FAULTS_PER_VERIFY
    cpu_ms = 1000 * (after[1] - before[1]) / TICKS_PER_SECOND
    print(f"{verifies / seconds:.2f} verifies/s, {cpu_ms / max(verifies, 1):.1f} CPU ms/verify")


if __name__ == "__main__":
    main()
