//! The fast paths of the scan give exactly the answers of the plain ones: values judged once per
//! slice (repeats, dictionary-encoded Parquet) and compressed input decompressed on a thread of
//! its own, including the errors of a cut or corrupt stream.

mod common;

use std::path::Path;

use arrow_schema::DataType;
use common::*;
use xborder::source::{Input, Source, SourceOptions};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The report's input lines without what differs by file name.
fn input_facts(r: &serde_json::Value) -> serde_json::Value {
    let i = &r["inputs"][0];
    serde_json::json!({ "rows": i["rows"], "complete": i["complete"], "errors": i["errors"], "bytes": i["bytes"] })
}

/// A few persons over many rows: every person column repeats inside each slice, so values are
/// judged once and replayed (keys, flags, examples); batch size 1 judges every value afresh.
#[test]
fn repeated_values_get_the_answers_of_distinct_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = rows(5000, 12, 5);
    // Whitespace around a repeated value, empty cells and a value of two categories.
    for (i, r) in rows.iter_mut().enumerate() {
        match i % 7 {
            0 => r[1] = format!(" {} ", r[1]),
            1 => r[3] = String::new(),
            2 => r[4] = "91350100M000100Y43".to_string(),
            _ => {}
        }
    }
    let f = dir.path().join("repeats.csv");
    std::fs::write(&f, to_csv(&rows, ",", "\n")).unwrap();
    let (want, out) = scan(&[path(&f), "--threads", "1", "--batch-size", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let want = essence(&want);
    assert!(want["persons"]["total"].as_u64().unwrap() >= 12, "{}", want["persons"]);
    for threads in ["1", "2"] {
        for bs in ["7", "32768"] {
            let (r, _) = scan(&[path(&f), "--threads", threads, "--batch-size", bs]);
            assert_eq!(essence(&r), want, "{threads} threads, batch size {bs}");
        }
    }
}

/// A Parquet file whose text columns are dictionary-encoded is read as Arrow dictionaries and
/// gives the report of the same records stored plain, and of the CSV.
#[test]
fn dictionary_parquet_gives_the_plain_report() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows(3000, 40, 6);
    let batch = to_batch(&rows);
    let dict = dir.path().join("dict.parquet");
    write_parquet(&dict, &batch, 700);
    let plain = dir.path().join("plain.parquet");
    {
        let f = std::fs::File::create(&plain).unwrap();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_dictionary_enabled(false)
            .set_max_row_group_row_count(Some(700))
            .build();
        let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }
    let csv = dir.path().join("same.csv");
    std::fs::write(&csv, to_csv(&rows, ",", "\n")).unwrap();

    // The dictionary path is the one taken: text columns arrive as dictionaries.
    let mut src = Source::open(&Input::Path(dict.clone()), &SourceOptions::default()).unwrap();
    let first = src.next().unwrap().unwrap();
    let note = first.schema().index_of("note").unwrap();
    assert!(matches!(first.column(note).data_type(), DataType::Dictionary(_, _)), "{:?}", first.schema());
    let mut src = Source::open(&Input::Path(plain.clone()), &SourceOptions::default()).unwrap();
    let first = src.next().unwrap().unwrap();
    assert_eq!(first.column(note).data_type(), &DataType::Utf8);

    let (want, out) = scan(&[path(&csv), "--threads", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let want = essence(&want);
    for f in [&plain, &dict] {
        for (threads, bs) in [("1", "32768"), ("2", "7"), ("2", "1000")] {
            let (r, _) = scan(&[path(f), "--threads", threads, "--batch-size", bs]);
            assert_eq!(essence(&r), want, "{} at {threads} threads, batch size {bs}", f.display());
        }
    }
}

/// A dictionary batch from memory (any caller's Arrow data) is judged as its text would be.
#[test]
fn dictionary_batches_from_memory_match_text() {
    use std::sync::Arc;

    use arrow_array::{Array, ArrayRef, DictionaryArray, RecordBatch};
    let rows = rows(2000, 30, 8);
    let text = to_batch(&rows);
    let cols: Vec<ArrayRef> = text
        .columns()
        .iter()
        .map(|c| {
            Arc::new(
                arrow_cast::cast(c, &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)))
                    .unwrap(),
            ) as ArrayRef
        })
        .collect();
    let fields: Vec<arrow_schema::Field> = text
        .schema()
        .fields()
        .iter()
        .zip(&cols)
        .map(|(f, c)| arrow_schema::Field::new(f.name(), c.data_type().clone(), true))
        .collect();
    let dict = RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols).unwrap();
    assert!(dict.column(0).as_any().downcast_ref::<DictionaryArray<arrow_array::types::Int32Type>>().is_some());
    let scanner =
        xborder::Scanner::builder().threads(1).as_of(xborder::time::Date::parse(AS_OF).unwrap()).build().unwrap();
    let report = |b: &RecordBatch| {
        let mut s = scanner.session();
        let id = s.begin_input("memory");
        for off in (0..b.num_rows()).step_by(600) {
            s.scan_batch(id, &b.slice(off, 600.min(b.num_rows() - off)));
        }
        let mut r = serde_json::to_value(s.report()).unwrap();
        r.as_object_mut().unwrap().remove("scanned_at");
        r
    };
    assert_eq!(report(&dict), report(&text));
}

/// `.csv.gz` read with its decompressor on a thread of its own (two threads) equals the plain
/// file, and a cut or corrupt stream fails with the same place and message as when read inline
/// (one thread).
#[test]
fn compressed_input_decompressed_ahead_equals_inline() {
    let dir = tempfile::tempdir().unwrap();
    let csv = to_csv(&rows(30_000, 3000, 9), ",", "\n");
    let plain = dir.path().join("p.csv");
    std::fs::write(&plain, &csv).unwrap();
    let gz = gzip(csv.as_bytes());
    let good = dir.path().join("p.csv.gz");
    std::fs::write(&good, &gz).unwrap();
    let cut = dir.path().join("cut.csv.gz");
    std::fs::write(&cut, &gz[..gz.len() * 2 / 3]).unwrap();
    // A wrong CRC in the trailer: every byte decodes, then the stream fails.
    let mut bad = gz.clone();
    let at = bad.len() - 8;
    bad[at] ^= 0x5a;
    let corrupt = dir.path().join("crc.csv.gz");
    std::fs::write(&corrupt, &bad).unwrap();
    // Damage in the middle of the deflate stream (it may decode to garbage rather than fail).
    let mut bad = gz.clone();
    let at = bad.len() * 2 / 3;
    bad[at..at + 64].iter_mut().for_each(|b| *b ^= 0x5a);
    let garbled = dir.path().join("garbled.csv.gz");
    std::fs::write(&garbled, &bad).unwrap();
    let zst = dir.path().join("p.csv.zst");
    std::fs::write(&zst, zstd(csv.as_bytes())).unwrap();

    let (want, _) = scan(&[path(&plain), "--threads", "1"]);
    let want = essence(&want);
    for f in [&good, &zst] {
        for threads in ["1", "2"] {
            let (r, out) = scan(&[path(f), "--threads", threads]);
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(essence(&r), want, "{} at {threads} threads", f.display());
            assert_eq!(r["inputs"][0]["complete"], true);
        }
    }
    for f in [&cut, &corrupt] {
        let (inline, out) = scan(&[path(f), "--threads", "1"]);
        assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
        let (ahead, _) = scan(&[path(f), "--threads", "2"]);
        let facts = input_facts(&inline);
        assert_eq!(facts["complete"], false);
        let e = facts["errors"][0].as_str().unwrap();
        assert!(e.contains("gzip") && e.contains("byte"), "{e}");
        assert!(facts["rows"].as_u64().unwrap() > 0, "rows before the damage are scanned");
        assert_eq!(input_facts(&ahead), facts, "{}", f.display());
        assert_eq!(essence(&ahead), essence(&inline), "{}", f.display());
    }
    let (inline, _) = scan(&[path(&garbled), "--threads", "1"]);
    let (ahead, _) = scan(&[path(&garbled), "--threads", "2"]);
    // The parser stops on the garbage (too many ragged records) while the decompressor has read
    // ahead: the same rows, findings and errors; only the count of bytes read differs.
    let (mut a, mut i) = (input_facts(&ahead), input_facts(&inline));
    assert_eq!(i["complete"], false);
    a.as_object_mut().unwrap().remove("bytes");
    i.as_object_mut().unwrap().remove("bytes");
    assert_eq!(a, i);
    assert_eq!(essence(&ahead), essence(&inline));
}
