//! Policies: which categories are sensitive, and — with the year-to-date person counts and what
//! the operator declares — which transfer procedure the rules require.

pub mod classes;
pub mod level;
pub mod template;

pub use classes::{Class, Classes};
pub use level::{Level, RuleVerdict, Scenario, SECTORS};
