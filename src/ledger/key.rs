//! The hashing key of a ledger: 32 bytes from `XBORDER_KEY` (64 hex digits) or from a `0600` key
//! file beside the ledger (`<ledger>.key`, 64 hex digits and a newline), created on first use.

use std::path::{Path, PathBuf};

use crate::persons::{random_key, KeyHasher};
use crate::{Error, Result};

/// Name of the environment variable holding the key in hex.
pub const KEY_ENV: &str = "XBORDER_KEY";

/// Where a key came from (for messages; never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `XBORDER_KEY`.
    Env,
    /// The key file beside the ledger.
    File(PathBuf),
    /// Created now, in this key file.
    Created(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env => f.write_str(KEY_ENV),
            KeySource::File(p) => write!(f, "key file {}", p.display()),
            KeySource::Created(p) => write!(f, "new key file {}", p.display()),
        }
    }
}

/// `<ledger>.key`.
pub fn key_path(ledger: &Path) -> PathBuf {
    let mut s = ledger.as_os_str().to_owned();
    s.push(".key");
    PathBuf::from(s)
}

fn parse_hex(s: &str, what: &str) -> Result<[u8; 32]> {
    let s = s.trim();
    let bad = || Error::Usage(format!("{what}: expected 64 hex digits (a 32-byte key)"));
    if s.len() != 64 || !s.is_ascii() {
        return Err(bad());
    }
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(key)
}

fn to_hex(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key for `ledger`: `env` (the value of `XBORDER_KEY`) when given, else the key file. With
/// `create`, a missing key file is created (mode `0600`, atomically: two processes creating it at
/// once end up with the same key). `Ok(None)`: no key and none created.
pub fn load_key(ledger: &Path, env: Option<&str>, create: bool) -> Result<Option<(KeyHasher, KeySource)>> {
    if let Some(hex) = env {
        return Ok(Some((KeyHasher::new(parse_hex(hex, KEY_ENV)?), KeySource::Env)));
    }
    let path = key_path(ledger);
    if let Some(k) = read_key_file(&path)? {
        return Ok(Some((KeyHasher::new(k), KeySource::File(path))));
    }
    if !create {
        return Ok(None);
    }
    let key = random_key();
    match write_new_key_file(&path, &key) {
        Ok(()) => Ok(Some((KeyHasher::new(key), KeySource::Created(path)))),
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read_key_file(&path)? {
            Some(k) => Ok(Some((KeyHasher::new(k), KeySource::File(path)))),
            None => Err(Error::Usage(format!("key file {} vanished while it was created", path.display()))),
        },
        Err(e) => Err(Error::io(path.display().to_string(), &e)),
    }
}

fn read_key_file(path: &Path) -> Result<Option<[u8; 32]>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path.display().to_string(), &e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(|e| Error::io(path.display().to_string(), &e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(Error::Usage(format!(
                "key file {} is readable by others (mode {:o}); run `chmod 600` on it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    parse_hex(&text, &format!("key file {}", path.display())).map(Some)
}

/// Write the key to a temporary file and hard-link it into place: the key file appears whole or
/// not at all, and an existing one is never replaced.
fn write_new_key_file(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(format!("{}\n", to_hex(key)).as_bytes())?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_roundtrip_and_errors() {
        let k = [0xabu8; 32];
        assert_eq!(parse_hex(&to_hex(&k), "k").unwrap(), k);
        assert!(parse_hex("abc", "k").is_err());
        assert!(parse_hex(&"zz".repeat(32), "k").is_err());
    }

    #[test]
    fn key_file_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("l.db");
        assert!(load_key(&ledger, None, false).unwrap().is_none());
        let (a, src) = load_key(&ledger, None, true).unwrap().unwrap();
        assert!(matches!(src, KeySource::Created(_)));
        let (b, src) = load_key(&ledger, None, true).unwrap().unwrap();
        assert!(matches!(src, KeySource::File(_)));
        assert_eq!(a.fingerprint(), b.fingerprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_path(&ledger)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
