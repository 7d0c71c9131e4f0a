//! CVSS vectors of every version RustSec advisories carry: v2 (scored here, as the `cvss` crate does not
//! cover it), v3.0, v3.1 and v4.0 (parsed and scored by the RustSec project's `cvss` crate).

use std::fmt;
use std::str::FromStr;

/// A parsed and scored CVSS vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Cvss {
    vector: String,
    version: CvssVersion,
    score: f64,
}

/// The CVSS specification a vector follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CvssVersion {
    /// CVSS v2 (no prefix, `AV:N/AC:L/Au:N/C:P/I:P/A:P`).
    V2,
    /// CVSS v3.0.
    V30,
    /// CVSS v3.1.
    V31,
    /// CVSS v4.0.
    V40,
}

/// Qualitative severity rating of a CVSS score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Score 0.0.
    None,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical (v3 and v4 only).
    Critical,
}

impl Severity {
    /// The lowercase name, as cargo-audit and OSV spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "none" => Severity::None,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            other => return Err(format!("unknown severity `{other}` (expected none, low, medium, high or critical)")),
        })
    }
}

impl Cvss {
    /// A vector scored earlier (by [`str::parse`]) and stored with its version and score, as the compiled
    /// database does: scoring a CVSS v4 vector costs more than decoding the rest of an advisory.
    pub fn from_scored(vector: String, version: CvssVersion, score: f64) -> Cvss {
        Cvss { vector, version, score }
    }

    /// The vector exactly as written in the advisory.
    pub fn vector(&self) -> &str {
        &self.vector
    }

    /// The CVSS version of the vector.
    pub fn version(&self) -> CvssVersion {
        self.version
    }

    /// The base score, 0.0 to 10.0.
    pub fn score(&self) -> f64 {
        self.score
    }

    /// The qualitative rating of the base score for the vector's CVSS version.
    pub fn severity(&self) -> Severity {
        let s = self.score;
        let v2 = self.version == CvssVersion::V2;
        if s < 4.0 {
            if s == 0.0 && !v2 { Severity::None } else { Severity::Low }
        } else if s < 7.0 {
            Severity::Medium
        } else if s < 9.0 || v2 {
            Severity::High
        } else {
            Severity::Critical
        }
    }
}

impl fmt::Display for Cvss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vector)
    }
}

impl FromStr for Cvss {
    type Err = String;

    fn from_str(vector: &str) -> Result<Self, Self::Err> {
        let (version, score) = if vector.starts_with("CVSS:3.0/") || vector.starts_with("CVSS:3.1/") {
            let version = if vector.starts_with("CVSS:3.0/") { CvssVersion::V30 } else { CvssVersion::V31 };
            (version, v3_score(vector)?)
        } else if vector.starts_with("CVSS:4.0/") {
            let v4: cvss::v4::Vector = vector.parse().map_err(|e| format!("invalid CVSS v4 vector: {e}"))?;
            (CvssVersion::V40, v4.score().value())
        } else if let Some(rest) = vector.strip_prefix("CVSS:") {
            let version = rest.split('/').next().unwrap_or_default();
            return Err(format!("unsupported CVSS version `{version}` (expected 2.0, 3.0, 3.1 or 4.0)"));
        } else {
            (CvssVersion::V2, v2_score(vector)?)
        };
        Ok(Cvss { vector: vector.to_owned(), version, score })
    }
}

/// Scores a CVSS v3.0 or v3.1 base vector with the `cvss` crate, after the checks it leaves out: the
/// crate accepts a vector that lacks base metrics (and scores it as if they were the mildest, so that
/// `CVSS:3.1/AV:N/AC:L` is a silent 0.0) or that gives one twice (the last wins). The specification
/// requires each of the eight base metrics exactly once.
fn v3_score(vector: &str) -> Result<f64, String> {
    const METRICS: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
    let base: cvss::v3::Base = vector.parse().map_err(|e| format!("invalid CVSS v3 vector: {}", v3_error(e)))?;
    let mut seen = [false; 8];
    // The crate has checked the prefix and that every other part is `NAME:VALUE` with a known name.
    for part in vector.split('/').skip(1) {
        let name = part.split(':').next().unwrap_or_default().to_ascii_uppercase();
        if let Some(i) = METRICS.iter().position(|m| *m == name)
            && std::mem::replace(&mut seen[i], true)
        {
            return Err(format!("invalid CVSS v3 vector: metric `{name}` given twice"));
        }
    }
    let missing: Vec<&str> = METRICS.iter().zip(seen).filter(|(_, seen)| !seen).map(|(m, _)| *m).collect();
    if !missing.is_empty() {
        return Err(format!(
            "incomplete CVSS v3 vector: it lacks the base metric{} `{}` (all eight of AV, AC, PR, UI, S, C, I and A are required)",
            if missing.len() == 1 { "" } else { "s" },
            missing.join("`, `")
        ));
    }
    Ok(base.score().value())
}

/// The `cvss` crate's error for a v3 vector, in words that name the right version: its own message for
/// a bad v3 metric value says "CVSSv4".
fn v3_error(error: cvss::Error) -> String {
    match error {
        cvss::Error::InvalidMetric { metric_type, value } => {
            format!("`{value}` is not a value of the {} ({}) metric", metric_type.name(), metric_type.description())
        }
        other => other.to_string(),
    }
}

/// Scores a CVSS v2 base vector with the formula of the v2 specification (section 3.2.1).
fn v2_score(vector: &str) -> Result<f64, String> {
    const METRICS: [&str; 6] = ["AV", "AC", "Au", "C", "I", "A"];
    let mut values = [None::<f64>; 6];
    for part in vector.trim_start_matches('(').trim_end_matches(')').split('/') {
        let (name, value) = part.split_once(':').ok_or_else(|| format!("invalid CVSS v2 metric `{part}`"))?;
        let index =
            METRICS.iter().position(|m| *m == name).ok_or_else(|| format!("unknown CVSS v2 base metric `{name}`"))?;
        let weight = match (name, value) {
            ("AV", "L") => 0.395,
            ("AV", "A") => 0.646,
            ("AV", "N") => 1.0,
            ("AC", "H") => 0.35,
            ("AC", "M") => 0.61,
            ("AC", "L") => 0.71,
            ("Au", "M") => 0.45,
            ("Au", "S") => 0.56,
            ("Au", "N") => 0.704,
            ("C" | "I" | "A", "N") => 0.0,
            ("C" | "I" | "A", "P") => 0.275,
            ("C" | "I" | "A", "C") => 0.660,
            _ => return Err(format!("invalid value `{value}` for CVSS v2 metric `{name}`")),
        };
        if values[index].replace(weight).is_some() {
            return Err(format!("CVSS v2 metric `{name}` given twice"));
        }
    }
    let mut w = [0.0; 6];
    for (i, value) in values.iter().enumerate() {
        w[i] = value.ok_or_else(|| format!("CVSS v2 vector lacks the `{}` metric", METRICS[i]))?;
    }
    let [av, ac, au, c, i, a] = w;
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let base = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
    Ok((base * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(vector: &str, score: f64, severity: Severity) {
        let cvss: Cvss = vector.parse().unwrap();
        assert_eq!((cvss.score(), cvss.severity()), (score, severity), "{vector}");
    }

    #[test]
    fn scores_every_version() {
        check("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, Severity::High);
        check("AV:L/AC:H/Au:M/C:N/I:N/A:P", 0.8, Severity::Low);
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Severity::Critical);
        check("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, Severity::High);
        check("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, Severity::Critical);
    }

    #[test]
    fn rejects_bad_vectors() {
        for bad in ["CVSS:3.1/AV:X", "CVSS:5.0/AV:N", "AV:N/AC:L", "AV:N/AC:L/Au:N/C:P/I:P/A:Q"] {
            assert!(bad.parse::<Cvss>().is_err(), "{bad}");
        }
    }

    #[test]
    fn incomplete_or_repeated_v3_vectors_are_refused() {
        // The `cvss` crate scores this 0.0 ("none") without a word.
        let err = "CVSS:3.1/AV:N/AC:L".parse::<Cvss>().unwrap_err();
        assert!(err.contains("incomplete") && err.contains("`PR`, `UI`, `S`, `C`, `I`, `A`"), "{err}");
        let err = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H".parse::<Cvss>().unwrap_err();
        assert!(err.contains("base metric `A`"), "{err}");
        let err = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L".parse::<Cvss>().unwrap_err();
        assert!(err.contains("`AV` given twice"), "{err}");
    }

    #[test]
    fn a_bad_v3_metric_is_named_as_v3() {
        let err = "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".parse::<Cvss>().unwrap_err();
        assert!(err.contains("v3") && !err.contains("v4") && err.contains("Attack Vector"), "{err}");
    }
}
