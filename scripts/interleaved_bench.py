#!/usr/bin/env python3
# usage: ROUNDS=3 scripts/interleaved_bench.py '{"rg": "rg --count-matches ... pii.csv", "xb": "xborder scan pii.csv --threads 1 ..."}'
# Interleaved timing: each round runs every command once (A B C A B C ...); medians of wall time and of CPU time (user+sys).
import subprocess, sys, time, statistics, json, os
rounds = int(os.environ.get("ROUNDS", "3"))
cmds = json.loads(sys.argv[1])
t = {k: [] for k in cmds}; cpu = {k: [] for k in cmds}
for r in range(rounds):
    for k, c in cmds.items():
        s = time.perf_counter()
        p = subprocess.Popen(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(p.pid, 0)
        t[k].append(time.perf_counter() - s); cpu[k].append(ru.ru_utime + ru.ru_stime)
for k in cmds:
    print(f"{k:16s} wall {statistics.median(t[k]):7.3f} s  cpu {statistics.median(cpu[k]):7.3f} s  wall runs {' '.join(f'{x:.2f}' for x in t[k])}  cpu runs {' '.join(f'{x:.2f}' for x in cpu[k])}")
print("load:", open("/proc/loadavg").read().strip())
