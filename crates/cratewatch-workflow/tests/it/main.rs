//! The workflow service called directly, as the server's HTTP layer, its scheduler and the
//! `cratewatch user` commands call it: on a scratch SQLite store and on the PostgreSQL server of
//! `$CRATEWATCH_TEST_POSTGRES_URL`, with a settable clock.

mod reports;
mod users;

use std::sync::Arc;

use cratewatch_disclosure::{ManualClock, Role};
use cratewatch_store::Store;
use cratewatch_workflow::{Disclosure, DisclosureConfig, NoMailer, Principal, Submission};
use jiff::Timestamp;

/// "Now" when a test starts.
const START: &str = "2026-11-02T09:00:00Z";

/// A service over a fresh store, with its clock.
struct Service {
    disclosure: Disclosure,
    clock: ManualClock,
}

impl Service {
    async fn start(backend: &str, name: &str) -> Service {
        let url = cratewatch_testdata::store_url(backend, &format!("workflow-{name}-{backend}"));
        let store = Store::open(&url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        let clock = ManualClock::new(START.parse::<Timestamp>().unwrap());
        let config = DisclosureConfig {
            coordinators: vec!["coordinators@cratewatch.test".into()],
            distribution: vec!["distros@lists.test".into()],
            base_url: "https://cratewatch.test".into(),
        };
        // RUSTSEC ids of every year start after 0200, as if the public database had 200 of them.
        let disclosure = Disclosure::new(store, Arc::new(clock.clone()), Arc::new(NoMailer), config, Box::new(|_| 200));
        Service { disclosure, clock }
    }

    /// A user added as `cratewatch user add` adds them, as the principal their token gives.
    async fn user(&self, name: &str, role: Role, scopes: &[&str]) -> (Principal, String) {
        let (_, token) = self.disclosure.add_user(name, role, scopes).await.unwrap();
        let principal = self.disclosure.principal_for_token(&token).await.unwrap().expect("a valid token");
        (principal, token)
    }
}

/// A report as the public form sends it.
fn submission(title: &str) -> Submission {
    Submission {
        title: title.to_owned(),
        description: "`SmallVec::insert_many` writes past its buffer when the iterator lies about its length."
            .to_owned(),
        crate_name: "smallvec".to_owned(),
        reporter_name: Some("Rita Reporter".to_owned()),
        reporter_email: Some("rita@example.test".to_owned()),
    }
}

/// The id of a principal that is a user.
fn user_id(principal: &Principal) -> i64 {
    match principal {
        Principal::User { user, .. } => user.id,
        Principal::Reporter { .. } => panic!("not a user"),
    }
}
