//! Identifiers the workflow hands out or records: RustSec ids and CVE ids.

use std::fmt;
use std::str::FromStr;

use crate::ParseError;

/// A RustSec advisory id, `RUSTSEC-YYYY-NNNN`: a four-digit year and a number padded to four digits
/// (wider numbers are written in full, as in `RUSTSEC-2026-12345`).
///
/// Only the canonical spelling parses, so that an id read back prints exactly as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RustsecId {
    year: u16,
    number: u32,
}

impl RustsecId {
    /// The id of advisory `number` of `year`. The year must have four digits (1000 to 9999).
    pub fn new(year: u16, number: u32) -> Result<RustsecId, ParseError> {
        if !(1000..=9999).contains(&year) {
            return Err(ParseError::new("RustSec id year", &year.to_string(), "a four-digit year"));
        }
        Ok(RustsecId { year, number })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The number within the year.
    pub fn number(self) -> u32 {
        self.number
    }
}

impl fmt::Display for RustsecId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RUSTSEC-{:04}-{:04}", self.year, self.number)
    }
}

impl FromStr for RustsecId {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseError::new("RustSec id", s, "RUSTSEC-YYYY-NNNN");
        let rest = s.strip_prefix("RUSTSEC-").ok_or_else(bad)?;
        let (year, number) = rest.split_once('-').ok_or_else(bad)?;
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        // Four digits, or more without a leading zero: `0042` and `12345`, never `00042`.
        let canonical_number = number.len() == 4 || (number.len() > 4 && !number.starts_with('0'));
        if year.len() != 4 || year.starts_with('0') || !digits(year) || !digits(number) || !canonical_number {
            return Err(bad());
        }
        let year = year.parse().map_err(|_| bad())?;
        let number = number.parse().map_err(|_| bad())?;
        RustsecId::new(year, number).map_err(|_| bad())
    }
}

/// Checks a CVE id: `CVE-`, a four-digit year, `-` and four or more digits.
pub(crate) fn check_cve(cve: &str) -> Result<(), ParseError> {
    let bad = || ParseError::new("CVE id", cve, "CVE-YYYY-NNNN (four or more digits after the year)");
    let rest = cve.strip_prefix("CVE-").ok_or_else(bad)?;
    let (year, number) = rest.split_once('-').ok_or_else(bad)?;
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if year.len() == 4 && digits(year) && number.len() >= 4 && digits(number) { Ok(()) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids() {
        for good in ["CVE-2026-0001", "CVE-2026-1234567", "CVE-1999-0001"] {
            assert_eq!(check_cve(good), Ok(()), "{good}");
        }
        for bad in ["", "CVE-2026-123", "cve-2026-1234", "CVE-26-1234", "CVE-2026-12a4", "CVE-2026-1234 ", "CVE-2026"] {
            assert!(check_cve(bad).is_err(), "{bad}");
        }
    }
}
