//! Users, API tokens and sessions.

use cratewatch_store::{Error, Store};

use crate::{T0, TestDb, new_report};

crate::cases! {
    store: tokens_authenticate_until_revoked, users_are_listed_and_disabled, sessions_expire, bad_scopes_are_refused;
    db: secrets_are_stored_only_as_hashes;
}

async fn tokens_authenticate_until_revoked(store: Store) {
    let (alice, first) = store.add_user("alice", "coordinator", &["reports:read", "reports:write"], T0).await.unwrap();
    assert_eq!(
        (alice.name.as_str(), alice.role.as_str(), alice.created_at, alice.disabled),
        ("alice", "coordinator", T0, false)
    );
    assert!(first.starts_with("cw_") && first.len() == 67, "{first}");

    let (user, token) = store.authenticate_token(&first, T0 + 5).await.unwrap().expect("the first token works");
    assert_eq!(user, alice);
    assert_eq!(token.scopes, ["reports:read", "reports:write"]);
    assert!(token.has_scope("reports:write") && !token.has_scope("admin"));
    assert_eq!(token.last_used_at, Some(T0 + 5));
    assert_eq!(token.revoked_at, None);

    let (second_record, second) = store.create_token(alice.id, &["reports:read"], T0 + 10).await.unwrap();
    assert_ne!(first, second);
    assert_eq!(second_record.scopes, ["reports:read"]);
    assert_eq!(second_record.last_used_at, None);
    assert!(store.authenticate_token(&second, T0 + 11).await.unwrap().is_some());

    assert!(store.authenticate_token("cw_0000", T0).await.unwrap().is_none());
    assert!(store.authenticate_token(&second.to_uppercase(), T0).await.unwrap().is_none());

    let (session, _) = store.create_session(alice.id, T0 + 12, 60_000).await.unwrap();
    assert!(store.session(&session, T0 + 13).await.unwrap().is_some());
    assert!(store.revoke_token(second_record.id, T0 + 20).await.unwrap());
    // A web session may have been opened with the revoked token: the user's sessions end with it.
    assert!(store.session(&session, T0 + 21).await.unwrap().is_none(), "the session ended with the revocation");
    assert!(!store.revoke_token(second_record.id, T0 + 30).await.unwrap(), "revoked once");
    assert!(store.authenticate_token(&second, T0 + 21).await.unwrap().is_none());
    assert!(store.authenticate_token(&first, T0 + 21).await.unwrap().is_some(), "the other token still works");

    let tokens = store.tokens(alice.id).await.unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0].last_used_at, Some(T0 + 21));
    assert_eq!(tokens[1].revoked_at, Some(T0 + 20));
    assert_eq!(tokens[1].last_used_at, Some(T0 + 11), "a refused token is not marked used");
}

async fn users_are_listed_and_disabled(store: Store) {
    let (carol, carol_token) = store.add_user("carol", "coordinator", &["all"], T0).await.unwrap();
    let (bob, _) = store.add_user("bob", "responder", &[], T0 + 1).await.unwrap();
    let (dave, _) = store.add_user("dave", "coordinator", &[], T0 + 2).await.unwrap();
    let duplicate = store.add_user("carol", "responder", &[], T0).await.unwrap_err();
    assert!(matches!(duplicate, Error::Sql { .. }), "{duplicate:?}");
    assert!(duplicate.to_string().starts_with("cannot add user carol: "), "{duplicate}");

    let names = |users: Vec<cratewatch_store::UserRecord>| users.into_iter().map(|u| u.name).collect::<Vec<_>>();
    assert_eq!(names(store.list_users().await.unwrap()), ["bob", "carol", "dave"]);
    assert_eq!(names(store.users_with_role("coordinator").await.unwrap()), ["carol", "dave"]);
    assert_eq!(store.user(bob.id).await.unwrap(), Some(bob.clone()));
    assert_eq!(store.user_by_name("dave").await.unwrap(), Some(dave.clone()));
    assert_eq!(store.user(999_999).await.unwrap(), None);
    assert_eq!(store.user_by_name("eve").await.unwrap(), None);

    let (session, _) = store.create_session(carol.id, T0, 60_000).await.unwrap();
    assert!(store.set_user_disabled(carol.id, true).await.unwrap());
    assert!(!store.set_user_disabled(999_999, true).await.unwrap());
    assert!(store.user(carol.id).await.unwrap().unwrap().disabled);
    assert_eq!(names(store.users_with_role("coordinator").await.unwrap()), ["dave"]);
    assert_eq!(names(store.list_users().await.unwrap()), ["bob", "carol", "dave"], "disabled users are still listed");
    assert!(store.authenticate_token(&carol_token, T0).await.unwrap().is_none());
    assert!(store.session(&session, T0).await.unwrap().is_none());

    store.set_user_disabled(carol.id, false).await.unwrap();
    assert!(store.authenticate_token(&carol_token, T0).await.unwrap().is_some());
    assert!(store.session(&session, T0).await.unwrap().is_some());
}

async fn sessions_expire(store: Store) {
    let (user, _) = store.add_user("alice", "responder", &[], T0).await.unwrap();
    let (id, session) = store.create_session(user.id, T0, 1_000).await.unwrap();
    let (other, _) = store.create_session(user.id, T0, 10_000).await.unwrap();
    assert!(id.starts_with("cw_"));
    assert_ne!(id, other);
    assert_eq!((session.user_id, session.created_at, session.expires_at), (user.id, T0, T0 + 1_000));
    assert_eq!(session.csrf_secret.len(), 64);

    let (found_user, found) = store.session(&id, T0 + 999).await.unwrap().expect("valid until it expires");
    assert_eq!(found_user, user);
    assert_eq!(found, session);
    assert!(store.session(&id, T0 + 1_000).await.unwrap().is_none(), "expired at expires_at");
    assert!(store.session("cw_nonsense", T0).await.unwrap().is_none());

    assert_eq!(store.delete_expired_sessions(T0 + 1_000).await.unwrap(), 1);
    assert!(store.session(&other, T0 + 1_000).await.unwrap().is_some());
    assert!(store.delete_session(&other).await.unwrap());
    assert!(!store.delete_session(&other).await.unwrap());
    assert!(store.session(&other, T0 + 1_000).await.unwrap().is_none());
}

async fn bad_scopes_are_refused(store: Store) {
    let error = store.add_user("alice", "responder", &["read write"], T0).await.unwrap_err();
    assert_eq!(error.to_string(), "cannot add user alice: scope \"read write\" is empty or has white space");
    assert!(store.user_by_name("alice").await.unwrap().is_none(), "nothing was written");
    let (user, _) = store.add_user("alice", "responder", &[], T0).await.unwrap();
    assert!(matches!(store.create_token(user.id, &[""], T0).await, Err(Error::Invalid { .. })));
}

/// Tokens, session ids and reporter tokens are stored only as hashes: the plain secret is in no
/// column of any table, while its SHA-256 is.
async fn secrets_are_stored_only_as_hashes(db: TestDb) {
    use sha2::{Digest, Sha256};
    let store = db.open().await;
    let (user, first) = store.add_user("alice", "coordinator", &["all"], T0).await.unwrap();
    let (_, second) = store.create_token(user.id, &["reports:read"], T0).await.unwrap();
    let (session, _) = store.create_session(user.id, T0, 60_000).await.unwrap();
    let (_, reporter) = store.create_report(new_report("leak"), T0).await.unwrap();
    store.authenticate_token(&first, T0).await.unwrap().unwrap();
    store.close().await;

    let text = db.all_text().await;
    for secret in [&first, &second, &session, &reporter] {
        let bare = secret.trim_start_matches("cw_");
        assert!(!text.iter().any(|value| value.contains(bare)), "{secret} is stored in plain text");
        let hash: String = Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert!(text.contains(&hash), "the hash of {secret} is not stored");
    }
}
