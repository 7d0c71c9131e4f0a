//! Draft advisories: the checks `cratewatch db check` runs on a file, and a template to start from.

use cratewatch_advisory::{Code, Collection, CvssVersion, Diagnostic, DiagnosticSeverity, Severity, parse_advisory};
use jiff::civil::Date;

use crate::RustsecId;

/// What the checks found in a draft advisory.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftCheck {
    /// Errors and warnings, in file order: the ones `cratewatch db check` reports for the text of a file
    /// (file-name and directory checks aside, as a draft has neither), plus
    /// [`check_report_draft`]'s id check.
    pub diagnostics: Vec<Diagnostic>,
    /// The advisory id, when the draft parsed.
    pub id: Option<String>,
    /// The crate, when the draft parsed.
    pub package: Option<String>,
    /// The title, when the draft parsed.
    pub title: Option<String>,
    /// The CVSS vector with its score, when the draft parsed and has one.
    pub cvss: Option<DraftCvss>,
}

/// A draft's CVSS vector, scored.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftCvss {
    /// The vector as written.
    pub vector: String,
    /// The CVSS version of the vector.
    pub version: CvssVersion,
    /// The base score, 0.0 to 10.0.
    pub score: f64,
    /// The qualitative rating of the score.
    pub severity: Severity,
}

impl DraftCheck {
    /// Whether any diagnostic is an error. A draft with errors cannot be submitted or published.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// The error diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == DiagnosticSeverity::Error)
    }
}

/// Checks the text of a draft advisory for the `crates` collection, as `cratewatch db check` checks
/// the text of an advisory file.
pub fn check_draft(text: &str) -> DraftCheck {
    let parsed = parse_advisory(text, Collection::Crates);
    let advisory = parsed.advisory.as_ref();
    DraftCheck {
        id: advisory.map(|a| a.id.as_str().to_owned()),
        package: advisory.map(|a| a.package.clone()),
        title: advisory.map(|a| a.title.clone()),
        cvss: advisory.and_then(|a| a.cvss.as_ref()).map(|c| DraftCvss {
            vector: c.vector().to_owned(),
            version: c.version(),
            score: c.score(),
            severity: c.severity(),
        }),
        diagnostics: parsed.diagnostics,
    }
}

/// Checks a draft for the report whose allocated RustSec id is `rustsec_id`: [`check_draft`], plus an
/// `id-mismatch` error when the draft's id is another one.
pub fn check_report_draft(text: &str, rustsec_id: &str) -> DraftCheck {
    let mut check = check_draft(text);
    if let Some(id) = check.id.as_deref()
        && id != rustsec_id
    {
        let message = format!("the draft's id `{id}` is not the report's RustSec id `{rustsec_id}`");
        check.diagnostics.push(Diagnostic::error(Code::IdMismatch, id_line(text), message));
    }
    check
}

/// The line of the first `id = ...` key of the front matter.
fn id_line(text: &str) -> Option<u32> {
    let mut front_matter = text.lines().skip(1).take_while(|line| !line.starts_with("```"));
    let index = front_matter
        .position(|line| line.trim_start().strip_prefix("id").is_some_and(|rest| rest.trim_start().starts_with('=')))?;
    u32::try_from(index + 2).ok()
}

/// A draft advisory to fill in: RustSec's TOML front matter with the id, crate and date set, then a
/// Markdown title and description with headings for the fix and the credit. It passes [`check_draft`]
/// as it is, so every edit can be checked as it is made.
pub fn draft_template(rustsec_id: RustsecId, package: &str, title: &str, date: Date) -> String {
    let title: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = if title.is_empty() { format!("Vulnerability in {package}") } else { title };
    format!(
        r#"```toml
[advisory]
id = {id}
package = {package}
date = "{date}"
# The report or fix, such as "https://github.com/OWNER/REPO/security/advisories/GHSA-xxxx-xxxx-xxxx".
# url = ""
# Any of code-execution, crypto-failure, denial-of-service, file-disclosure, format-injection,
# memory-corruption, memory-exposure, privilege-escalation, thread-safety.
categories = []
keywords = []
# The CVE and GHSA ids, such as ["CVE-YYYY-NNNN"].
aliases = []
# cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

[versions]
# The first fixed release of each maintained line, such as [">= 1.2.3, < 2.0.0", ">= 2.0.1"].
patched = []
# Releases that were never affected, such as ["< 0.5.0"].
# unaffected = []
```

# {title}

Describe the vulnerability: which versions and functions are affected, what an attacker can do and
under which conditions.

## Fix

Upgrade to a patched version. Describe any workaround for those who cannot upgrade yet.

## Credit

Reported by NAME.
"#,
        id = toml_string(&rustsec_id.to_string()),
        package = toml_string(package),
    )
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(toml_string("x\u{7}"), r#""x\u0007""#);
    }

    #[test]
    fn finds_the_id_line() {
        let text = "```toml\n[advisory]\n  id= \"X\"\n```\n";
        assert_eq!(id_line(text), Some(3));
        assert_eq!(id_line("```toml\n[advisory]\nidx = 1\n```\n"), None);
    }
}
