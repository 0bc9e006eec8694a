//! `xborder policy list|show|check`.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::output::{formats, Format};
use serde_json::json;

use super::{emit, EXIT_OK};
use xborder::policy::{Class, Policy, PolicySet, Rule};

#[derive(Subcommand)]
pub enum PolicyCmd {
    /// List the built-in policies.
    List {
        #[arg(long, default_value = "human", value_parser = formats(&["human", "json"]))]
        format: Format,
    },
    /// Show a policy's rules with their conditions and citations.
    Show {
        /// A built-in id (see `xborder policy list`) or a policy file.
        policy: String,
        #[arg(long, default_value = "human", value_parser = formats(&["human", "json"]))]
        format: Format,
    },
    /// Check a policy file: it parses, its `extends` chain resolves, and every key, verdict,
    /// category, sector, document and group in it is known. Exit 0 when valid, 2 otherwise.
    Check { file: PathBuf },
}

pub fn run(c: PolicyCmd) -> anyhow::Result<i32> {
    match c {
        PolicyCmd::List { format } => {
            let set = PolicySet::builtin()?;
            let policies: Vec<Policy> = set.entries().map(|e| set.resolve(&e.spec.id)).collect::<Result<_, _>>()?;
            let text = match format {
                Format::Json => {
                    let v: Vec<_> = policies
                        .iter()
                        .map(|p| {
                            json!({
                                "id": p.id, "title": p.title, "version": p.version,
                                "jurisdiction": p.jurisdiction, "extends": p.extends,
                                "rules": p.rules.len(), "own_rules": own_rules(p),
                                "description": p.description, "origin": p.origin,
                            })
                        })
                        .collect();
                    serde_json::to_string_pretty(&v)? + "\n"
                }
                _ => {
                    let mut s = format!(
                        "{:<24} {:<8} {:<16} {:<18} {:>5}  title\n",
                        "id", "version", "jurisdiction", "extends", "rules"
                    );
                    for p in &policies {
                        let _ = writeln!(
                            s,
                            "{:<24} {:<8} {:<16} {:<18} {:>5}  {}",
                            p.id,
                            p.version,
                            p.jurisdiction,
                            p.extends.as_deref().unwrap_or("-"),
                            p.rules.len(),
                            p.title
                        );
                    }
                    s
                }
            };
            emit(None, &text)?;
            Ok(EXIT_OK)
        }
        PolicyCmd::Show { policy, format } => {
            let mut set = PolicySet::builtin()?;
            let p = set.resolve_arg(&policy)?;
            let text = match format {
                Format::Json => serde_json::to_string_pretty(&policy_json(&p))? + "\n",
                _ => show_human(&p),
            };
            emit(None, &text)?;
            Ok(EXIT_OK)
        }
        PolicyCmd::Check { file } => {
            let mut set = PolicySet::builtin()?;
            let id = set.load_file(&file)?;
            let p = set.resolve(&id)?;
            let unconfirmed = p.rules.iter().filter(|r| r.policy == p.id && !r.spec.confirmed).count();
            println!(
                "{}: ok — policy {} {}, {} rules ({} own, {} of them unconfirmed){}",
                clean(&file.to_string_lossy()),
                p.id,
                clean(&p.version),
                p.rules.len(),
                own_rules(&p),
                unconfirmed,
                p.extends.as_deref().map(|b| format!(", extends {b}")).unwrap_or_default()
            );
            Ok(EXIT_OK)
        }
    }
}

fn own_rules(p: &Policy) -> usize {
    p.rules.iter().filter(|r| r.policy == p.id).count()
}

/// Text from a policy file, safe for a terminal.
fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() && c != '\n' { '?' } else { c }).collect()
}

/// Categories by class under the policy's mapping (explicit entries only; the rest are
/// `personal`, markers by their prefix).
fn classes_by_class(p: &Policy) -> Vec<(Class, Vec<&str>)> {
    let mut out: Vec<(Class, Vec<&str>)> = Vec::new();
    for (cat, class) in &p.classes.map {
        match out.iter_mut().find(|(c, _)| c == class) {
            Some((_, v)) => v.push(cat),
            None => out.push((*class, vec![cat])),
        }
    }
    out.sort_by_key(|(c, _)| std::cmp::Reverse(*c));
    out
}

fn rule_json(p: &Policy, r: &Rule) -> serde_json::Value {
    let doc = p.documents.get(&r.spec.cite.document);
    json!({
        "id": r.spec.id,
        "verdict": r.spec.verdict.as_str(),
        "confirmed": r.spec.confirmed,
        "cite": r.cite,
        "document": doc.map(|d| json!({"title": d.title, "url": d.url, "in_force": d.in_force})),
        "when": r.spec.when,
        "when_text": r.spec.when.describe(),
        "detail": r.detail.source(),
        "groups": r.spec.groups,
        "exempts": r.spec.exempts,
        "regime": r.spec.regime,
        "note": r.spec.note,
        "defined_in": r.policy,
    })
}

fn policy_json(p: &Policy) -> serde_json::Value {
    let classes: serde_json::Map<String, serde_json::Value> =
        classes_by_class(p).into_iter().map(|(c, v)| (c.as_str().to_string(), json!(v))).collect();
    json!({
        "id": p.id, "title": p.title, "version": p.version, "jurisdiction": p.jurisdiction,
        "extends": p.extends, "chain": p.chain, "origin": p.origin,
        "description": p.description, "notes": p.notes,
        "documents": p.documents,
        "classes": {"base": "GB/T 45574-2025", "overrides": p.class_overrides, "explicit": classes},
        "sector_classes": p.sector_classes,
        "categories": p.categories, "sectors": p.sectors,
        "list_scenarios": p.list_scenarios,
        "rules": p.rules.iter().map(|r| rule_json(p, r)).collect::<Vec<_>>(),
        "changelog": p.changelog,
    })
}

fn show_human(p: &Policy) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} {} — {} ({})", p.id, clean(&p.version), clean(&p.title), clean(&p.jurisdiction));
    let _ = writeln!(s, "chain: {}    file: {}", p.chain.join(" → "), clean(&p.origin));
    if let Some(d) = &p.description {
        let _ = writeln!(s, "\n{}", clean(d.trim()));
    }
    let _ = writeln!(s, "\nClasses (GB/T 45574-2025 unless overridden; other categories are personal)");
    if !p.class_overrides.is_empty() {
        let o: Vec<String> = p.class_overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(s, "  overrides: {}", o.join(", "));
    }
    for (class, cats) in classes_by_class(p) {
        let _ = writeln!(s, "  {class}: {}", cats.join(", "));
    }
    for (sector, over) in &p.sector_classes {
        let o: Vec<String> = over.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(s, "  with --sector {sector}: {}", o.join(", "));
    }
    if !p.list_scenarios.is_empty() {
        let _ = writeln!(
            s,
            "\nBusiness scenarios of the list ({}; declare with --sector SECTOR --scenario ID --zone-registered)",
            p.list_scenarios.len()
        );
        let w = p.list_scenarios.iter().map(|x| x.id.len()).max().unwrap_or(2);
        for sc in &p.list_scenarios {
            let flag = if sc.confirmed { "" } else { "  [unconfirmed]" };
            let _ = writeln!(s, "  {:<w$}  {:<10}  {}{flag}", sc.id, sc.sector, clean(&sc.name));
            let pad = " ".repeat(w + 4);
            if !sc.rows.is_empty() {
                let _ = writeln!(s, "{pad}rows:   {}", sc.rows.join(", "));
            }
            if let Some(src) = &sc.source {
                let _ = writeln!(s, "{pad}source: {}", clean(src));
            }
        }
    }
    let _ = writeln!(
        s,
        "\nRules ({}; the highest level among the matching rules wins, unconfirmed rules never make it allow)",
        p.rules.len()
    );
    let w = p.rules.iter().map(|r| r.spec.id.len()).max().unwrap_or(4);
    for r in &p.rules {
        let flag = if r.spec.confirmed { "" } else { "  [unconfirmed]" };
        let inherited = if r.policy == p.id { String::new() } else { format!("  (from {})", r.policy) };
        let _ =
            writeln!(s, "  {:<w$}  {:<19}  {}{flag}{inherited}", r.spec.id, r.spec.verdict.as_str(), clean(&r.cite));
        let pad = " ".repeat(w + 4);
        let _ = writeln!(s, "{pad}when:   {}", clean(&r.spec.when.describe()));
        let _ = writeln!(s, "{pad}detail: {}", clean(r.detail.source()));
        if !r.spec.groups.is_empty() {
            let _ = writeln!(s, "{pad}groups: {}", r.spec.groups.join(", "));
        }
        if !r.spec.exempts.is_empty() {
            let _ = writeln!(s, "{pad}exempts: {}", r.spec.exempts.join(", "));
        }
        if let Some(reg) = &r.spec.regime {
            let _ = writeln!(s, "{pad}regime: {}", clean(reg));
        }
        if let Some(n) = &r.spec.note {
            let _ = writeln!(s, "{pad}note:   {}", clean(n));
        }
    }
    let _ = writeln!(s, "\nDocuments");
    for d in p.documents.values() {
        let mut extra = Vec::new();
        if let Some(u) = &d.url {
            extra.push(clean(u));
        }
        if let Some(f) = &d.in_force {
            extra.push(format!("in force {}", clean(f)));
        }
        let extra = if extra.is_empty() { String::new() } else { format!(" ({})", extra.join(", ")) };
        let _ = writeln!(s, "  {}: {}{extra}", clean(&d.short), clean(&d.title));
    }
    if !p.notes.is_empty() {
        let _ = writeln!(s, "\nNotes");
        for n in &p.notes {
            let _ = writeln!(s, "  - {}", clean(n));
        }
    }
    if !p.changelog.is_empty() {
        let _ = writeln!(s, "\nChanges");
        for c in &p.changelog {
            let _ = writeln!(s, "  {} {}: {}", clean(&c.version), clean(&c.rule), clean(&c.change));
        }
    }
    s
}
