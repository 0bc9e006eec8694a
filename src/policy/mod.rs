//! Policies: which categories are sensitive, and (with the ledger's year-to-date) which transfer
//! procedure the rules require.

pub mod classes;

pub use classes::{Class, Classes};
