//! What an evaluation returns: the level, and every rule that applies with its citation and the
//! facts it compared. Reports carry it as it is (`report.verdict`).

use serde::Serialize;

use super::level::Level;

/// Which procedure the policy requires, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The highest level among the rules that apply.
    pub level: Level,
    pub policy: String,
    pub policy_version: String,
    /// Every rule that applies, highest level first.
    pub reasons: Vec<Reason>,
    /// A regime that applies beside the level (`human_genetic_resources`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub separate_regime: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub rule: String,
    /// What the rule concludes: a level or `separate_regime`.
    pub verdict: String,
    /// "Provisions Art. 7(2)".
    pub cite: String,
    /// The citation in Chinese (《促进和规范数据跨境流动规定》第七条第（二）项), for reports in Chinese.
    pub cite_zh: String,
    /// The facts that made the rule apply, with the real numbers.
    pub detail: String,
    /// False when the rule rests on an unconfirmed text or reading.
    pub confirmed: bool,
}
