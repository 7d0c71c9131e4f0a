-- The first schema of the disclosure store, SQLite dialect. Keep it in step with
-- ../postgres/0001_initial.sql: same tables, columns, constraints and indexes.
-- Times are Unix milliseconds (INTEGER); booleans are INTEGER 0 or 1 (SQLite has no boolean type).

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    crate_name TEXT NOT NULL,
    reporter_name TEXT,
    reporter_email TEXT,
    reporter_token_hash TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    acknowledged_at INTEGER,
    responded_at INTEGER,
    last_reporter_update_at INTEGER,
    handler_user_id INTEGER REFERENCES users (id),
    affected_versions_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (affected_versions_confirmed IN (0, 1)),
    similar_code_audited INTEGER NOT NULL DEFAULT 0 CHECK (similar_code_audited IN (0, 1)),
    reject_reason TEXT,
    reject_detail TEXT,
    duplicate_of INTEGER REFERENCES reports (id),
    rustsec_id TEXT UNIQUE,
    cve TEXT,
    draft TEXT,
    embargo_until INTEGER,
    prenotified_at INTEGER,
    published_at INTEGER,
    withdrawn_at INTEGER,
    checklist TEXT NOT NULL DEFAULT '[]',
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX reports_state ON reports (state);
CREATE INDEX reports_handler ON reports (handler_user_id);

-- The audit log: rows are only ever inserted. The triggers below refuse UPDATE and DELETE.
CREATE TABLE report_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    seq INTEGER NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    actor_label TEXT NOT NULL,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    detail TEXT NOT NULL,
    UNIQUE (report_id, seq)
);

CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
BEGIN
    SELECT RAISE(ABORT, 'report_events is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events
BEGIN
    SELECT RAISE(ABORT, 'report_events is append-only: DELETE is not allowed');
END;

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    from_reporter INTEGER NOT NULL CHECK (from_reporter IN (0, 1)),
    author_label TEXT NOT NULL,
    body TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX messages_report ON messages (report_id, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER REFERENCES reports (id),
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_report ON outbox (report_id);

CREATE TABLE rustsec_id_counters (
    year INTEGER PRIMARY KEY,
    next_number INTEGER NOT NULL
);
