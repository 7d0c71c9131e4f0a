//! The security-response checklist, adapted from Cargo's (the "Checklist" section of
//! `src/doc/contrib/src/process/security.md` in rust-lang/cargo) to any crate a registry serves.

use crate::error::storage_names;

storage_names! {
    /// One item of the security-response checklist. The keys are stable storage names; the labels may
    /// be reworded. Items can be ticked from the moment a report is accepted, including after
    /// publication (the post-release checks).
    #[non_exhaustive]
    pub enum ChecklistItem ("checklist item") {
        /// Checked the fix for SemVer-incompatible changes to public APIs.
        SemverChecked => "semver_checked",
        /// Ran the test suite on the fix (private forks have no CI).
        TestsRun => "tests_run",
        /// Exercised the fix by hand in the environments users run.
        FixExercised => "fix_exercised",
        /// Reviewed the fix, its comments, documentation and commit messages.
        FixReviewed => "fix_reviewed",
        /// Prepared backports for every maintained release line.
        BackportsPrepared => "backports_prepared",
        /// Bumped versions and updated lockfiles and the changelog on every branch.
        VersionsBumped => "versions_bumped",
        /// Removed temporary changes, such as `[patch]` tables pointing at private forks.
        TemporaryChangesRemoved => "temporary_changes_removed",
        /// Published the fixed releases (and any embargoed dependencies) to the registry.
        ReleasePublished => "release_published",
        /// Submitted the advisory to RustSec (and published the GitHub advisory, if any).
        AdvisorySubmitted => "advisory_submitted",
        /// Sent the announcements.
        AnnouncementSent => "announcement_sent",
        /// Verified the releases, tags and backports are public on every branch.
        PostReleaseChecked => "post_release_checked",
        /// Followed up on the non-critical tasks found during review.
        FollowUpsFiled => "follow_ups_filed",
    }
}

/// When a checklist item is done, relative to the release of the fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChecklistPhase {
    /// While the fix is prepared under embargo.
    PreRelease,
    /// On the day the embargo ends.
    Release,
    /// After the release.
    PostRelease,
}

impl ChecklistPhase {
    /// The heading under which the items of the phase are shown.
    pub fn label(self) -> &'static str {
        match self {
            ChecklistPhase::PreRelease => "Pre-release",
            ChecklistPhase::Release => "Release",
            ChecklistPhase::PostRelease => "Post-release",
        }
    }
}

impl ChecklistItem {
    /// The text shown next to the checkbox.
    pub fn label(self) -> &'static str {
        match self {
            ChecklistItem::SemverChecked => "No SemVer-incompatible change to any public API, or it is coordinated",
            ChecklistItem::TestsRun => "The whole test suite passes on the fix, run locally on every platform",
            ChecklistItem::FixExercised => "The fix was exercised by hand in the environments users run",
            ChecklistItem::FixReviewed => "The fix, its docs and its commit messages are reviewed",
            ChecklistItem::BackportsPrepared => "Backports are prepared for every maintained release line",
            ChecklistItem::VersionsBumped => "Versions, lockfiles and changelog are updated on every branch",
            ChecklistItem::TemporaryChangesRemoved => "Temporary changes (such as `[patch]` tables) are removed",
            ChecklistItem::ReleasePublished => "The fixed releases (and embargoed dependencies) are published",
            ChecklistItem::AdvisorySubmitted => "The advisory is submitted to RustSec",
            ChecklistItem::AnnouncementSent => "The announcements are sent",
            ChecklistItem::PostReleaseChecked => "Releases, tags and backports are verified on every branch",
            ChecklistItem::FollowUpsFiled => "Non-critical follow-ups found during review are filed",
        }
    }

    /// When the item is done.
    pub fn phase(self) -> ChecklistPhase {
        match self {
            ChecklistItem::SemverChecked
            | ChecklistItem::TestsRun
            | ChecklistItem::FixExercised
            | ChecklistItem::FixReviewed
            | ChecklistItem::BackportsPrepared
            | ChecklistItem::VersionsBumped
            | ChecklistItem::TemporaryChangesRemoved => ChecklistPhase::PreRelease,
            ChecklistItem::ReleasePublished | ChecklistItem::AdvisorySubmitted | ChecklistItem::AnnouncementSent => {
                ChecklistPhase::Release
            }
            ChecklistItem::PostReleaseChecked | ChecklistItem::FollowUpsFiled => ChecklistPhase::PostRelease,
        }
    }
}

/// The whole checklist, in the order it is worked through.
pub const CHECKLIST: &[ChecklistItem] = ChecklistItem::ALL;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_in_order() {
        let phases: Vec<ChecklistPhase> = CHECKLIST.iter().map(|i| i.phase()).collect();
        assert!(phases.is_sorted(), "{phases:?}");
        assert!(CHECKLIST.iter().all(|i| !i.label().is_empty() && i.as_str().parse() == Ok(*i)));
    }
}
