//! CVSS vectors in words, as rustsec.org shows them ("Attack vector: Network"), and the calculator that
//! explains a vector. The names and values are those of the specifications: FIRST's CVSS v2 guide
//! (section 2.1), CVSS v3.0 and v3.1 (section 2) and CVSS v4.0 (sections 2 to 5). The advisory crate
//! parses and scores a vector (base metrics for v2 and v3, every metric for v4); this module only
//! names its parts.

use cratewatch_advisory::{Cvss, CvssVersion};

/// One metric of a vector: its name and its value in words (`("Attack vector", "Network")`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Metric {
    /// The metric's name, in sentence case.
    pub(crate) name: String,
    /// The value, in words.
    pub(crate) value: String,
    /// The metric and value as the vector writes them (`AV:N`).
    pub(crate) code: String,
    /// Whether both the metric and the value were found in the tables (else they are shown as written).
    pub(crate) known: bool,
}

/// The metrics of `cvss` in the order the vector gives them, in words. A metric or value this table
/// does not know (none in a vector that parsed) is shown as written rather than dropped.
pub(crate) fn metrics(cvss: &Cvss) -> Vec<Metric> {
    let version = cvss.version();
    let vector = cvss.vector().trim_start_matches('(').trim_end_matches(')');
    vector
        .split('/')
        .filter(|part| !part.starts_with("CVSS:"))
        .filter_map(|part| part.split_once(':'))
        .map(|(key, value)| {
            let (name, words) = match version {
                CvssVersion::V2 => v2(key, value),
                CvssVersion::V40 => v4(key, value),
                _ => v3(key, value),
            };
            Metric {
                known: name.is_some() && words.is_some(),
                name: name.map_or_else(|| key.to_owned(), str::to_owned),
                value: words.map_or_else(|| value.to_owned(), str::to_owned),
                code: format!("{key}:{value}"),
            }
        })
        .collect()
}

/// FIRST's calculator for the vector, opened on it; `None` for CVSS v2, which FIRST has no calculator
/// for.
pub(crate) fn calculator(cvss: &Cvss) -> Option<String> {
    let page = match cvss.version() {
        CvssVersion::V30 => "3.0",
        CvssVersion::V31 => "3.1",
        CvssVersion::V40 => "4.0",
        _ => return None,
    };
    Some(format!("https://www.first.org/cvss/calculator/{page}#{}", cvss.vector()))
}

type Named = (Option<&'static str>, Option<&'static str>);

/// "Not defined" (`X`), which every optional metric of v3 and v4 takes.
const NOT_DEFINED: &str = "Not defined";

fn v3(key: &str, value: &str) -> Named {
    // The advisory crate accepts v3 base metrics only (the `cvss` crate's `v3::Base`), so only those
    // need names.
    let (name, values): (&str, &[(&str, &str)]) = match key {
        "AV" => ("Attack vector", &[("N", "Network"), ("A", "Adjacent"), ("L", "Local"), ("P", "Physical")]),
        "AC" => ("Attack complexity", &[("L", "Low"), ("H", "High")]),
        "PR" => ("Privileges required", &[("N", "None"), ("L", "Low"), ("H", "High")]),
        "UI" => ("User interaction", &[("N", "None"), ("R", "Required")]),
        "S" => ("Scope", &[("U", "Unchanged"), ("C", "Changed")]),
        "C" => ("Confidentiality", IMPACT),
        "I" => ("Integrity", IMPACT),
        "A" => ("Availability", IMPACT),
        _ => return (None, None),
    };
    (Some(name), lookup(values, value))
}

const REQUIREMENT: &[(&str, &str)] = &[("X", NOT_DEFINED), ("H", "High"), ("M", "Medium"), ("L", "Low")];
const IMPACT: &[(&str, &str)] = &[("H", "High"), ("L", "Low"), ("N", "None")];

fn v4(key: &str, value: &str) -> Named {
    // Environmental metrics modify a base metric: `MAV` is the modified attack vector.
    if let Some(base) = key.strip_prefix('M').filter(|b| !b.is_empty())
        && let (Some(name), words) = v4_base(base, value)
    {
        let modified = MODIFIED_V4.iter().find(|(b, _)| *b == name).map(|(_, m)| *m);
        let words = match (value, base) {
            ("X", _) => Some(NOT_DEFINED),
            // A modified subsequent integrity or availability may be "Safety" (`MSI:S`).
            ("S", "SI" | "SA") => Some("Safety"),
            _ => words,
        };
        return (modified, words);
    }
    match v4_base(key, value) {
        (Some(name), words) => (Some(name), words),
        (None, _) => {
            let (name, values): (&str, &[(&str, &str)]) = match key {
                "E" => (
                    "Exploit maturity",
                    &[("X", NOT_DEFINED), ("A", "Attacked"), ("P", "Proof-of-concept"), ("U", "Unreported")],
                ),
                "CR" => ("Confidentiality requirement", REQUIREMENT),
                "IR" => ("Integrity requirement", REQUIREMENT),
                "AR" => ("Availability requirement", REQUIREMENT),
                "S" => ("Safety", &[("X", NOT_DEFINED), ("N", "Negligible"), ("P", "Present")]),
                "AU" => ("Automatable", &[("X", NOT_DEFINED), ("N", "No"), ("Y", "Yes")]),
                "R" => ("Recovery", &[("X", NOT_DEFINED), ("A", "Automatic"), ("U", "User"), ("I", "Irrecoverable")]),
                "V" => ("Value density", &[("X", NOT_DEFINED), ("D", "Diffuse"), ("C", "Concentrated")]),
                "RE" => (
                    "Vulnerability response effort",
                    &[("X", NOT_DEFINED), ("L", "Low"), ("M", "Moderate"), ("H", "High")],
                ),
                "U" => (
                    "Provider urgency",
                    &[("X", NOT_DEFINED), ("Clear", "Clear"), ("Green", "Green"), ("Amber", "Amber"), ("Red", "Red")],
                ),
                _ => return (None, None),
            };
            (Some(name), lookup(values, value))
        }
    }
}

const MODIFIED_V4: &[(&str, &str)] = &[
    ("Attack vector", "Modified attack vector"),
    ("Attack complexity", "Modified attack complexity"),
    ("Attack requirements", "Modified attack requirements"),
    ("Privileges required", "Modified privileges required"),
    ("User interaction", "Modified user interaction"),
    ("Vulnerable system confidentiality", "Modified vulnerable system confidentiality"),
    ("Vulnerable system integrity", "Modified vulnerable system integrity"),
    ("Vulnerable system availability", "Modified vulnerable system availability"),
    ("Subsequent system confidentiality", "Modified subsequent system confidentiality"),
    ("Subsequent system integrity", "Modified subsequent system integrity"),
    ("Subsequent system availability", "Modified subsequent system availability"),
];

fn v4_base(key: &str, value: &str) -> Named {
    let (name, values): (&str, &[(&str, &str)]) = match key {
        "AV" => ("Attack vector", &[("N", "Network"), ("A", "Adjacent"), ("L", "Local"), ("P", "Physical")]),
        "AC" => ("Attack complexity", &[("L", "Low"), ("H", "High")]),
        "AT" => ("Attack requirements", &[("N", "None"), ("P", "Present")]),
        "PR" => ("Privileges required", &[("N", "None"), ("L", "Low"), ("H", "High")]),
        "UI" => ("User interaction", &[("N", "None"), ("P", "Passive"), ("A", "Active")]),
        "VC" => ("Vulnerable system confidentiality", IMPACT),
        "VI" => ("Vulnerable system integrity", IMPACT),
        "VA" => ("Vulnerable system availability", IMPACT),
        "SC" => ("Subsequent system confidentiality", IMPACT),
        "SI" => ("Subsequent system integrity", IMPACT),
        "SA" => ("Subsequent system availability", IMPACT),
        _ => return (None, None),
    };
    (Some(name), lookup(values, value))
}

/// CVSS v2 base metrics (the advisory crate scores base vectors only).
fn v2(key: &str, value: &str) -> Named {
    const LEVEL: &[(&str, &str)] = &[("N", "None"), ("P", "Partial"), ("C", "Complete")];
    let (name, values): (&str, &[(&str, &str)]) = match key {
        "AV" => ("Access vector", &[("L", "Local"), ("A", "Adjacent network"), ("N", "Network")]),
        "AC" => ("Access complexity", &[("H", "High"), ("M", "Medium"), ("L", "Low")]),
        "Au" => ("Authentication", &[("M", "Multiple"), ("S", "Single"), ("N", "None")]),
        "C" => ("Confidentiality impact", LEVEL),
        "I" => ("Integrity impact", LEVEL),
        "A" => ("Availability impact", LEVEL),
        _ => return (None, None),
    };
    (Some(name), lookup(values, value))
}

fn lookup(values: &[(&str, &'static str)], value: &str) -> Option<&'static str> {
    values.iter().find(|(code, _)| *code == value).map(|(_, words)| *words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(vector: &str, expected: &[(&str, &str)], calculator_url: Option<&str>) {
        let cvss: Cvss = vector.parse().unwrap();
        let got: Vec<(String, String)> = metrics(&cvss).into_iter().map(|m| (m.name, m.value)).collect();
        let expected: Vec<(String, String)> =
            expected.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        assert_eq!(got, expected, "{vector}");
        assert_eq!(calculator(&cvss).as_deref(), calculator_url, "{vector}");
    }

    #[test]
    fn every_version_reads_in_words() {
        check(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N",
            &[
                ("Attack vector", "Network"),
                ("Attack complexity", "Low"),
                ("Privileges required", "None"),
                ("User interaction", "None"),
                ("Scope", "Unchanged"),
                ("Confidentiality", "None"),
                ("Integrity", "Low"),
                ("Availability", "None"),
            ],
            Some("https://www.first.org/cvss/calculator/3.1#CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N"),
        );
        check(
            "CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:C/C:H/I:N/A:L",
            &[
                ("Attack vector", "Local"),
                ("Attack complexity", "High"),
                ("Privileges required", "High"),
                ("User interaction", "Required"),
                ("Scope", "Changed"),
                ("Confidentiality", "High"),
                ("Integrity", "None"),
                ("Availability", "Low"),
            ],
            Some("https://www.first.org/cvss/calculator/3.0#CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:C/C:H/I:N/A:L"),
        );
        check(
            "CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:L/VA:N/SC:N/SI:L/SA:H/E:A/MSI:S/AU:Y/U:Amber",
            &[
                ("Attack vector", "Adjacent"),
                ("Attack complexity", "High"),
                ("Attack requirements", "Present"),
                ("Privileges required", "Low"),
                ("User interaction", "Passive"),
                ("Vulnerable system confidentiality", "High"),
                ("Vulnerable system integrity", "Low"),
                ("Vulnerable system availability", "None"),
                ("Subsequent system confidentiality", "None"),
                ("Subsequent system integrity", "Low"),
                ("Subsequent system availability", "High"),
                ("Exploit maturity", "Attacked"),
                ("Modified subsequent system integrity", "Safety"),
                ("Automatable", "Yes"),
                ("Provider urgency", "Amber"),
            ],
            Some(
                "https://www.first.org/cvss/calculator/4.0#CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:L/VA:N/SC:N/SI:L/SA:H/E:A/MSI:S/AU:Y/U:Amber",
            ),
        );
        check(
            "AV:N/AC:M/Au:S/C:P/I:C/A:N",
            &[
                ("Access vector", "Network"),
                ("Access complexity", "Medium"),
                ("Authentication", "Single"),
                ("Confidentiality impact", "Partial"),
                ("Integrity impact", "Complete"),
                ("Availability impact", "None"),
            ],
            None,
        );
    }

    /// What the tables do not know is shown as written, never dropped.
    #[test]
    fn unknown_parts_are_kept_as_written() {
        let cvss = Cvss::from_scored("CVSS:3.1/AV:N/ZZ:Q/AC:Q".to_owned(), CvssVersion::V31, 5.0);
        let got: Vec<(String, String, bool)> = metrics(&cvss).into_iter().map(|m| (m.name, m.value, m.known)).collect();
        assert_eq!(
            got,
            [
                ("Attack vector".to_owned(), "Network".to_owned(), true),
                ("ZZ".to_owned(), "Q".to_owned(), false),
                ("Attack complexity".to_owned(), "Q".to_owned(), false),
            ]
        );
    }

    /// Every metric of every vector in the real database has a name and a value in words.
    #[test]
    fn every_vector_of_the_database_is_named() {
        let db = cratewatch_db::Database::load(&cratewatch_testdata::advisory_db()).unwrap();
        let mut vectors = 0;
        for advisory in db.advisories() {
            let Some(cvss) = &advisory.cvss else { continue };
            vectors += 1;
            for m in metrics(cvss) {
                assert!(m.known, "{}: {} is not named", advisory.id.as_str(), m.code);
            }
            assert!(calculator(cvss).is_some(), "{}: no calculator", advisory.id.as_str());
        }
        assert!(vectors > 400, "only {vectors} vectors");
    }
}
