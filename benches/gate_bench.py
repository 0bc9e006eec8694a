#!/usr/bin/env python3
"""What `xborder gate` costs over `xborder scan` on one file: medians of N runs, interleaved.

    python3 ../shared/bench/gen_pii_csv.py --out /var/tmp/pii256.csv --size 256MB
    cargo build --release --features cloud
    python3 benches/gate_bench.py --bin $CARGO_TARGET_DIR/release/xborder --csv /var/tmp/pii256.csv [--s3]

Each round runs, one after the other (so that other load on the machine falls on all alike):

  scan         xborder scan FILE (no ledger: the report and verdict only)
  scan_ledger  xborder scan FILE judged on an existing ledger without persons (keyed hashing, the
               year to date read; nothing written: the scan a pipeline runs before uploading)
  scan_record  xborder scan FILE --record into a fresh ledger (judge and record, as the gate does;
               it reads the file a second time for its fingerprint)
  gate_dry_run xborder gate FILE --dry-run (no ledger: the tee's read and digest, nothing staged)
  gate         xborder gate FILE --to DIR with a fresh ledger and an empty directory
  gate_s3      (--s3) the same to s3://bench/rN/ on a moto server started here from the venv

and prints per command the median wall time and peak RSS (/usr/bin/time), and the ratios. The
verdict of the kit's files is security_assessment; every command runs with --procedure
security_assessment so that it passes (the gate commits, scan --record records).
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def timed(cmd, env=None):
    """(wall seconds, peak RSS in MB) of one run; fails loudly on a non-zero exit."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *cmd], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {out.returncode}\n{out.stderr}")
    wall, rss = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss) / 1024


def start_moto(work):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    py = subprocess.run(["bash", os.path.join(root, "scripts/venv.sh")], capture_output=True, text=True, check=True)
    server = os.path.join(os.path.dirname(py.stdout.strip().splitlines()[-1]), "moto_server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/bench", method="PUT"))
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ALLOW_HTTP="true",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
    )
    env.pop("AWS_PROFILE", None)
    return proc, env


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--s3", action="store_true", help="also gate to a moto S3 server")
    ap.add_argument("--work", help="scratch directory (default: a temporary one beside --csv)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="gate-bench-", dir=os.path.dirname(os.path.abspath(a.csv)))
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ)
    for k in ("XBORDER_KEY", "XBORDER_LEDGER"):
        env.pop(k, None)
    moto, s3env = start_moto(work) if a.s3 else (None, None)
    common = ["--format", "json", "--output", "/dev/null", "--procedure", "security_assessment"]
    times = {}
    try:
        for r in range(a.runs):
            def fresh(name):
                for suffix in ("", ".key", "-wal", "-shm", ".gate.lock"):
                    p = os.path.join(work, name + suffix)
                    if os.path.exists(p):
                        os.remove(p)
                return os.path.join(work, name)

            # An existing ledger with no persons: scan judges on it (keyed hashing, the year to
            # date read) and writes nothing, as a scan before an upload by another tool would.
            empty = fresh("e.db")
            tiny = os.path.join(work, "tiny.csv")
            with open(tiny, "w") as f:
                f.write("a,b\n1,2\n")
            subprocess.run(
                [a.bin, "scan", tiny, "--record", "--ledger", empty, *common], env=env, check=True, stderr=subprocess.DEVNULL
            )
            runs = [
                ("scan", [a.bin, "scan", a.csv, *common], env),
                ("scan_ledger", [a.bin, "scan", a.csv, "--ledger", empty, *common], env),
                ("scan_record", [a.bin, "scan", a.csv, "--record", "--ledger", fresh("s.db"), *common], env),
                ("gate_dry_run", [a.bin, "gate", a.csv, "--to", work, "--dry-run", *common], env),
            ]
            out = os.path.join(work, "out")
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            runs.append(("gate", [a.bin, "gate", a.csv, "--to", out, "--ledger", fresh("g.db"), *common], env))
            if moto:
                runs.append(
                    ("gate_s3", [a.bin, "gate", a.csv, "--to", f"s3://bench/r{r}", "--ledger", fresh("g3.db"), *common], s3env)
                )
            for name, cmd, e in runs:
                if name == "gate_s3":
                    fresh("g3.db")
                t = timed(cmd, e)
                times.setdefault(name, []).append(t)
                print(f"round {r + 1} {name:12s} {t[0]:7.2f} s  {t[1]:7.0f} MB", flush=True)
    finally:
        if moto:
            moto.kill()
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    size = os.path.getsize(a.csv)
    med = {k: statistics.median(x[0] for x in v) for k, v in times.items()}
    print(f"\n{size / 1e6:.0f} MB, medians of {a.runs} interleaved runs")
    for k, v in times.items():
        print(f"{k:12s} {med[k]:7.2f} s  {size / med[k] / 1e6:7.1f} MB/s  peak RSS {max(x[1] for x in v):5.0f} MB")
    for k in ("gate", "gate_s3"):
        if k in med:
            print(
                f"{k} / scan = {med[k] / med['scan']:.3f}   {k} / scan_ledger = {med[k] / med['scan_ledger']:.3f}"
                f"   {k} / scan_record = {med[k] / med['scan_record']:.3f}"
            )
    print(f"gate_dry_run / scan = {med['gate_dry_run'] / med['scan']:.3f}")


if __name__ == "__main__":
    main()
