use super::*;
use arrow_schema::{DataType, Field, Schema};

#[test]
fn find3_is_the_first_of_three_bytes() {
    let mut next = crate::test_util::xorshift(0x9E37_79B9_7F4A_7C15u64);
    for _ in 0..50_000 {
        let n = next() as usize % 80;
        // Mostly bytes next to the searched ones (borrows and carries), some high bytes.
        let h: Vec<u8> = (0..n).map(|_| b",-+\n\x0b\r\x0c\xac\xff\x00a1"[next() as usize % 12]).collect();
        let want = h.iter().position(|&x| x == b',' || x == b'\n' || x == b'\r');
        assert_eq!(find3(b',', b'\n', b'\r', &h), want, "{h:?}");
    }
}
use arrow_array::Array;

#[test]
fn sniffs_delimiters() {
    assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
    assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n"), b';');
    assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
    assert_eq!(sniff_delimiter("a|b|c\n\"x|y\"|2|3\n"), b'|');
}

/// Hands out at most `step` bytes per read, so records straddle every refill.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

type Rows = Vec<Vec<Option<String>>>;

/// Rows of every batch as column values, and the soft errors.
fn read_all(text: &str, step: usize, batch_size: usize) -> (Rows, Vec<String>) {
    let (rows, errors, hard) = read_limited(text, step, batch_size, 1 << 24);
    assert!(hard.is_empty(), "{hard:?}");
    (rows, errors)
}

/// Rows, soft errors and the errors that ended reading, with records limited to `max` bytes.
fn read_limited(text: &str, step: usize, batch_size: usize, max: u64) -> (Rows, Vec<String>, Vec<String>) {
    let data: &'static [u8] = Box::leak(text.as_bytes().to_vec().into_boxed_slice());
    let utf8 = Utf8Reader::new(Trickle { data, step }, encoding_rs::UTF_8, 1 << 24);
    let soft: Arc<Mutex<Vec<Error>>> = Arc::default();
    let opts = SourceOptions { batch_size, max_line_bytes: max, ..SourceOptions::default() };
    let it = open("t.csv", utf8, text, true, &opts, soft.clone()).unwrap();
    let mut rows = Vec::new();
    let mut hard = Vec::new();
    for b in it {
        let b = match b {
            Ok(b) => b,
            Err(e) => {
                hard.push(e.to_string());
                continue;
            }
        };
        rows.extend(batch_rows(&b));
    }
    let errors = soft.lock().unwrap().iter().map(|e| e.to_string()).collect();
    (rows, errors, hard)
}

#[test]
fn an_unclosed_quote_does_not_buffer_the_file() {
    // The quote on line 3 never closes: everything after it would be one field.
    let mut text = String::from("a,b\n1,2\n3,\"x\n");
    for i in 0..200_000 {
        text.push_str(&format!("{i},line\n"));
    }
    let (rows, _, hard) = read_limited(&text, 1 << 16, 8192, 1 << 18);
    assert_eq!(rows, vec![row(&["1", "2"])]);
    assert_eq!(hard.len(), 1, "{hard:?}");
    assert!(hard[0].contains("record from line 3 longer than 1 MiB"), "{}", hard[0]);
    assert!(hard[0].contains("byte offset 8"), "{}", hard[0]);
}

/// The same text through arrow-csv (csv-core's grammar), the reader this one replaced.
fn arrow_rows(text: &str, delimiter: u8) -> Rows {
    let header = header_fields(&text.as_bytes()[..header_len(text, delimiter).len], delimiter);
    let schema = Arc::new(Schema::new(
        (0..header.len()).map(|i| Field::new(format!("c{i}"), DataType::Utf8, true)).collect::<Vec<_>>(),
    ));
    let r = arrow_csv::ReaderBuilder::new(schema)
        .with_header(true)
        .with_delimiter(delimiter)
        .build(std::io::Cursor::new(text.as_bytes().to_vec()))
        .unwrap();
    r.flat_map(|b| batch_rows(&b.unwrap())).collect()
}

/// A batch of text columns as rows of values (`None` for null).
fn batch_rows(b: &RecordBatch) -> Rows {
    (0..b.num_rows())
        .map(|r| {
            b.columns()
                .iter()
                .map(|c| {
                    let c = c.as_any().downcast_ref::<StringArray>().unwrap();
                    (!c.is_null(r)).then(|| c.value(r).to_string())
                })
                .collect()
        })
        .collect()
}

fn row(v: &[&str]) -> Vec<Option<String>> {
    v.iter().map(|s| (!s.is_empty()).then(|| s.to_string())).collect()
}

#[test]
fn quotes_terminators_and_blank_lines() {
    let text = "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",3\r\n\r\n\n4,\"multi\nline\",6\rq\"uote,\"ab\"cd,\n,,\n7,8,9";
    for step in [1, 2, 3, 7, 64, 1 << 20] {
        let (rows, errors) = read_all(text, step, 2);
        assert_eq!(
            rows,
            vec![
                row(&["x,1", "say \"hi\"", "3"]),
                row(&["4", "multi\nline", "6"]),
                row(&["q\"uote", "abcd", ""]),
                row(&["", "", ""]),
                row(&["7", "8", "9"]),
            ],
            "step {step}"
        );
        assert!(errors.is_empty(), "{errors:?}");
    }
    assert_eq!(read_all(text, 5, 8192).0, arrow_rows(text, b','));
}

#[test]
fn agrees_with_arrow_csv_on_generated_text() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces = ["张三", "1381234", ",", "\"", "\"\"", "\n", "\r\n", " ", "x", "；", "\t"];
    for case in 0..200 {
        let cols = 1 + (next() % 5) as usize;
        let delim = if case % 3 == 0 { "\t" } else { "," };
        let mut text = (0..cols).map(|i| format!("h{i}")).collect::<Vec<_>>().join(delim);
        text.push_str(if case % 2 == 0 { "\n" } else { "\r\n" });
        for _ in 0..(next() % 40) {
            let fields: Vec<String> = (0..cols)
                .map(|_| {
                    let raw: String =
                        (0..next() % 4).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
                    // Quote a field holding anything special, as a writer would.
                    if raw.contains([',', '"', '\n', '\r', '\t']) || next() % 5 == 0 {
                        format!("\"{}\"", raw.replace('"', "\"\""))
                    } else {
                        raw
                    }
                })
                .collect();
            // csv-core reads a lone empty field on its own line as a blank line.
            if cols == 1 && fields[0].is_empty() {
                continue;
            }
            text.push_str(&fields.join(delim));
            text.push_str(["\n", "\r\n", "\r"][(next() % 3) as usize]);
        }
        let (ours, errors) = read_all(&text, 1 + (next() % 50) as usize, 1 + (next() % 9) as usize);
        assert!(errors.is_empty(), "case {case}: {errors:?}");
        assert_eq!(ours, arrow_rows(&text, delim.as_bytes()[0]), "case {case}: {text:?}");
    }
}

#[test]
fn ragged_and_unclosed_records_are_reported_by_line() {
    let text = "a,b\n1,2\n\"two\nlines\",3,4\n5,6\n\n7,\"open\n8";
    let (rows, errors) = read_all(text, 3, 8192);
    assert_eq!(rows, vec![row(&["1", "2"]), row(&["5", "6"]), row(&["7", "open\n8"])]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("line 3: 3 fields, expected 2"), "{}", errors[0]);
    assert!(errors[1].contains("opened on line 7") && errors[1].contains("row 4"), "{}", errors[1]);
    // No cell value in a message.
    assert!(!errors.iter().any(|e| e.contains("lines") || e.contains("open\n")), "{errors:?}");
}

#[test]
fn header_length_respects_quotes() {
    assert_eq!(header_len("\"a\nb\",c\n1,2\n", b',').len, 8);
    assert_eq!(header_len("a,b\r\n1,2", b',').len, 5);
    // A quote inside a field is text; one opening a field and never closed is reported.
    assert_eq!(header_len("na\\\"me,phone\n1,2\n", b',').len, 13);
    assert_eq!(header_len("a,\"b\n1,2\n", b',').open_quote, Some(2));
}
