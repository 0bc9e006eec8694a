"""xborder.scan and xborder.Session: the CLI's report from Python, every option, Arrow data
through the PyCapsule interface, bad input, and no raw value in any exception."""

import datetime
import shutil

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import xborder
from conftest import AS_OF, SAMPLES, cli

RAW_ID = "11010519491231002X"
RAW_PHONE = "13812345678"


def findings(r):
    return [(c["input"], c["column"], c["categories"], c["hits"], c["inspected"], c["examples"]) for c in r["columns"]]


def test_scan_gives_the_cli_report():
    code, want = cli(str(SAMPLES), "--as-of", AS_OF)
    got = xborder.scan(str(SAMPLES), as_of=AS_OF)
    assert got["version"] == 1
    assert findings(got) == findings(want)
    assert got["persons"] == want["persons"]
    assert got["verdict"] == want["verdict"]
    assert got["year_to_date"] == want["year_to_date"]
    assert got["persons"]["total"] == 330 and got["verdict"]["level"] == "standard_contract"
    assert code == 1  # the CLI blocks it: no procedure declared


def test_every_option(tmp_path):
    csv = SAMPLES / "customers.csv"
    base = xborder.scan(csv, as_of=AS_OF)
    # policy, procedure, fail_at, exporter, threads, batch_size, persons
    r = xborder.scan(
        [csv],
        policy="cn-national-2024",
        as_of=datetime.date(2026, 11, 28),
        exporter="acme",
        procedure="standard_contract",
        fail_at="security_assessment",
        threads=1,
        batch_size=7,
        persons="exact",
    )
    assert r["year_to_date"]["exporter"] == "acme"
    assert r["persons"] == base["persons"] and findings(r) == findings(base)
    # ciio: any personal information of a CIIO needs a security assessment
    assert xborder.scan(csv, as_of=AS_OF, ciio=True)["verdict"]["level"] == "security_assessment"
    # scenario: an exemption the operator declares
    contract = xborder.scan(csv, as_of=AS_OF, scenario=["contract"])
    _, want = cli(str(csv), "--as-of", AS_OF, "--scenario", "contract")
    assert contract["verdict"] == want["verdict"]
    # sector and zone_registered, as the CLI judges them
    z = xborder.scan(csv, as_of=AS_OF, policy="shanghai-lingang-2024", sector="automotive", zone_registered=True)
    _, want = cli(str(csv), "--as-of", AS_OF, "--policy", "shanghai-lingang-2024", "--sector", "automotive", "--zone-registered")
    assert z["verdict"] == want["verdict"]
    # sketch persons: an upper bound, never below the exact count
    s = xborder.scan(csv, as_of=AS_OF, persons="sketch")
    assert s["persons"]["method"] == "upper_bound" and s["persons"]["total"] >= base["persons"]["total"]
    # input_format and encoding (a GBK file named as such)
    gbk = tmp_path / "gbk.data"
    shutil.copy(SAMPLES / "customers_gbk.csv", gbk)
    g = xborder.scan(gbk, as_of=AS_OF, input_format="csv", encoding="gb18030")
    assert g["inputs"][0]["encoding"] == "gb18030" and g["persons"]["total"] > 0
    # show_values: raw examples only when asked
    shown = xborder.scan(csv, as_of=AS_OF, show_values=True)
    ids = [c for c in shown["columns"] if c["column"] == "id_number"][0]
    assert ids["examples"][0] == "610113197909063138"
    # catalogue and detectors: files as the CLI reads them
    cat = tmp_path / "catalogue.txt"
    cat.write_text("important:automotive:exterior_camera\n")
    assert xborder.scan(csv, as_of=AS_OF, catalogue=cat)["verdict"]["level"] == base["verdict"]["level"]
    det = tmp_path / "detectors"
    det.mkdir()
    assert xborder.scan(csv, as_of=AS_OF, detectors=[det])["persons"] == base["persons"]


def test_ledger_and_record(tmp_path, monkeypatch):
    monkeypatch.delenv("XBORDER_KEY", raising=False)
    ledger = tmp_path / "l.db"
    csv = SAMPLES / "customers.csv"
    with pytest.raises(ValueError, match="option record"):
        xborder.scan(csv, as_of=AS_OF, record=True)
    first = xborder.scan(csv, as_of=AS_OF, exporter="acme", ledger=ledger, record=True, procedure="standard_contract")
    assert ledger.exists()
    again = xborder.scan(csv, as_of=AS_OF, exporter="acme", ledger=ledger, procedure="standard_contract")
    # The same persons again: the year to date does not grow.
    assert again["year_to_date"]["persons"] == first["year_to_date"]["persons"] == first["persons"]["total"]
    other = xborder.scan(SAMPLES / "decoys.csv", as_of=AS_OF, exporter="acme", ledger=ledger)
    assert other["year_to_date"]["persons"] >= first["year_to_date"]["persons"]


@pytest.mark.parametrize(
    "options, names",
    [
        ({"bogus": 1}, "bogus"),
        ({"sector": "nope"}, "sector"),
        ({"scenario": ["nope"]}, "scenario"),
        ({"policy": "nope"}, "policy"),
        ({"as_of": "28/11/2026"}, "as_of"),
        ({"procedure": "maybe"}, "procedure"),
        ({"fail_at": "never"}, "fail_at"),
        ({"persons": "some"}, "persons"),
        ({"threads": 0}, "threads"),
        ({"threads": "two"}, "threads"),
        ({"ciio": "yes"}, "ciio"),
        ({"batch_size": -1}, "batch_size"),
        ({"encoding": "klingon"}, "encoding"),
        ({"input_format": "xls"}, "input_format"),
        ({"catalogue": "/nonexistent/cat.toml"}, "catalogue"),
    ],
)
def test_a_bad_option_is_a_value_error_naming_it(options, names):
    with pytest.raises(ValueError) as e:
        xborder.scan(SAMPLES / "customers.csv", **options)
    assert names in str(e.value)
    assert isinstance(e.value, xborder.UsageError)


def batch():
    return pa.record_batch(
        {
            "身份证号": ["11010519491231002X", "440524188001010014", None],
            "手机号": ["13812345678", "+86 139 0000 1111", "13812345678"],
            "诊断": [None, None, "2型糖尿病"],
        }
    )


def test_record_batch_session():
    s = xborder.Session(as_of=AS_OF, exporter="acme")
    assert s.scan(batch(), name="t") == 3
    r = s.report()
    # Row 3 shares row 1's phone: two persons, and row 3's diagnosis makes the first sensitive.
    assert r["persons"]["total"] == 2 and r["persons"]["sensitive"] == 1
    ids = [c for c in r["columns"] if c["column"] == "身份证号"][0]
    assert ids["categories"] == ["resident_id"] and ids["examples"][0] == "110***********002X"
    assert r["verdict"]["level"] == "standard_contract" and s.blocked
    assert s.report() is r  # judged once


def test_session_matches_the_cli_on_the_same_rows(tmp_path):
    import pyarrow.csv as pacsv

    header = (SAMPLES / "customers.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    as_text = pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=True)
    table = pacsv.read_csv(SAMPLES / "customers.csv", convert_options=as_text)
    s = xborder.Session(as_of=AS_OF)
    for b in table.to_batches(max_chunksize=1000):
        s.scan(b, name="customers")
    got = s.report()
    _, want = cli(str(SAMPLES / "customers.csv"), "--as-of", AS_OF)
    assert got["persons"] == want["persons"]
    assert [c["categories"] for c in got["columns"]] == [c["categories"] for c in want["columns"]]
    assert got["verdict"] == want["verdict"]


def test_table_polars_and_pandas_through_the_capsule():
    want = xborder.Session(as_of=AS_OF)
    want.scan(batch())
    want = want.report()
    table = pa.Table.from_batches([batch()])
    frames = {
        "table": table,
        "reader": pa.RecordBatchReader.from_batches(table.schema, table.to_batches()),
        "polars": pl.from_arrow(table),
        "pandas": table.to_pandas(),
    }
    for kind, data in frames.items():
        assert hasattr(data, "__arrow_c_stream__"), kind
        s = xborder.Session(as_of=AS_OF)
        assert s.scan(data) == 3, kind
        r = s.report()
        assert r["persons"] == want["persons"], kind
        assert [c["categories"] for c in r["columns"]] == [c["categories"] for c in want["columns"]], kind


def test_batches_of_one_input_and_of_two():
    b = batch()
    one = xborder.Session(as_of=AS_OF)
    one.scan(b.slice(0, 2), name="x")
    one.scan(b.slice(2), name="x")
    r = one.report()
    assert len(r["inputs"]) == 1 and r["inputs"][0]["rows"] == 3 and r["persons"]["total"] == 2
    two = xborder.Session(as_of=AS_OF)
    two.scan(b.slice(0, 2), name="x")
    two.scan(b.slice(2), name="y")
    assert two.report()["persons"]["total"] == 2  # linked across inputs by the phone


def test_bad_input_and_incomplete(tmp_path):
    with pytest.raises(xborder.UsageError, match="expected Arrow data"):
        xborder.Session().scan([1, 2, 3])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'name,phone\n"unterminated,' + RAW_PHONE.encode() + b"\n")
    with pytest.raises(xborder.IncompleteError) as e:
        xborder.scan([bad, SAMPLES / "decoys.csv"], as_of=AS_OF)
    assert "bad.csv" in str(e.value) and RAW_PHONE not in str(e.value)
    report = e.value.report
    assert report["inputs"][0]["complete"] is False and report["inputs"][1]["complete"] is True
    # Asked for, the report comes back, and still says incomplete.
    r = xborder.scan([bad], as_of=AS_OF, allow_incomplete=True)
    assert r["inputs"][0]["complete"] is False and r["inputs"][0]["errors"]
    with pytest.raises(xborder.IncompleteError):
        xborder.scan(tmp_path / "missing.csv")


def test_a_stream_that_fails_midway_is_an_error_without_values():
    schema = pa.schema([("手机号", pa.string())])

    def gen():
        yield pa.record_batch({"手机号": [RAW_PHONE]}, schema=schema)
        raise RuntimeError(f"upstream failed at {RAW_PHONE}")

    s = xborder.Session(as_of=AS_OF)
    with pytest.raises(Exception) as e:
        s.scan(pa.RecordBatchReader.from_batches(schema, gen()), name="feed")
    assert RAW_PHONE not in str(e.value)
    with pytest.raises(xborder.IncompleteError) as inc:
        s.report()
    assert inc.value.report["inputs"][0]["complete"] is False
    assert RAW_PHONE not in str(inc.value) and RAW_PHONE not in str(inc.value.report)


def test_no_raw_value_in_any_exception(tmp_path):
    secret_csv = tmp_path / "x.csv"
    # A malformed JSON file and a CSV with a ragged row, both holding identifiers.
    secret_csv.write_text(f"id,phone\n{RAW_ID},{RAW_PHONE}\n{RAW_ID},{RAW_PHONE},extra,{RAW_ID}\n")
    js = tmp_path / "y.json"
    js.write_text('{"phone": "' + RAW_PHONE + '"}\n{"phone": ' + RAW_PHONE + "x}\n")
    messages = []
    for path in (secret_csv, js):
        with pytest.raises(xborder.IncompleteError) as e:
            xborder.scan(path, as_of=AS_OF)
        messages.append(str(e.value))
        messages.extend(err for i in e.value.report["inputs"] for err in i["errors"])
    for bad in ({"exporter": 5}, {"threads": RAW_PHONE}):
        with pytest.raises(ValueError) as e:
            xborder.scan(secret_csv, **bad)
        messages.append(str(e.value))
    assert messages
    for m in messages:
        assert RAW_ID not in m and RAW_PHONE not in m, m


def test_the_stubs_name_every_option_and_export():
    import ast
    from pathlib import Path

    pkg = Path(xborder.__file__).parent
    tree = ast.parse((pkg / "__init__.pyi").read_text())
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    scan_kw = {a.arg for a in funcs["scan"].args.kwonlyargs}
    assert set(xborder.OPTIONS) <= scan_kw, set(xborder.OPTIONS) - scan_kw
    spark_tree = ast.parse((pkg / "spark.pyi").read_text())
    assess = [n for n in ast.walk(spark_tree) if isinstance(n, ast.FunctionDef) and n.name == "assess"][0]
    assert {o for o in xborder.OPTIONS if o not in ("batch_size", "input_format", "encoding")} <= {a.arg for a in assess.args.kwonlyargs}
    for name in xborder.__all__:
        assert hasattr(xborder, name) and name in (pkg / "__init__.pyi").read_text()
    assert (pkg / "py.typed").exists()
    assert xborder.scan.__doc__ and xborder.Session.scan.__doc__ and xborder.spark.assess.__doc__


def test_object_store_urls_need_the_cloud_build():
    with pytest.raises(xborder.UsageError, match="cloud"):
        xborder.scan("s3://bucket/exports/")
