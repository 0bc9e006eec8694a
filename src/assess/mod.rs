//! The assessor: what a scan found, the persons it counted, the exporter's year to date and what
//! the operator declares → the verdict the rules require, and the transfer to record.
//!
//! An [`Assessor`] holds the configuration that does not change between exports — the policy,
//! the operator's [`Declarations`], the exporter, the procedure it has in place and the level at
//! which an export is blocked. [`Assessor::assess`] takes a [`ScanSession`] that has read an
//! export (files, object-store objects or Arrow batches) and, with a ledger, the year so far; it
//! returns an [`Assessment`]: the report with its verdict and year to date filled, whether the
//! export is blocked, and the transfer written when the [`Record`] mode says so. One rule decides
//! recording: a complete export that is not blocked is recorded (it leaves, so it counts); a
//! blocked or incomplete one never is; an audit replay records every export.
//!
//! The command line, object-store prefixes and `audit` all go through it. [`Assessor::assess_export`]
//! is the whole of `xborder scan` for any caller: inputs named as on a command line (files,
//! directories, globs, object-store URLs) read, judged on the ledger and recorded.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{RecordBatch, StringArray};
//! use xborder::assess::Assessor;
//! use xborder::policy::Level;
//!
//! let assessor = Assessor::builder().policy_id("cn-national-2024").exporter("acme").build().unwrap();
//! let scanner = assessor.scanner_builder().threads(1).build().unwrap();
//! let batch = RecordBatch::try_from_iter([
//!     ("身份证号", Arc::new(StringArray::from(vec!["11010519491231002X"])) as _),
//!     ("银行卡号", Arc::new(StringArray::from(vec!["6228480402564890018"])) as _),
//! ]).unwrap();
//! let mut session = scanner.session();
//! let input = session.begin_input("memory");
//! session.scan_batch(input, &batch);
//! let a = assessor.assess_unrecorded(&mut session);
//! assert_eq!(a.level, Level::StandardContract); // one person with a bank card: Art. 8
//! assert!(a.blocked);
//! ```

#[cfg(feature = "ledger")]
mod export;
#[cfg(feature = "cloud")]
mod objects;

#[cfg(feature = "ledger")]
pub use export::{Events, Export, Quiet};
#[cfg(feature = "cloud")]
pub use objects::{list_objects, ObjectOptions};

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::policy::{
    evaluate, Facts, ImportantCatalogue, Level, PersonCountsByClass, Policy, PolicySet, Scenario, DEFAULT_POLICY,
};
use crate::report::{Report, YearToDate};
use crate::scan::{ScanSession, Scanner, ScannerBuilder};

#[cfg(feature = "ledger")]
use crate::ledger::{BatchPersons, Ledger, ObjectRecord, Transfer, TransferInput, TransferMeta, YtdCounts};

/// What the operator declares about an export: a scanner cannot see any of it.
#[derive(Debug, Clone, Default)]
pub struct Declarations {
    /// A critical-information-infrastructure operator (`--ciio`).
    pub ciio: bool,
    /// Registered in the free-trade zone of the policy (`--zone-registered`).
    pub zone_registered: bool,
    /// The exporter's sector (`--sector`), one the policy knows.
    pub sector: Option<String>,
    /// Scenarios (`--scenario`): national exemptions (`contract`, `hr`, `emergency`,
    /// `returned`) or business scenarios of the policy's negative list.
    pub scenarios: Vec<String>,
    /// Important-data markers a department has notified (`--catalogue`).
    pub catalogue: ImportantCatalogue,
}

/// When an assessed export is written to the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A dry run: read the ledger, write nothing.
    DryRun,
    /// Record a complete export that is not blocked (`scan --record`).
    UnlessBlocked,
    /// Record every export, whatever its verdict: it already left (`audit`).
    Always,
}

/// One export judged: the report with its verdict, and what was recorded.
#[derive(Debug)]
pub struct Assessment {
    /// The report, `verdict` and `year_to_date` filled.
    pub report: Report,
    pub level: Level,
    /// The verdict is at or above the assessor's `fail_at`: the export must not leave.
    pub blocked: bool,
    /// The year to date with this export (`None` without a ledger).
    #[cfg(feature = "ledger")]
    pub ytd: Option<YtdCounts>,
    /// The transfer written (`None` for a dry run, a blocked or incomplete export).
    #[cfg(feature = "ledger")]
    pub transfer: Option<Transfer>,
    /// An object another run recorded while this one read it: its transfer (counted once).
    pub recorded_before: Option<u64>,
    /// Keyless rows, and the sensitive among them, that the recorded transfer counted.
    pub recorded_unlinked: (u64, u64),
    /// Distinct person keys held, and the bytes the persons take (exact set or sketches).
    pub persons_memory: (u64, usize),
}

/// Work run inside the ledger transaction, after the transfer is written and before it commits.
#[cfg(feature = "ledger")]
pub type OnStaged<'a> = dyn FnMut(&Transfer) -> Result<()> + 'a;

/// How a recorded export names itself in the ledger.
#[cfg(feature = "ledger")]
#[derive(Default)]
pub struct TransferSpec<'a> {
    /// The keyed content fingerprint of the report's input `i` (asked only when recording);
    /// `None`: no fingerprints (stdin, objects named by URL and ETag).
    pub fingerprint: Option<&'a dyn Fn(usize) -> Option<String>>,
    /// Record as this object of a store (its row in `objects`, in the same transaction; its
    /// `rows` are the report's).
    pub object: Option<ObjectRecord>,
    /// Keyless rows (and the sensitive among them) of this session already recorded object by
    /// object: not counted again.
    pub recorded_unlinked: (u64, u64),
    /// Record as this `xborder gate` run: the transfer and the run's journal entry moving to
    /// `committing` are one commit (`ledger::gate`).
    pub gate_run: Option<&'a str>,
    /// Told the verdict and whether it blocks, before anything is written (inside the write
    /// transaction when recording): progress for callers that report phases (`gate::Observer`).
    pub on_verdict: Option<&'a dyn Fn(Level, bool)>,
    /// Called with the transfer once it is written in the ledger's transaction and before that
    /// commits: work that must succeed with the record (committing staged objects elsewhere)
    /// goes here. An error rolls the record back and is returned.
    pub staged: Option<&'a mut OnStaged<'a>>,
}

/// A procedure as the operator names it: `none` for no procedure (the level `allow`).
pub fn procedure_word(l: Level) -> &'static str {
    if l == Level::Allow {
        "none"
    } else {
        l.as_str()
    }
}

/// Distinct person keys and the bytes the persons take.
fn memory(session: &mut ScanSession<'_>) -> (u64, usize) {
    let bytes = session.persons_bytes();
    (session.persons().map_or(0, |p| p.keys() as u64), bytes)
}

/// Builds an [`Assessor`]; `build` checks the declarations against the policy.
#[derive(Debug, Clone)]
pub struct AssessorBuilder {
    policy: Option<Policy>,
    policy_id: String,
    declarations: Declarations,
    procedure: Level,
    fail_at: Option<Level>,
    exporter: String,
}

/// Exporter name used when none is given.
pub const UNNAMED_EXPORTER: &str = "unspecified";

impl AssessorBuilder {
    /// A built-in policy by id (default `cn-national-2024`).
    pub fn policy_id(mut self, id: &str) -> Self {
        self.policy_id = id.to_string();
        self
    }
    /// A resolved policy (from a file, say): replaces `policy_id`.
    pub fn policy(mut self, p: Policy) -> Self {
        self.policy = Some(p);
        self
    }
    pub fn declarations(mut self, d: Declarations) -> Self {
        self.declarations = d;
        self
    }
    /// The procedure the exporter has in place (`Level::Allow` = none, `StandardContract`,
    /// `SecurityAssessment`): a verdict it covers is not blocked.
    pub fn procedure(mut self, l: Level) -> Self {
        self.procedure = l;
        self
    }
    /// Block at this level instead of the first one the procedure does not cover.
    pub fn fail_at(mut self, l: Level) -> Self {
        self.fail_at = Some(l);
        self
    }
    pub fn exporter(mut self, e: &str) -> Self {
        self.exporter = e.to_string();
        self
    }

    pub fn build(self) -> Result<Assessor> {
        let policy = match self.policy {
            Some(p) => p,
            None => PolicySet::builtin()?.resolve(&self.policy_id)?,
        };
        let d = &self.declarations;
        if let Some(s) = &d.sector {
            if !policy.sectors.contains(s) {
                let known: Vec<&str> = policy.sectors.iter().map(String::as_str).collect();
                return Err(Error::Usage(format!(
                    "--sector {s:?}: unknown sector; policy {} knows {}",
                    policy.id,
                    known.join(", ")
                )));
            }
        }
        let (national, listed) = split_scenarios(&policy, d.sector.as_deref(), &d.scenarios)?;
        let fail_at = self.fail_at.unwrap_or_else(|| default_fail_at(self.procedure));
        Ok(Assessor {
            policy,
            declarations: self.declarations,
            national,
            listed,
            procedure: self.procedure,
            fail_at,
            exporter: self.exporter,
        })
    }
}

/// The lowest verdict `procedure` does not cover: where an export is blocked by default.
/// `needs_review` is no procedure (a person decides) and `prohibited` is covered by none.
pub fn default_fail_at(procedure: Level) -> Level {
    Level::ALL.into_iter().find(|&l| crate::audit::lacks(l, procedure)).unwrap_or(Level::Prohibited)
}

/// `--scenario` values: national exemptions, and business scenarios of the policy's negative
/// list, which must belong to the declared sector. Anything else is a usage error naming the
/// valid ids.
fn split_scenarios(policy: &Policy, sector: Option<&str>, given: &[String]) -> Result<(Vec<Scenario>, Vec<String>)> {
    let (mut national, mut listed) = (Vec::new(), Vec::new());
    for s in given {
        if let Ok(n) = s.parse::<Scenario>() {
            national.push(n);
            continue;
        }
        match policy.list_scenario(s) {
            Some(ls) if sector == Some(ls.sector.as_str()) => listed.push(ls.id.clone()),
            Some(ls) => {
                return Err(Error::Usage(format!(
                    "--scenario {s}: {} is a business scenario of the {} sector of policy {}; declare --sector {}",
                    ls.name, ls.sector, policy.id, ls.sector
                )))
            }
            None => {
                let mut valid: Vec<String> = Scenario::ALL.iter().map(|x| x.as_str().to_string()).collect();
                valid.extend(policy.list_scenarios.iter().map(|x| format!("{} ({}, {})", x.id, x.sector, x.name)));
                return Err(Error::Usage(format!(
                    "--scenario {s:?}: unknown scenario; policy {} knows {}",
                    policy.id,
                    valid.join(", ")
                )));
            }
        }
    }
    Ok((national, listed))
}

/// Policy, declarations, exporter and procedure: see the module documentation.
#[derive(Debug, Clone)]
pub struct Assessor {
    policy: Policy,
    declarations: Declarations,
    national: Vec<Scenario>,
    listed: Vec<String>,
    procedure: Level,
    fail_at: Level,
    exporter: String,
}

impl Assessor {
    pub fn builder() -> AssessorBuilder {
        AssessorBuilder {
            policy: None,
            policy_id: DEFAULT_POLICY.to_string(),
            declarations: Declarations::default(),
            procedure: Level::Allow,
            fail_at: None,
            exporter: UNNAMED_EXPORTER.to_string(),
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    pub fn declarations(&self) -> &Declarations {
        &self.declarations
    }
    pub fn exporter(&self) -> &str {
        &self.exporter
    }
    pub fn procedure(&self) -> Level {
        self.procedure
    }
    pub fn fail_at(&self) -> Level {
        self.fail_at
    }

    /// A scanner builder whose classes are the policy's for the declared sector, so the persons
    /// it counts as sensitive are the ones the policy judges sensitive.
    pub fn scanner_builder(&self) -> ScannerBuilder {
        Scanner::builder().classes(self.policy.classes_for(self.declarations.sector.as_deref()))
    }

    /// What the operator declares, beside what the data shows.
    fn declare(&self, facts: &mut Facts) {
        let d = &self.declarations;
        facts.ciio = d.ciio;
        facts.zone_registered = d.zone_registered;
        facts.sector = d.sector.clone();
        facts.scenarios = self.national.iter().copied().collect();
        facts.list_scenarios = self.listed.iter().cloned().collect::<BTreeSet<_>>();
        facts.catalogue = d.catalogue.markers.clone();
    }

    /// Facts of what `session` read, the year so far being this export.
    fn facts(&self, session: &mut ScanSession<'_>, report: &Report) -> Facts {
        self.facts_of(report, session.category_persons())
    }

    /// Facts of an export whose persons per category are `by_category`.
    fn facts_of(&self, report: &Report, by_category: std::collections::BTreeMap<String, u64>) -> Facts {
        // Approximate counts are judged by their upper bounds: a sketch never lowers a verdict.
        let (personal, sensitive) = report.persons.for_verdict();
        let batch = PersonCountsByClass { personal, sensitive, by_category };
        let mut categories: BTreeSet<String> =
            report.columns.iter().flat_map(|c| c.categories.iter().cloned()).collect();
        if report.persons.minors > 0 {
            categories.insert("minor".into());
        }
        let mut facts = Facts { persons_ytd: batch.clone(), persons_batch: batch, categories, ..Facts::default() };
        self.declare(&mut facts);
        facts
    }

    /// Judge `report`'s export on `facts` and fill the verdict and year to date in.
    fn judge(&self, mut report: Report, facts: &Facts, year: i32) -> (Report, Level) {
        report.year_to_date = Some(YearToDate {
            year,
            exporter: self.exporter.clone(),
            persons: facts.persons_ytd.personal,
            sensitive: facts.persons_ytd.sensitive,
        });
        let verdict = evaluate(&self.policy, facts);
        let level = verdict.level;
        report.verdict = Some(verdict);
        report.procedure = Some(procedure_word(self.procedure).to_string());
        report.fail_at = Some(self.fail_at);
        report.blocked = Some(level >= self.fail_at);
        (report, level)
    }

    /// Judge an export scanned in parts and merged (`scan::partial`), without a ledger: its
    /// report (persons filled) and its persons per category; the year so far is this export.
    pub fn assess_merged(
        &self,
        report: Report,
        by_category: std::collections::BTreeMap<String, u64>,
        year: i32,
    ) -> Assessment {
        let facts = self.facts_of(&report, by_category);
        self.judged(report, &facts, year, (0, 0))
    }

    /// The verdict on `facts`, as an assessment that recorded nothing.
    fn judged(&self, report: Report, facts: &Facts, year: i32, persons_memory: (u64, usize)) -> Assessment {
        let (report, level) = self.judge(report, facts, year);
        Assessment {
            report,
            level,
            blocked: level >= self.fail_at,
            #[cfg(feature = "ledger")]
            ytd: None,
            #[cfg(feature = "ledger")]
            transfer: None,
            recorded_before: None,
            recorded_unlinked: (0, 0),
            persons_memory,
        }
    }

    /// Judge the export `session` read, without a ledger: the year so far is this export.
    pub fn assess_unrecorded(&self, session: &mut ScanSession<'_>) -> Assessment {
        let report = session.report();
        let facts = self.facts(session, &report);
        let year = session.scanner().options().as_of.year;
        let mem = memory(session);
        self.judged(report, &facts, year, mem)
    }

    /// Judge the export `session` read on the exporter's year to date in `ledger` (the recorded
    /// persons ∪ this export, in all, sensitive and per category), and record it as `record`
    /// says. Recording takes the ledger's write lock before the year is read, so the verdict is
    /// decided on the ledger it is written to. Without a ledger this is
    /// [`Assessor::assess_unrecorded`].
    #[cfg(feature = "ledger")]
    pub fn assess(
        &self,
        session: &mut ScanSession<'_>,
        ledger: Option<&mut Ledger>,
        record: Record,
        spec: TransferSpec<'_>,
    ) -> Result<Assessment> {
        let Some(ledger) = ledger else {
            return Ok(self.assess_unrecorded(session));
        };
        let report = session.report();
        let facts = self.facts(session, &report);
        let scanner = session.scanner();
        let mem = memory(session);
        let Some(persons) = session.persons() else {
            return Err(Error::Usage("a ledger needs exact persons (not --persons sketch)".into()));
        };
        self.assess_on_ledger(report, facts, persons, mem, scanner, ledger, record, spec)
    }

    /// [`Assessor::assess_merged`] on the exporter's year to date in `ledger`, recording as
    /// `record` says: `persons` are the export's persons (every key, streamed to where the
    /// ledger is), `scanner` one configured as the parts' (its key is the ledger's).
    #[cfg(feature = "ledger")]
    pub fn assess_merged_on_ledger(
        &self,
        report: Report,
        by_category: std::collections::BTreeMap<String, u64>,
        persons: &mut crate::persons::PersonSet,
        scanner: &Scanner,
        ledger: &mut Ledger,
        record: Record,
    ) -> Result<Assessment> {
        let facts = self.facts_of(&report, by_category);
        let mem = (persons.keys() as u64, persons.approx_bytes());
        self.assess_on_ledger(report, facts, persons, mem, scanner, ledger, record, TransferSpec::default())
    }

    #[cfg(feature = "ledger")]
    #[allow(clippy::too_many_arguments)]
    fn assess_on_ledger(
        &self,
        report: Report,
        mut facts: Facts,
        persons: &mut crate::persons::PersonSet,
        persons_memory: (u64, usize),
        scanner: &Scanner,
        ledger: &mut Ledger,
        record: Record,
        spec: TransferSpec<'_>,
    ) -> Result<Assessment> {
        let (year, as_of) = (scanner.options().as_of.year, scanner.options().as_of.to_string());
        let hasher = scanner.hasher().clone();
        let (mask, names) = (scanner.sensitive_mask(), scanner.category_names().to_vec());
        let mut batch = BatchPersons::from_set(persons, mask, &names);
        batch.unlinked = batch.unlinked.saturating_sub(spec.recorded_unlinked.0);
        batch.unlinked_sensitive = batch.unlinked_sensitive.saturating_sub(spec.recorded_unlinked.1);
        let writes = match record {
            Record::DryRun => false,
            Record::UnlessBlocked => report.complete(),
            Record::Always => true,
        };
        let txn = ledger.begin(writes)?;
        if let Some(o) = &spec.object {
            if let Some(t) = txn.object_transfer(&self.exporter, year, &o.url, &o.version)? {
                // Another run recorded this version while we read it: counted once.
                return Ok(Assessment {
                    recorded_before: Some(t),
                    ..self.judged(report, &facts, year, persons_memory)
                });
            }
        }
        let plan = txn.year_to_date(&self.exporter, year, &batch)?;
        facts.persons_ytd.personal = plan.counts.persons;
        facts.persons_ytd.sensitive = plan.counts.sensitive;
        facts.persons_ytd.by_category = plan.categories.clone();
        facts.ytd_from_ledger = true;
        let mut out = Assessment { ytd: Some(plan.counts), ..self.judged(report, &facts, year, persons_memory) };
        let (level, blocked) = (out.level, out.blocked);
        if let Some(f) = spec.on_verdict {
            f(level, blocked);
        }
        let commit = match record {
            Record::DryRun => false,
            Record::UnlessBlocked => writes && !blocked,
            Record::Always => true,
        };
        if commit {
            let inputs = out
                .report
                .inputs
                .iter()
                .enumerate()
                .map(|(n, i)| TransferInput {
                    path: i.path.clone(),
                    format: i.format.clone(),
                    rows: i.rows,
                    bytes: i.bytes,
                    fingerprint: spec.fingerprint.and_then(|f| f(n)),
                })
                .collect();
            let meta = TransferMeta {
                as_of,
                inputs,
                verdict: level.to_string(),
                policy: self.policy.id.clone(),
                policy_version: self.policy.version.clone(),
            };
            let staged = txn.stage(&plan, &batch, meta, &hasher)?;
            if let Some(o) = &spec.object {
                staged
                    .add_object(&ObjectRecord { rows: out.report.inputs.iter().map(|i| i.rows).sum(), ..o.clone() })?;
            }
            if let Some(run) = spec.gate_run {
                staged.decide_gate(run)?;
            }
            if let Some(f) = spec.staged {
                f(staged.transfer())?;
            }
            out.transfer = Some(staged.commit()?);
            out.recorded_unlinked = (batch.unlinked, batch.unlinked_sensitive);
        }
        Ok(out)
    }
}
