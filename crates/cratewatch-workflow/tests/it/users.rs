//! Users through the service: the `cratewatch user` commands' operations, and signing in and out of the
//! web pages.

use cratewatch_disclosure::Role;
use cratewatch_workflow::{SESSION_TTL, WorkflowError};
use jiff::SignedDuration;

use crate::{Service, submission};

#[tokio::test]
async fn users_are_added_listed_given_tokens_revoked_and_disabled() {
    let s = Service::start("sqlite", "user-admin").await;
    let (carol, token) = s.disclosure.add_user("carol", Role::Coordinator, &[]).await.unwrap();
    assert_eq!((carol.name.as_str(), carol.role.as_str()), ("carol", "coordinator"));
    assert!(token.starts_with("cw_"), "{token}");
    let error = s.disclosure.add_user("carol", Role::Responder, &[]).await.unwrap_err();
    assert!(matches!(error, WorkflowError::Conflict(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "a user named `carol` already exists (`cratewatch user token carol` makes a new token)"
    );
    s.disclosure.add_user("olga", Role::Coordinator, &["read"]).await.unwrap();

    let (second, _) = s.disclosure.new_token("carol", &["read"]).await.unwrap();
    assert_eq!(second.scopes, ["read"]);
    let listed = s.disclosure.users_with_tokens().await.unwrap();
    let summary: Vec<(String, Vec<Vec<String>>)> =
        listed.iter().map(|u| (u.user.name.clone(), u.tokens.iter().map(|t| t.scopes.clone()).collect())).collect();
    let scopes = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        summary,
        [
            ("carol".to_owned(), vec![scopes(&["read", "write"]), scopes(&["read"])]),
            ("olga".to_owned(), vec![scopes(&["read"])]),
        ]
    );

    // Revoking ends the token (and is refused the second time); disabling ends the user.
    s.disclosure.revoke_token(second.id).await.unwrap();
    let again = s.disclosure.revoke_token(second.id).await.unwrap_err();
    assert_eq!(again.to_string(), format!("no active token {}", second.id));
    assert!(s.disclosure.principal_for_token(&token).await.unwrap().is_some());
    s.disclosure.disable_user("carol").await.unwrap();
    assert!(s.disclosure.principal_for_token(&token).await.unwrap().is_none(), "a disabled user's token");
    for error in [
        s.disclosure.new_token("nobody", &[]).await.unwrap_err(),
        s.disclosure.disable_user("nobody").await.unwrap_err(),
    ] {
        assert!(matches!(error, WorkflowError::NotFound(_)), "{error:?}");
        assert_eq!(error.to_string(), "no user named `nobody`");
    }
}

/// A web session opens only for an active user's full token (both scopes), never for a reporter's
/// secret, and the refusals for a wrong name or token are alike. It lasts [`SESSION_TTL`], and signing
/// out or revoking any of the user's tokens ends it.
#[tokio::test]
async fn sessions_open_for_full_staff_tokens_only_and_end_on_sign_out_and_revocation() {
    let s = Service::start("sqlite", "sessions").await;
    let (_, token) = s.disclosure.add_user("carol", Role::Coordinator, &[]).await.unwrap();
    let (_, read_only) = s.disclosure.add_user("olga", Role::Coordinator, &["read"]).await.unwrap();
    let (_, reporter_secret) = s.disclosure.submit(submission("Overflow")).await.unwrap();

    for (name, token) in [("carol", "cw_wrong"), ("olga", token.as_str()), ("", token.as_str()), ("carol", "")] {
        let error = s.disclosure.sign_in(name, token).await.unwrap_err();
        assert!(matches!(error, WorkflowError::Unauthorized(_)), "{name}: {error:?}");
        assert_eq!(error.to_string(), "the user name and token do not match an active account");
    }
    let error = s.disclosure.sign_in("reporter", &reporter_secret).await.unwrap_err();
    assert!(matches!(error, WorkflowError::Unauthorized(_)), "a reporter's secret opens no session: {error:?}");
    let error = s.disclosure.sign_in("olga", &read_only).await.unwrap_err();
    assert!(matches!(error, WorkflowError::Forbidden(_)) && error.to_string().contains("limited"), "{error:?}");

    let session = s.disclosure.sign_in("carol", &token).await.unwrap();
    assert_eq!((session.user.name.as_str(), session.ttl), ("carol", SESSION_TTL));
    let (principal, csrf) = s.disclosure.principal_for_session(&session.id).await.unwrap().expect("signed in");
    assert!(matches!(principal, cratewatch_workflow::Principal::User { scopes: None, .. }));
    assert_eq!(csrf.len(), 64);
    s.disclosure.sign_out(&session.id).await.unwrap();
    assert!(s.disclosure.principal_for_session(&session.id).await.unwrap().is_none());

    // Twelve hours, then it is gone.
    let session = s.disclosure.sign_in("carol", &token).await.unwrap();
    s.clock.advance(SESSION_TTL - SignedDuration::from_secs(1));
    assert!(s.disclosure.principal_for_session(&session.id).await.unwrap().is_some());
    s.clock.advance(SignedDuration::from_secs(1));
    assert!(s.disclosure.principal_for_session(&session.id).await.unwrap().is_none());

    // Revoking a token ends the user's sessions: one may have been opened with it.
    let session = s.disclosure.sign_in("carol", &token).await.unwrap();
    let id = s.disclosure.users_with_tokens().await.unwrap()[0].tokens[0].id;
    s.disclosure.revoke_token(id).await.unwrap();
    assert!(s.disclosure.principal_for_session(&session.id).await.unwrap().is_none());
}
