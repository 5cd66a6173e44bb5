-- 0031: the trust portal's people, sessions and API tokens, and what they did.
--
-- A person belongs to exactly one trust (its ODS code) or is central. They prove who they are with a password (a
-- bcrypt hash) today; `issuer` and `subject` name the identity provider and its id for them, so that NHS CIS2
-- (OpenID Connect) can stand in for passwords later without a change to anything that reads an identity. Sessions
-- live here, not in a server's memory, so they survive a restart and serve several portal instances. API tokens
-- belong to a trust; only a hash of their secret is kept.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rehab_portal') THEN
        BEGIN
            CREATE ROLE rehab_portal NOLOGIN;
        EXCEPTION WHEN duplicate_object THEN
            NULL;  -- created meanwhile by a migration of another database in this cluster
        END;
    END IF;
END
$$;
COMMENT ON ROLE rehab_portal IS
    'RehabCount portal: its people, sessions and tokens; reads what trusts submitted and the published figures.';

CREATE SCHEMA portal;
REVOKE ALL ON SCHEMA portal FROM PUBLIC;
COMMENT ON SCHEMA portal IS
    'The trust portal: people (users), their sessions, trusts'' API tokens and login attempts. Readable by no '
    'analyst: it holds password and token hashes.';

CREATE TABLE portal.users (
    user_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               text NOT NULL,
    org_code            text,
    issuer              text NOT NULL DEFAULT 'password',
    subject             text,
    password_hash       text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz,
    disabled_at         timestamptz,
    CHECK (email = lower(email) AND email LIKE '_%@_%'),
    CHECK (org_code IS NULL OR org_code ~ '^[A-Z0-9]{3,5}$'),
    CHECK (issuer <> 'password' OR password_hash LIKE '$2%')
);
CREATE UNIQUE INDEX users_email ON portal.users (email);
CREATE UNIQUE INDEX users_subject ON portal.users (issuer, subject) WHERE subject IS NOT NULL;
COMMENT ON TABLE portal.users IS
    'People who use the portal. org_code is the trust they act for; NULL means central (every trust). A disabled '
    'user''s sessions end at once.';
COMMENT ON COLUMN portal.users.email IS 'Their address, lower case: how they log in.';
COMMENT ON COLUMN portal.users.org_code IS 'The ODS code of their trust; NULL for a central user.';
COMMENT ON COLUMN portal.users.issuer IS 'Who vouches for them: password (this table''s hash) or an identity provider.';
COMMENT ON COLUMN portal.users.subject IS 'Their id at the identity provider (CIS2''s sub), when not password.';
COMMENT ON COLUMN portal.users.password_hash IS 'bcrypt hash of their password (cost 12 or more).';
COMMENT ON COLUMN portal.users.password_changed_at IS 'When the password was last set.';
COMMENT ON COLUMN portal.users.disabled_at IS 'When they were disabled; NULL while they may log in.';

CREATE TABLE portal.sessions (
    session_hash text PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES portal.users,
    csrf_token   text NOT NULL,
    address      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user ON portal.sessions (user_id);
COMMENT ON TABLE portal.sessions IS
    'Logged-in sessions. Only the SHA-256 of the session id in the cookie is kept, so a copy of this table opens '
    'no session.';

CREATE TABLE portal.tokens (
    token_id     text PRIMARY KEY,
    org_code     text NOT NULL CHECK (org_code ~ '^[A-Z0-9]{3,5}$'),
    secret_hash  text NOT NULL,
    label        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
COMMENT ON TABLE portal.tokens IS
    'API tokens of trusts'' own systems, shown once as <token_id>.<secret>. Only the SHA-256 of the secret is kept '
    '(it is 256 random bits, so a slow hash adds nothing). A revoked token answers 401.';

CREATE TABLE portal.login_attempts (
    attempted_at timestamptz NOT NULL DEFAULT now(),
    email        text NOT NULL,
    address      text,
    succeeded    boolean NOT NULL
);
CREATE INDEX login_attempts_email ON portal.login_attempts (email, attempted_at);
CREATE INDEX login_attempts_address ON portal.login_attempts (address, attempted_at);
COMMENT ON TABLE portal.login_attempts IS 'Every login attempt, for throttling by account and by address.';

-- What people and tokens did: logins, checks, submissions, downloads, and the changes made to people and tokens.
CREATE TABLE audit.portal_events (
    event_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    org_code    text,
    event       text NOT NULL,
    detail      text
);
CREATE INDEX portal_events_org ON audit.portal_events (org_code, at);
COMMENT ON TABLE audit.portal_events IS
    'What happened through the portal and its commands: who (actor: user:<email>, token:<id> or cli:<system user>), '
    'for which trust, what (event: login, login-refused, logout, check, submission, download, user-added, '
    'user-disabled, password-reset, token-added, token-revoked) and a detail that never holds row data.';

GRANT USAGE ON SCHEMA portal TO rehab_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA portal TO rehab_portal;
GRANT USAGE ON SCHEMA audit, reference TO rehab_portal;
GRANT SELECT, INSERT ON audit.portal_events TO rehab_portal;
GRANT SELECT ON audit.submissions, audit.runs TO rehab_portal;
GRANT SELECT ON ALL TABLES IN SCHEMA reference TO rehab_portal;
GRANT USAGE ON SCHEMA published TO rehab_portal;
GRANT SELECT ON ALL TABLES IN SCHEMA published TO rehab_portal;
-- The loader's login role runs the commands that manage people and tokens.
GRANT USAGE ON SCHEMA portal TO rehab_loader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA portal TO rehab_loader;

COMMENT ON COLUMN audit.portal_events.event_id IS 'The event''s number, in the order recorded.';
COMMENT ON COLUMN audit.portal_events.at IS 'When it happened.';
COMMENT ON COLUMN audit.portal_events.actor IS 'Who: user:<email>, token:<id> or cli:<system user>.';
COMMENT ON COLUMN audit.portal_events.org_code IS 'The trust it concerned; NULL for a central user''s own login.';
COMMENT ON COLUMN audit.portal_events.event IS 'What happened (see the table''s comment).';
COMMENT ON COLUMN audit.portal_events.detail IS 'The address, file or token id concerned; never row data.';
COMMENT ON COLUMN portal.sessions.session_hash IS 'SHA-256 of the session id the cookie carries.';
COMMENT ON COLUMN portal.sessions.user_id IS 'Whose session it is.';
COMMENT ON COLUMN portal.sessions.csrf_token IS 'The token every form of the session carries.';
COMMENT ON COLUMN portal.sessions.address IS 'The address it was opened from.';
COMMENT ON COLUMN portal.sessions.created_at IS 'When the person logged in.';
COMMENT ON COLUMN portal.sessions.last_seen_at IS 'When the session was last used.';
COMMENT ON COLUMN portal.sessions.expires_at IS 'When it ends, however busy.';
COMMENT ON COLUMN portal.tokens.token_id IS 'The part of the token before the dot: 12 hex digits, not secret.';
COMMENT ON COLUMN portal.tokens.org_code IS 'The trust whose systems use it; it sees that trust only.';
COMMENT ON COLUMN portal.tokens.secret_hash IS 'SHA-256 of the part after the dot.';
COMMENT ON COLUMN portal.tokens.label IS 'What uses it, for the record.';
COMMENT ON COLUMN portal.tokens.created_at IS 'When it was made.';
COMMENT ON COLUMN portal.tokens.created_by IS 'Who made it (cli:<system user>).';
COMMENT ON COLUMN portal.tokens.last_used_at IS 'When it last opened the API.';
COMMENT ON COLUMN portal.tokens.revoked_at IS 'When it was revoked; NULL while it works.';
COMMENT ON COLUMN portal.login_attempts.attempted_at IS 'When.';
COMMENT ON COLUMN portal.login_attempts.email IS 'The address tried, lower case, whether or not it has an account.';
COMMENT ON COLUMN portal.login_attempts.address IS 'The address the attempt came from.';
COMMENT ON COLUMN portal.login_attempts.succeeded IS 'Whether it logged in.';
COMMENT ON COLUMN portal.users.user_id IS 'The user''s number.';
COMMENT ON COLUMN portal.users.created_at IS 'When they were added.';
