//! The states of a private report.

use crate::error::storage_names;

storage_names! {
    /// Where a report is in the disclosure workflow. The storage names never change.
    ///
    /// ```text
    /// received ─► acknowledged ─► accepted ─► fix_in_progress ⇄ drafted ⇄ embargoed ─► published ─► withdrawn
    ///                  └────────► rejected
    /// ```
    #[non_exhaustive]
    pub enum State ("report state") {
        /// The report has arrived; nobody has answered yet.
        Received => "received",
        /// The reporter has been told the report arrived (due 24 hours after receipt).
        Acknowledged => "acknowledged",
        /// Triage found a vulnerability; a RustSec id is allocated.
        Accepted => "accepted",
        /// Triage found no vulnerability to handle. Final.
        Rejected => "rejected",
        /// A handler confirmed the affected versions, audited similar code and is preparing fixes.
        FixInProgress => "fix_in_progress",
        /// A draft advisory that passes the checks is ready.
        Drafted => "drafted",
        /// A publication date is set; nothing about the report is public.
        Embargoed => "embargoed",
        /// The advisory is public.
        Published => "published",
        /// The published advisory was withdrawn. Final.
        Withdrawn => "withdrawn",
    }
}

impl State {
    /// Whether the report is still being handled: every state but `rejected`, `published` and
    /// `withdrawn`. The reporter-update clock runs only for open reports.
    pub fn is_open(self) -> bool {
        !matches!(self, State::Rejected | State::Published | State::Withdrawn)
    }

    /// Whether no action at all is possible any more (`rejected`, `withdrawn`).
    pub fn is_final(self) -> bool {
        matches!(self, State::Rejected | State::Withdrawn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_names_round_trip() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>(), Ok(*state));
        }
        let err = "open".parse::<State>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid report state `open`: expected one of received, acknowledged, accepted, rejected, \
             fix_in_progress, drafted, embargoed, published, withdrawn"
        );
    }

    #[test]
    fn open_and_final_states() {
        let open: Vec<&str> = State::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
        assert_eq!(open, ["received", "acknowledged", "accepted", "fix_in_progress", "drafted", "embargoed"]);
        let finals: Vec<&str> = State::ALL.iter().filter(|s| s.is_final()).map(|s| s.as_str()).collect();
        assert_eq!(finals, ["rejected", "withdrawn"]);
    }
}
