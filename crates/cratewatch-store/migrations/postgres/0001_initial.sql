-- The first schema of the disclosure store, PostgreSQL dialect. Keep it in step with
-- ../sqlite/0001_initial.sql: same tables, columns, constraints and indexes.
-- Times are Unix milliseconds (BIGINT).

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    crate_name TEXT NOT NULL,
    reporter_name TEXT,
    reporter_email TEXT,
    reporter_token_hash TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    acknowledged_at BIGINT,
    responded_at BIGINT,
    last_reporter_update_at BIGINT,
    handler_user_id BIGINT REFERENCES users (id),
    affected_versions_confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    similar_code_audited BOOLEAN NOT NULL DEFAULT FALSE,
    reject_reason TEXT,
    reject_detail TEXT,
    duplicate_of BIGINT REFERENCES reports (id),
    rustsec_id TEXT UNIQUE,
    cve TEXT,
    draft TEXT,
    embargo_until BIGINT,
    prenotified_at BIGINT,
    published_at BIGINT,
    withdrawn_at BIGINT,
    checklist TEXT NOT NULL DEFAULT '[]',
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    row_version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX reports_state ON reports (state);
CREATE INDEX reports_handler ON reports (handler_user_id);

-- The audit log: rows are only ever inserted. The triggers below refuse UPDATE, DELETE and TRUNCATE.
CREATE TABLE report_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id),
    seq BIGINT NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor_label TEXT NOT NULL,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    detail TEXT NOT NULL,
    UNIQUE (report_id, seq)
);

CREATE FUNCTION report_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report_events is append-only: % is not allowed', TG_OP;
END
$$;

CREATE TRIGGER report_events_no_update_or_delete BEFORE UPDATE OR DELETE ON report_events
    FOR EACH ROW EXECUTE FUNCTION report_events_append_only();

CREATE TRIGGER report_events_no_truncate BEFORE TRUNCATE ON report_events
    FOR EACH STATEMENT EXECUTE FUNCTION report_events_append_only();

CREATE TABLE messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id),
    from_reporter BOOLEAN NOT NULL,
    author_label TEXT NOT NULL,
    body TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX messages_report ON messages (report_id, id);

CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id BIGINT REFERENCES reports (id),
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_report ON outbox (report_id);

CREATE TABLE rustsec_id_counters (
    year BIGINT PRIMARY KEY,
    next_number BIGINT NOT NULL
);
