//! Reports: creation with the first event, reads, lists and filters, messages, odd and large text.

use cratewatch_store::{Change, NewMessage, ReportFilter, Store};

use crate::{T0, event, new_report};

crate::cases! {
    store: created_reports_read_back,
        reports_are_listed_and_filtered,
        messages_keep_their_order,
        unicode_and_large_text_round_trip;
}

async fn created_reports_read_back(store: Store) {
    let (report, token) = store.create_report(new_report("overflow in push"), T0).await.unwrap();
    assert!(token.starts_with("cw_"));
    assert_eq!(report.title, "overflow in push");
    assert_eq!(report.description, "overflow in push: details");
    assert_eq!(report.crate_name, "smallvec");
    assert_eq!(report.reporter_name.as_deref(), Some("Rita Reporter"));
    assert_eq!(report.reporter_email.as_deref(), Some("rita@example.invalid"));
    assert_eq!(report.state, "received");
    assert_eq!((report.received_at, report.updated_at, report.row_version), (T0, T0, 1));
    assert!(report.checklist.is_empty());
    assert!(!report.affected_versions_confirmed && !report.similar_code_audited);
    assert_eq!((report.acknowledged_at, report.rustsec_id.as_deref(), report.handler_user_id), (None, None, None));

    assert_eq!(store.report(report.id).await.unwrap(), Some(report.clone()));
    assert_eq!(store.report_by_reporter_token(&token).await.unwrap(), Some(report.clone()));
    assert_eq!(store.report_by_reporter_token("cw_not-a-token").await.unwrap(), None);
    assert_eq!(store.report(report.id + 1000).await.unwrap(), None);

    let events = store.events(report.id).await.unwrap();
    assert_eq!(events.len(), 1);
    let received = &events[0];
    assert_eq!((received.report_id, received.seq, received.at), (report.id, 1, T0));
    assert_eq!((received.action.as_str(), received.actor_label.as_str()), ("received", "Rita Reporter"));
    assert_eq!((received.from_state.as_deref(), received.to_state.as_deref()), (None, Some("received")));
    assert_eq!(received.actor_user_id, None);

    let (anonymous, _) = store
        .create_report(
            cratewatch_store::NewReport { reporter_name: None, reporter_email: None, ..new_report("anon") },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(store.events(anonymous.id).await.unwrap()[0].actor_label, "reporter");
    assert!(store.messages(report.id).await.unwrap().is_empty());
}

async fn reports_are_listed_and_filtered(store: Store) {
    let (handler, _) = store.add_user("hana", "responder", &[], T0).await.unwrap();
    let mut ids = Vec::new();
    for (i, title) in ["a", "b", "c", "d"].into_iter().enumerate() {
        let (report, _) = store.create_report(new_report(title), T0 + i as i64).await.unwrap();
        ids.push(report.id);
    }
    let set = |state: &'static str, handler: Option<i64>| {
        move |r: &cratewatch_store::ReportRecord| -> Result<Change, String> {
            let mut new = r.clone();
            new.state = state.to_owned();
            new.handler_user_id = handler;
            Ok(Change::new(new, event("triage", T0 + 100)))
        }
    };
    store.apply(ids[1], set("acknowledged", Some(handler.id))).await.unwrap();
    store.apply(ids[2], set("published", Some(handler.id))).await.unwrap();
    store.apply(ids[3], set("rejected", None)).await.unwrap();

    let titles = |filter: ReportFilter| {
        let store = store.clone();
        async move { store.list_reports(&filter).await.unwrap().into_iter().map(|r| r.title).collect::<Vec<_>>() }
    };
    assert_eq!(titles(ReportFilter::default()).await, ["a", "b", "c", "d"]);
    let open = vec!["received".to_owned(), "acknowledged".to_owned()];
    assert_eq!(titles(ReportFilter { states: open.clone(), ..Default::default() }).await, ["a", "b"]);
    assert_eq!(titles(ReportFilter { states: vec!["rejected".into()], ..Default::default() }).await, ["d"]);
    assert_eq!(titles(ReportFilter { handler_user_id: Some(handler.id), ..Default::default() }).await, ["b", "c"]);
    assert_eq!(titles(ReportFilter { states: open, handler_user_id: Some(handler.id) }).await, ["b"]);
    assert!(titles(ReportFilter { states: vec!["withdrawn".into()], ..Default::default() }).await.is_empty());
}

async fn messages_keep_their_order(store: Store) {
    let (report, _) = store.create_report(new_report("msg"), T0).await.unwrap();
    let from = |reporter: bool, body: &str, at: i64| NewMessage {
        from_reporter: reporter,
        author_label: if reporter { "Rita".into() } else { "carol".into() },
        body: body.to_owned(),
        at,
    };
    let applied = store
        .apply(report.id, |r| {
            Ok::<_, String>(
                Change::new(r.clone(), event("message", T0 + 1))
                    .message(from(false, "thanks, we are looking", T0 + 1))
                    .message(from(false, "second note", T0 + 1)),
            )
        })
        .await
        .unwrap();
    assert_eq!(applied.messages.len(), 2);
    store
        .apply(report.id, |r| {
            let mut new = r.clone();
            new.last_reporter_update_at = Some(T0 + 2);
            Ok::<_, String>(Change::new(new, event("reporter-message", T0 + 2)).message(from(
                true,
                "here is a PoC",
                T0 + 2,
            )))
        })
        .await
        .unwrap();
    let messages = store.messages(report.id).await.unwrap();
    let got: Vec<_> =
        messages.iter().map(|m| (m.from_reporter, m.author_label.as_str(), m.body.as_str(), m.at)).collect();
    assert_eq!(
        got,
        [
            (false, "carol", "thanks, we are looking", T0 + 1),
            (false, "carol", "second note", T0 + 1),
            (true, "Rita", "here is a PoC", T0 + 2)
        ]
    );
    assert_eq!(messages[0], applied.messages[0]);
    assert!(messages.iter().all(|m| m.report_id == report.id));
    assert_eq!(store.events(report.id).await.unwrap().len(), 3);
}

async fn unicode_and_large_text_round_trip(store: Store) {
    let odd = concat!(
        "Überlauf in `push` — 溢出 🦀🔥 עברית \u{202e}reversed\u{202c} e\u{301} ",
        "\"quotes\" 'single' \\ back\\slash; DROP TABLE reports; --\ttab\r\nline",
    );
    let large: String = "0123456789abcdef🦀".repeat(64 * 1024); // about 1.3 MB
    let mut submitted = new_report(odd);
    submitted.description = large.clone();
    submitted.crate_name = "crate-ß".to_owned();
    submitted.reporter_name = Some("Zoë Ünicode".to_owned());
    let (report, token) = store.create_report(submitted, T0).await.unwrap();
    let read = store.report_by_reporter_token(&token).await.unwrap().unwrap();
    assert_eq!(read.title, odd);
    assert_eq!(read.description, large);
    assert_eq!(read.crate_name, "crate-ß");

    let draft = format!("```toml\n[advisory]\nid = \"RUSTSEC-0000-0000\"\n```\n\n# {odd}\n\n{}", "ω".repeat(1 << 20));
    let detail = serde_json::json!({ "note": odd, "nested": { "list": [1, 2.5, null, true, "🦀"] } });
    store
        .apply(report.id, |r| {
            let mut new = r.clone();
            new.draft = Some(draft.clone());
            new.checklist = vec!["tests_run".into(), "ünïcode ✓".into()];
            let mut e = event("edit_draft", T0 + 1);
            e.summary = odd.to_owned();
            e.detail = detail.clone();
            Ok::<_, String>(Change::new(new, e).message(NewMessage {
                from_reporter: true,
                author_label: "Zoë".into(),
                body: large.clone(),
                at: T0 + 1,
            }))
        })
        .await
        .unwrap();
    let read = store.report(report.id).await.unwrap().unwrap();
    assert_eq!(read.draft.as_deref(), Some(draft.as_str()));
    assert_eq!(read.checklist, ["tests_run", "ünïcode ✓"]);
    let events = store.events(report.id).await.unwrap();
    assert_eq!(events[1].summary, odd);
    assert_eq!(events[1].detail, detail);
    assert_eq!(store.messages(report.id).await.unwrap()[0].body, large);
}
