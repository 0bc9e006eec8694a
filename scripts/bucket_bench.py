#!/usr/bin/env python3
"""Object-store throughput against local disk (issue 5's performance bar).

Makes 200 objects (100 CSV.gz, 100 Parquet) from one CSV of the benchmark kit's generator, writes
them to a local directory and uploads the same bytes to a moto server started here on a free
loopback port, then times `xborder scan DIR` and `xborder scan s3://bench/data/` alternately
(`/usr/bin/time -v`: wall clock and peak RSS) and prints the medians and the throughput ratio
(local time / bucket time; the bar is >= 0.7).

    cargo build --profile profiling --features cloud
    PY="$(scripts/venv.sh | tail -n1)"
    "$PY" scripts/bucket_bench.py --bin "$CARGO_TARGET_DIR/profiling/xborder" [--size 200MB] [--runs 3]

Runs the venv's python (boto3 and pyarrow come with the test requirements). Stops moto by its PID.
"""

import argparse
import gzip
import io
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import pyarrow as pa
import pyarrow.csv as pc
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KIT = os.path.join(os.path.dirname(ROOT), "shared", "bench")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_objects(work, size, n):
    src = os.path.join(work, "pii.csv")
    subprocess.run([sys.executable, os.path.join(KIT, "gen_pii_csv.py"), "--out", src, "--size", size], check=True,
                   stdout=subprocess.DEVNULL)
    data = os.path.join(work, "data")
    os.makedirs(data)
    with open(src, "rb") as f:
        header = f.readline()
        lines = f.readlines()
    per = (len(lines) + n - 1) // n
    for k in range(n):
        part = header + b"".join(lines[k * per:(k + 1) * per])
        if k % 2 == 0:
            with open(os.path.join(data, f"part-{k:03}.csv.gz"), "wb") as f:
                f.write(gzip.compress(part, 6))
        else:
            cols = header.decode().strip().split(",")
            tbl = pc.read_csv(io.BytesIO(part), convert_options=pc.ConvertOptions(
                column_types={c: pa.string() for c in cols}, strings_can_be_null=False))
            pq.write_table(tbl, os.path.join(data, f"part-{k:03}.parquet"), compression="snappy")
    return data


def timed(cmd, env):
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"{cmd} exited {r.returncode}:\n{r.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    return secs, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin")
    ap.add_argument("--work", help="keep the objects in this directory (reused when it holds them)")
    ap.add_argument("--prepare-only", action="store_true", help="make the objects and stop")
    ap.add_argument("--size", default="200MB")
    ap.add_argument("--objects", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="xborder-bucket-bench-")
    os.makedirs(work, exist_ok=True)
    moto = None
    try:
        data = os.path.join(work, "data")
        if not (os.path.isdir(data) and len(os.listdir(data)) == a.objects):
            shutil.rmtree(data, ignore_errors=True)
            data = make_objects(work, a.size, a.objects)
        if a.prepare_only:
            return
        if not a.bin:
            sys.exit("--bin is required")
        files = sorted(os.listdir(data))
        total = sum(os.path.getsize(os.path.join(data, f)) for f in files)
        port = free_port()
        moto = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1",
                                 "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        s3 = boto3.client("s3", endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
        s3.create_bucket(Bucket="bench")
        for f in files:
            with open(os.path.join(data, f), "rb") as fh:
                s3.put_object(Bucket="bench", Key=f"data/{f}", Body=fh.read())
        env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ALLOW_HTTP="true", AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
        common = ["scan", "--format", "json", "--output", os.devnull, "--fail-at", "prohibited",
                  "--ledger", os.path.join(work, "none.db")]
        local_cmd = [a.bin] + common + [data]
        bucket_cmd = [a.bin] + common + ["s3://bench/data/", "--concurrency", str(a.concurrency)]
        timed(local_cmd, env)  # warm the page cache
        local, bucket = [], []
        for _ in range(a.runs):
            local.append(timed(local_cmd, env))
            bucket.append(timed(bucket_cmd, env))
        lt = statistics.median(t for t, _ in local)
        bt = statistics.median(t for t, _ in bucket)
        print(f"objects: {len(files)} ({sum(f.endswith('.gz') for f in files)} CSV.gz, "
              f"{sum(f.endswith('.parquet') for f in files)} Parquet), {total / 1e6:.1f} MB stored")
        print(f"local disk:  {lt:.2f} s  {total / lt / 1e6:.1f} MB/s  peak RSS {max(r for _, r in local) / 1024:.0f} MB")
        print(f"moto bucket: {bt:.2f} s  {total / bt / 1e6:.1f} MB/s  peak RSS {max(r for _, r in bucket) / 1024:.0f} MB")
        print(f"ratio (bucket throughput / local throughput): {lt / bt:.2f}")
    finally:
        if moto is not None:
            moto.kill()
            moto.wait()
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
