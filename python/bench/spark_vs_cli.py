#!/usr/bin/env python3
"""Spark local[2] against the CLI with 2 threads on the same Parquet file, in one run (a bench,
not a test): wall times, the ratio, Spark's time split (scan, link + key shuffle, components),
the component rounds and the links shuffled, and whether the persons agree.

    python/bench/spark_vs_cli.py /var/tmp/bench16/pii256.parquet target/release/xborder

Build the extension in release first (`maturin develop --release`). Each side runs twice; the
second (warm) run is reported. Prints one JSON object.
"""

import json
import os
import subprocess
import sys
import time

AS_OF = "2026-11-28"


def main():
    data, cli = sys.argv[1], sys.argv[2]
    size = os.path.getsize(data)
    out = {"file": data, "bytes": size}
    for run in range(2):
        t = time.perf_counter()
        p = subprocess.run([cli, "scan", data, "--threads", "2", "--format", "json", "--as-of", AS_OF], capture_output=True, text=True)
        cli_s = time.perf_counter() - t
        want = json.loads(p.stdout)
    out["cli_s"] = cli_s
    out["cli_persons"] = want["persons"]

    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    import xborder.spark

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "3g")
        .config("spark.sql.shuffle.partitions", "4")
        # Both cores scan: Parquet splits into partitions of at most 32 MB of row groups.
        .config("spark.sql.files.maxPartitionBytes", str(32 << 20))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    for run in range(2):
        df = spark.read.parquet(data)
        stats = {}
        t = time.perf_counter()
        got = xborder.spark.assess(df, as_of=AS_OF, stats=stats)
        spark_s = time.perf_counter() - t
    out["spark_partitions"] = df.rdd.getNumPartitions()
    out["spark_s"] = spark_s
    out["spark_split"] = {k: round(v, 2) if isinstance(v, float) else v for k, v in stats.items()}
    out["spark_persons"] = got["persons"]
    out["persons_equal"] = got["persons"] == want["persons"]
    out["verdict_equal"] = got["verdict"] == want["verdict"]
    out["ratio_spark_over_cli_throughput"] = round(cli_s / spark_s, 3)
    out["cli_mb_s"] = round(size / cli_s / 1e6, 1)
    out["spark_mb_s"] = round(size / spark_s / 1e6, 1)
    out["spark_scan_mb_s"] = round(size / stats["scan_s"] / 1e6, 1)
    out["rows"] = sum(i["rows"] for i in want["inputs"])
    print(json.dumps(out, indent=1, ensure_ascii=False))
    spark.stop()


if __name__ == "__main__":
    main()
