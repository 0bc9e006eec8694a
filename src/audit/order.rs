//! The order of archived exports: a manifest, a date in the name, or the modification time.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Serialize;

use crate::time::Date;
use crate::{Error, Result};

/// Where the run's order came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderSource {
    Manifest,
    ObjectName,
    ModificationTime,
}

impl OrderSource {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderSource::Manifest => "manifest",
            OrderSource::ObjectName => "object_name",
            OrderSource::ModificationTime => "modification_time",
        }
    }
}

/// How one object's date was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    Manifest,
    /// A full date in the name (`20250315`, `2025-03-15`, `2025/03/15/`).
    Name,
    /// Only a month in the name (`2025-03`): taken as the month's first day.
    NameMonth,
    ModificationTime,
}

/// An archived export with the date it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archived<T = PathBuf> {
    pub object: T,
    pub date: Date,
    pub source: DateSource,
}

/// One manifest line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// As written, resolved against the manifest's directory (an object-store URL as written).
    pub path: PathBuf,
    /// As written.
    pub written: String,
    pub date: Date,
}

/// What the ordering needs of an archived export: a local file ([`PathBuf`]) or an object of a
/// store (`ObjectEntry`, `cloud` feature).
pub trait Exported {
    /// The name reports give it: a path, a URL.
    fn name(&self) -> String;
    /// Where a date in the name is looked for: the file name, then a `YYYY/MM[/DD]/` prefix (a
    /// file's path, an object's key).
    fn name_path(&self) -> PathBuf;
    /// A manifest line names exactly this export (a file by path, an object by URL or key).
    fn is(&self, e: &ManifestEntry) -> bool;
    /// Its last modification (a file's mtime, an object's Last-Modified), Unix seconds.
    fn modified_unix(&self) -> Result<i64>;
}

impl Exported for PathBuf {
    fn name(&self) -> String {
        self.display().to_string()
    }

    fn name_path(&self) -> PathBuf {
        self.clone()
    }

    fn is(&self, e: &ManifestEntry) -> bool {
        same_file(&e.path, self)
    }

    fn modified_unix(&self) -> Result<i64> {
        let m = std::fs::metadata(self)
            .and_then(|m| m.modified())
            .map_err(|e| Error::io(self.display().to_string(), &e))?;
        Ok(match m.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        })
    }
}

#[cfg(feature = "cloud")]
impl Exported for crate::source::object::ObjectEntry {
    fn name(&self) -> String {
        self.url.clone()
    }

    fn name_path(&self) -> PathBuf {
        PathBuf::from(self.location.as_ref())
    }

    fn is(&self, e: &ManifestEntry) -> bool {
        e.written == self.url || e.written.trim_start_matches('/') == self.location.as_ref()
    }

    fn modified_unix(&self) -> Result<i64> {
        Ok(self.modified_unix)
    }
}

fn name_date_regex() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    // A year 2000–2099, a month, optionally a day, separated by -, _, . or nothing, and not part
    // of a longer number (an order number 1202503150001 is not a date).
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?:^|[^0-9])(20[0-9]{2})[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(0[1-9]|[12][0-9]|3[01]))?(?:[^0-9]|$)",
        )
        .expect("date regex")
    })
}

fn prefix_date_regex() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"(?:^|/)(20[0-9]{2})/(0[1-9]|1[0-2])(?:/(0[1-9]|[12][0-9]|3[01]))?(?:/|$)")
            .expect("prefix regex")
    })
}

fn captures_date(c: regex::Captures<'_>) -> Option<(Date, DateSource)> {
    let y: i32 = c.get(1)?.as_str().parse().ok()?;
    let m: u32 = c.get(2)?.as_str().parse().ok()?;
    match c.get(3) {
        Some(d) => Some((Date::new(y, m, d.as_str().parse().ok()?)?, DateSource::Name)),
        None => Some((Date::new(y, m, 1)?, DateSource::NameMonth)),
    }
}

/// The date in an object's name: in the file name first, else in a `YYYY/MM[/DD]/` prefix of its
/// path (bucket layouts). The last match in the file name wins (`backup-2024-export-2025-03`).
pub fn date_in_name(path: &Path) -> Option<(Date, DateSource)> {
    let name = path.file_name()?.to_string_lossy();
    let re = name_date_regex();
    let mut found = None;
    let mut at = 0;
    // A match takes one separator on each side: go on right after its last digit, so the next
    // date can use that separator.
    while let Some(c) = re.captures_at(&name, at) {
        at = c.get(3).or_else(|| c.get(2)).map(|m| m.end()).unwrap_or(name.len());
        if let Some(d) = captures_date(c) {
            found = Some(d);
        }
    }
    if found.is_some() {
        return found;
    }
    let parent = path.parent()?.to_string_lossy().replace('\\', "/");
    prefix_date_regex().captures_iter(&parent).filter_map(captures_date).last()
}

/// Parse `YYYY-MM-DD` or an RFC 3339 time (`2025-03-15T23:30:00Z` is 2025-03-16 in Asia/Shanghai;
/// a time without offset is taken as Asia/Shanghai).
pub fn parse_when(s: &str) -> Option<Date> {
    let s = s.trim();
    let date = Date::parse(s.get(..10)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(date);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (time, offset_secs) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, Some(0i64))
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let hm: Vec<&str> = off[1..].split(':').collect();
        let h: i64 = hm.first()?.parse().ok()?;
        let m: i64 = hm.get(1).map(|m| m.parse().ok()).unwrap_or(Some(0))?;
        (t, Some(sign * (h * 3600 + m * 60)))
    } else {
        (rest, None)
    };
    let parts: Vec<&str> = time.split(':').collect();
    let h: i64 = parts.first()?.parse().ok()?;
    let m: i64 = parts.get(1)?.parse().ok()?;
    let sec: i64 = parts.get(2).map(|s| s.split('.').next().unwrap_or("0").parse().ok()).unwrap_or(Some(0))?;
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let Some(off) = offset_secs else { return Some(date) };
    let unix = date.to_days() * 86_400 + h * 3600 + m * 60 + sec - off;
    Some(Date::from_unix_cst(unix))
}

/// Split one CSV line (quotes with doubled quotes; no line breaks inside fields).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|f| f.trim().to_string()).collect()
}

const PATH_KEYS: [&str; 4] = ["path", "object", "file", "key"];
const DATE_KEYS: [&str; 5] = ["date", "sent_at", "transferred_at", "exported_at", "time"];

/// Read a manifest: CSV with a header naming a path column (`path`, `object`, `file`, `key`) and
/// a date column (`date`, `sent_at`, `transferred_at`, `exported_at`, `time`), or JSON — an array
/// of objects with those fields, or `{"transfers": [...]}`. Errors name the file and the line or
/// entry.
pub fn load_manifest(path: &Path) -> Result<Vec<ManifestEntry>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, &e))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let usage = |m: String| Error::Usage(format!("manifest {name}: {m}"));
    let resolve = |p: &str| {
        let written = p.to_string();
        let p = PathBuf::from(p);
        let path = if p.is_absolute() || crate::source::is_object_url(&written) { p } else { base.join(p) };
        (path, written)
    };
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let mut out = Vec::new();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(trimmed).map_err(|e| usage(format!("not valid JSON (line {})", e.line())))?;
        let items = match &v {
            serde_json::Value::Array(a) => a.clone(),
            serde_json::Value::Object(o) => match o.get("transfers").or_else(|| o.get("objects")) {
                Some(serde_json::Value::Array(a)) => a.clone(),
                _ => return Err(usage("expected an array, or an object with a \"transfers\" array".into())),
            },
            _ => return Err(usage("expected an array of {\"path\", \"date\"} objects".into())),
        };
        for (i, item) in items.iter().enumerate() {
            let field = |keys: &[&str]| keys.iter().find_map(|k| item.get(*k).and_then(|v| v.as_str()));
            let p = field(&PATH_KEYS).ok_or_else(|| usage(format!("entry {}: no \"path\"", i + 1)))?;
            let d = field(&DATE_KEYS).ok_or_else(|| usage(format!("entry {}: no \"date\"", i + 1)))?;
            let date =
                parse_when(d).ok_or_else(|| usage(format!("entry {}: date is not YYYY-MM-DD or RFC 3339", i + 1)))?;
            let (path, written) = resolve(p);
            out.push(ManifestEntry { path, written, date });
        }
    } else {
        let mut lines = trimmed.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header)) = lines.next() else { return Err(usage("empty".into())) };
        let header: Vec<String> = csv_fields(header).into_iter().map(|h| h.to_ascii_lowercase()).collect();
        let col = |keys: &[&str]| header.iter().position(|h| keys.contains(&h.as_str()));
        let pc = col(&PATH_KEYS).ok_or_else(|| usage("the header names no path column (path, object, file)".into()))?;
        let dc = col(&DATE_KEYS).ok_or_else(|| usage("the header names no date column (date, sent_at)".into()))?;
        for (n, line) in lines {
            let f = csv_fields(line);
            let (Some(p), Some(d)) = (f.get(pc), f.get(dc)) else {
                return Err(usage(format!("line {}: expected {} fields", n + 1, header.len())));
            };
            let date =
                parse_when(d).ok_or_else(|| usage(format!("line {}: date is not YYYY-MM-DD or RFC 3339", n + 1)))?;
            let (path, written) = resolve(p);
            out.push(ManifestEntry { path, written, date });
        }
    }
    Ok(out)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Date and order the exports (see the module doc). An export a manifest does not list is a
/// usage error naming it: the audit would otherwise guess its place. A manifest line names an
/// export exactly ([`Exported::is`]), else by its file name when only one line has that name.
pub fn order_objects<T: Exported + Clone>(
    objects: &[T],
    manifest: Option<&[ManifestEntry]>,
) -> Result<(OrderSource, Vec<Archived<T>>)> {
    let (source, mut out) = if let Some(entries) = manifest {
        let mut out = Vec::with_capacity(objects.len());
        for p in objects {
            let by_path = entries.iter().position(|e| p.is(e));
            let by_name = || {
                let np = p.name_path();
                let name = np.file_name()?;
                let hits: Vec<usize> = entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.path.file_name() == Some(name))
                    .map(|(i, _)| i)
                    .collect();
                (hits.len() == 1).then(|| hits[0])
            };
            let Some(i) = by_path.or_else(by_name) else {
                return Err(Error::Usage(format!(
                    "{} is not in the manifest: add it with its date, or leave it out of the audit",
                    p.name()
                )));
            };
            out.push((i as i64, Archived { object: p.clone(), date: entries[i].date, source: DateSource::Manifest }));
        }
        (OrderSource::Manifest, out)
    } else {
        let named: Vec<Option<(Date, DateSource)>> = objects.iter().map(|p| date_in_name(&p.name_path())).collect();
        if !objects.is_empty() && named.iter().all(Option::is_some) {
            let out = objects
                .iter()
                .zip(named)
                .enumerate()
                .map(|(i, (p, d))| {
                    let (date, source) = d.expect("all dated");
                    (i as i64, Archived { object: p.clone(), date, source })
                })
                .collect();
            (OrderSource::ObjectName, out)
        } else {
            let mut out = Vec::with_capacity(objects.len());
            for p in objects {
                // The whole time orders exports of one day, not only the date.
                let secs = p.modified_unix()?;
                let date = Date::from_unix_cst(secs);
                out.push((secs, Archived { object: p.clone(), date, source: DateSource::ModificationTime }));
            }
            (OrderSource::ModificationTime, out)
        }
    };
    // By date; ties: the manifest's order, or the modification time to the second, then the name.
    match source {
        OrderSource::Manifest => out.sort_by_key(|a| (a.1.date, a.0)),
        OrderSource::ModificationTime => out.sort_by_cached_key(|a| (a.1.date, a.0, a.1.object.name())),
        _ => out.sort_by_cached_key(|a| (a.1.date, a.1.object.name())),
    }
    Ok((source, out.into_iter().map(|(_, a)| a).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn dates_in_names() {
        let got = |s: &str| date_in_name(Path::new(s));
        assert_eq!(got("exports/orders-2025-03.csv"), Some((d("2025-03-01"), DateSource::NameMonth)));
        assert_eq!(got("20250315.parquet"), Some((d("2025-03-15"), DateSource::Name)));
        assert_eq!(got("dump_2025_11_30.json.gz"), Some((d("2025-11-30"), DateSource::Name)));
        assert_eq!(got("bucket/exports/2025/07/09/part-0001.csv"), Some((d("2025-07-09"), DateSource::Name)));
        assert_eq!(got("backup-2024-01-export-2025-02-03.csv"), Some((d("2025-02-03"), DateSource::Name)));
        // an order number, an invalid month, no date
        assert_eq!(got("orders-1202503150001.csv"), None);
        assert_eq!(got("x-2025-13.csv"), None);
        assert_eq!(got("customers.csv"), None);
    }

    #[test]
    fn manifest_times() {
        assert_eq!(parse_when("2025-03-15"), Some(d("2025-03-15")));
        assert_eq!(parse_when("2025-03-15T23:30:00Z"), Some(d("2025-03-16")));
        assert_eq!(parse_when("2025-03-15T23:30:00+08:00"), Some(d("2025-03-15")));
        assert_eq!(parse_when("2025-01-01T01:00:00+09:00"), Some(d("2025-01-01")));
        assert_eq!(parse_when("2025-13-01"), None);
        assert_eq!(parse_when("soon"), None);
    }

    #[test]
    fn csv_and_json_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("m.csv");
        std::fs::write(&m, "path,date\nb.csv,2025-02-01\n\"a,1.csv\",2025-01-05\n").unwrap();
        let e = load_manifest(&m).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].path, dir.path().join("a,1.csv"));
        assert_eq!(e[1].date, d("2025-01-05"));
        let j = dir.path().join("m.json");
        std::fs::write(&j, r#"{"transfers": [{"object": "x.csv", "sent_at": "2025-04-01T10:00:00+08:00"}]}"#).unwrap();
        assert_eq!(load_manifest(&j).unwrap()[0].date, d("2025-04-01"));
        std::fs::write(&j, r#"[{"path": "x.csv"}]"#).unwrap();
        assert!(load_manifest(&j).unwrap_err().to_string().contains("entry 1"));
        // order: by date, names matched by path or by unique file name
        let objs = vec![dir.path().join("b.csv"), dir.path().join("a,1.csv")];
        let (src, out) = order_objects(&objs, Some(&e)).unwrap();
        assert_eq!(src, OrderSource::Manifest);
        assert_eq!(out[0].object, objs[1]);
        assert!(order_objects(&[dir.path().join("c.csv")], Some(&e)).is_err());
    }
}
