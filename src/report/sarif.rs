//! The report as SARIF 2.1.0 (`--format sarif`) for code-scanning dashboards: one result per
//! finding — a column and one of its categories — located by its file and column, with the
//! category as the rule and a level from the class (sensitive personal information and
//! important data `error`, personal information `warning`). Masked examples only; columns the
//! report shows as not personal are not results. The run's properties carry the verdict.

use serde_json::{json, Value};

use super::Report;

/// SARIF level of a class.
fn level(class: &str) -> &'static str {
    match class {
        "sensitive" | "important_candidate" | "core" => "error",
        "personal" => "warning",
        _ => "note",
    }
}

/// The SARIF log of one report (pretty-printed, with a final newline).
pub fn render(r: &Report) -> String {
    let mut rules: Vec<(String, String)> = Vec::new();
    let mut results = Vec::new();
    for c in r.columns.iter().filter(|c| !c.categories.is_empty() && c.class != "not_personal") {
        for cat in &c.categories {
            if !rules.iter().any(|(id, _)| id == cat) {
                rules.push((cat.clone(), c.class.clone()));
            }
            let examples = if c.examples.is_empty() {
                String::new()
            } else {
                format!(" Examples (masked): {}.", c.examples.join(", "))
            };
            results.push(json!({
                "ruleId": cat,
                "level": level(&c.class),
                "message": {"text": format!("{} / {}: {} ({}).{examples}", c.input, c.column, c.reason, c.class)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": c.input}},
                    "logicalLocations": [{"name": c.column, "fullyQualifiedName": format!("{}#{}", c.input, c.column), "kind": "column"}],
                }],
                "properties": {
                    "column": c.column,
                    "kind": c.kind,
                    "class": c.class,
                    "confidence": c.confidence,
                    "hits": c.hits,
                    "inspected": c.inspected,
                },
            }));
        }
    }
    let rules: Vec<Value> = rules
        .into_iter()
        .map(|(id, class)| {
            json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": format!("{id} ({class})")},
                "defaultConfiguration": {"level": level(&class)},
            })
        })
        .collect();
    let verdict = r.verdict.as_ref().map(|v| {
        json!({
            "level": v.level,
            "policy": v.policy,
            "policy_version": v.policy_version,
            "reasons": v.reasons.iter().map(|x| json!({"rule": x.rule, "verdict": x.verdict, "cite": x.cite, "detail": x.detail})).collect::<Vec<_>>(),
        })
    });
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "xborder",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{"executionSuccessful": r.complete}],
            "artifacts": r.inputs.iter().map(|i| json!({"location": {"uri": i.path}, "length": i.bytes})).collect::<Vec<_>>(),
            "results": results,
            "properties": {
                "as_of": r.as_of,
                "persons": r.persons,
                "complete": r.complete,
                "blocked": r.blocked,
                "procedure": r.procedure,
                "fail_at": r.fail_at,
                "verdict": verdict,
            },
        }],
    });
    serde_json::to_string_pretty(&log).expect("SARIF serialises") + "\n"
}
