//! The ledger's tables (the module docs of `ledger` describe them), created in a new file and
//! upgraded in place in an older one.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{err, SCHEMA_VERSION};
use crate::{Error, Result};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scopes (
    scope INTEGER PRIMARY KEY,
    exporter TEXT NOT NULL,
    year INTEGER NOT NULL,
    persons INTEGER NOT NULL DEFAULT 0,
    sensitive INTEGER NOT NULL DEFAULT 0,
    next_person INTEGER NOT NULL DEFAULT 1,
    UNIQUE (exporter, year)
);
CREATE TABLE IF NOT EXISTS person_keys (
    scope INTEGER NOT NULL,
    key_hash BLOB NOT NULL,
    person INTEGER NOT NULL,
    PRIMARY KEY (scope, key_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS persons (
    scope INTEGER NOT NULL,
    person INTEGER NOT NULL,
    sensitive INTEGER NOT NULL,
    minor INTEGER NOT NULL,
    merged_into INTEGER,
    categories INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, person)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transfers (
    seq INTEGER PRIMARY KEY,
    scope INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    verdict TEXT NOT NULL,
    persons INTEGER NOT NULL,
    new_persons INTEGER NOT NULL,
    unlinked INTEGER NOT NULL,
    body TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_scope ON transfers (scope, seq);
";

/// Per-category counts (schema version 2); created on open when missing.
const CATEGORIES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS categories (bit INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS scope_categories (
    scope INTEGER NOT NULL,
    category TEXT NOT NULL,
    persons INTEGER NOT NULL,
    PRIMARY KEY (scope, category)
) WITHOUT ROWID;
";

/// Objects recorded per scope (object-store inputs); created on open when missing.
const OBJECTS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS objects (
    scope INTEGER NOT NULL,
    url TEXT NOT NULL,
    version TEXT NOT NULL,
    transfer INTEGER NOT NULL,
    size INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (scope, url, version)
) WITHOUT ROWID;
";

/// Create the schema of a new ledger (with `create`) or upgrade an older one in place.
pub(super) fn init_or_upgrade(conn: &mut Connection, create: bool, path: &Path) -> Result<()> {
    let e = err(path);
    let has_meta: bool = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", [], |r| r.get(0))
        .map_err(&e)?;
    if !has_meta {
        if !create {
            return Err(Error::Ledger {
                path: path.display().to_string(),
                message: "not an xborder ledger (no meta table)".into(),
            });
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&e)?;
        tx.execute_batch(SCHEMA).map_err(&e)?;
        tx.execute_batch(CATEGORIES_SCHEMA).map_err(&e)?;
        tx.execute_batch(super::gate::GATE_SCHEMA).map_err(&e)?;
        tx.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?1)",
            [SCHEMA_VERSION.to_string()],
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
    }
    let mut version: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE name='schema_version'", [], |r| r.get(0))
        .optional()
        .map_err(&e)?;
    if version.as_deref() == Some("1") {
        // Version 1 → 2: persons gain their categories, scopes their per-category counts.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&e)?;
        let again: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE name='schema_version'", [], |r| r.get(0))
            .optional()
            .map_err(&e)?;
        if again.as_deref() == Some("1") {
            tx.execute_batch("ALTER TABLE persons ADD COLUMN categories INTEGER NOT NULL DEFAULT 0;").map_err(&e)?;
            tx.execute_batch(CATEGORIES_SCHEMA).map_err(&e)?;
            tx.execute("UPDATE meta SET value = '2' WHERE name = 'schema_version'", []).map_err(&e)?;
        }
        tx.commit().map_err(&e)?;
        version = Some("2".into());
    }
    // Version 2 → 3: the gate's journal.
    super::gate::upgrade(conn, path, &mut version)?;
    if version.as_deref() != Some(&SCHEMA_VERSION.to_string()) {
        return Err(Error::Ledger {
            path: path.display().to_string(),
            message: format!("schema version {version:?}, this xborder reads {SCHEMA_VERSION}"),
        });
    }
    let has_objects: bool = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='objects'", [], |r| r.get(0))
        .map_err(&e)?;
    if !has_objects {
        conn.execute_batch(OBJECTS_SCHEMA).map_err(&e)?;
    }
    Ok(())
}
