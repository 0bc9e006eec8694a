"""xborder.spark.assess in pyspark's local mode: the CLI's report for the same data, and the
CLI's exact person counts however the rows are partitioned (persons linked only through chains
of keys across partitions)."""

import csv
import os
import sys

import pytest
from pyspark.sql import SparkSession, functions as F

import xborder
import xborder.spark
from conftest import AS_OF, SAMPLES, chained_rows, cli, write_csv


@pytest.fixture(scope="module")
def spark():
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (
        SparkSession.builder.master("local[2]")
        .appName("xborder-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        # GB18030 for the GBK sample (Spark 4 allows only a few charsets without it)
        .config("spark.sql.legacy.javaCharsets", "true")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def findings(r):
    return sorted(
        (c["input"], c["column"], tuple(sorted(c["categories"])), c["class"], c["hits"], c["inspected"], tuple(c["examples"]))
        for c in r["columns"]
    )


def sample_frames(spark):
    """sample_data read into Spark as the CLI reads it: every column as text."""
    s = str(SAMPLES) + "/"

    def csv_(name, **o):
        return spark.read.options(header=True, multiLine=True, escape='"', **o).csv(s + name)

    return {
        s + "customers.csv": csv_("customers.csv"),
        s + "customers_gbk.csv": csv_("customers_gbk.csv", encoding="GB18030", sep=";"),
        s + "decoys.csv": csv_("decoys.csv"),
        s + "events.csv.gz": csv_("events.csv.gz"),
        s + "orders.ndjson": spark.read.option("primitivesAsString", True).json(s + "orders.ndjson"),
        s + "orders_array.json": spark.read.options(primitivesAsString=True, multiLine=True).json(s + "orders_array.json"),
        s + "trips.parquet": spark.read.parquet(s + "trips.parquet"),
    }


def test_sample_data_gives_the_cli_report(spark):
    frames = sample_frames(spark)
    stats = {}
    got = xborder.spark.assess(frames, as_of=AS_OF, stats=stats)
    _, want = cli(*frames.keys(), "--as-of", AS_OF)
    assert findings(got) == findings(want)
    assert got["persons"] == want["persons"]
    assert got["persons"]["total"] > 300 and got["persons"]["sensitive"] > 200
    assert got["verdict"] == want["verdict"]
    assert got["important_data"] == want["important_data"]
    assert [(i["path"], i["rows"]) for i in got["inputs"]] == [(i["path"], i["rows"]) for i in want["inputs"]]
    assert stats["component_rounds"] >= 1 and stats["links"] > 0


COLUMNS = ["id_number", "mobile", "email", "diagnosis"]


@pytest.fixture(scope="module")
def chained(spark, tmp_path_factory):
    rows = chained_rows(400, seed=16)
    path = tmp_path_factory.mktemp("chained") / "chained.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([r[c] or "" for c in COLUMNS])
    df = spark.createDataFrame([tuple(r[c] for c in COLUMNS) for r in rows], ", ".join(f"{c} string" for c in COLUMNS))
    _, want = cli(str(path), "--as-of", AS_OF)
    return df, want


def crossing_chains(df):
    """Phones and e-mails whose rows lie in more than one partition."""
    p = df.withColumn("p", F.spark_partition_id())
    n = 0
    for c in ("mobile", "email"):
        n += p.where(F.col(c).isNotNull()).groupBy(c).agg(F.countDistinct("p").alias("k")).where("k > 1").count()
    return n


@pytest.mark.parametrize("partitions", [1, 2, 8, 32, "random"])
def test_chained_persons_equal_the_cli_however_partitioned(chained, partitions):
    df, want = chained
    if partitions == "random":
        part = df.repartition(13, F.rand(seed=7))
    else:
        part = df.repartition(partitions)
        assert part.rdd.getNumPartitions() == partitions
    if partitions != 1:
        assert crossing_chains(part) > 0, "the test needs chains that cross partitions"
    got = xborder.spark.assess(part, as_of=AS_OF)
    # The CLI's counts: 400 persons (80 of them minors), the sensitive ones by diagnosis or age,
    # and the rows with a diagnosis but no key.
    assert want["persons"]["total"] == 400 + want["persons"]["unlinked_rows"]
    assert want["persons"]["minors"] == 80 and want["persons"]["unlinked_rows"] == 20
    assert got["persons"] == want["persons"]
    assert got["verdict"] == want["verdict"]
    assert [(c["column"], c["categories"], c["hits"]) for c in got["columns"]] == [
        (c["column"], c["categories"], c["hits"]) for c in want["columns"]
    ]


def test_a_recorded_spark_run_then_a_cli_run_equal_two_cli_runs(spark, tmp_path, monkeypatch):
    monkeypatch.delenv("XBORDER_KEY", raising=False)
    first, second = chained_rows(200, seed=1), chained_rows(200, seed=2, start=150)  # 50 persons in both
    a, b = write_csv(tmp_path / "a.csv", first, COLUMNS), write_csv(tmp_path / "b.csv", second, COLUMNS)
    flags = ["--as-of", AS_OF, "--exporter", "acme", "--procedure", "standard_contract", "--record"]
    # Two CLI runs.
    cli_ledger = str(tmp_path / "cli.db")
    _, cli_first = cli(str(a), "--ledger", cli_ledger, *flags)
    _, cli_second = cli(str(b), "--ledger", cli_ledger, *flags)
    # A Spark run of the first export (its chains across 8 partitions), then the CLI.
    spark_ledger = str(tmp_path / "spark.db")
    df = spark.createDataFrame([tuple(r[c] for c in COLUMNS) for r in first], ", ".join(f"{c} string" for c in COLUMNS))
    got = xborder.spark.assess(
        df.repartition(8), as_of=AS_OF, exporter="acme", procedure="standard_contract", ledger=spark_ledger, record=True
    )
    assert got["persons"] == cli_first["persons"]
    assert got["year_to_date"] == cli_first["year_to_date"]
    _, after_spark = cli(str(b), "--ledger", spark_ledger, *flags)
    assert after_spark["year_to_date"] == cli_second["year_to_date"]
    # 200 + 200 persons with 50 in both.
    assert cli_second["year_to_date"]["persons"] == 350 + cli_first["persons"]["unlinked_rows"] + cli_second["persons"]["unlinked_rows"]
    # A dry run on the ledger judges on the year so far and records nothing.
    dry = xborder.spark.assess(df.repartition(3), as_of=AS_OF, exporter="acme", ledger=spark_ledger)
    assert dry["year_to_date"]["persons"] == after_spark["year_to_date"]["persons"] + cli_first["persons"]["unlinked_rows"]


def test_entries_cut_into_many_blobs_give_the_same_persons(chained, monkeypatch):
    df, want = chained
    # Blobs of ten entries: every partition ships its keys in many pieces.
    monkeypatch.setattr(xborder.spark, "_BLOB_BYTES", 10 * xborder.spark._ENTRY_BYTES + 5)
    got = xborder.spark.assess(df.repartition(4), as_of=AS_OF)
    assert got["persons"] == want["persons"]
