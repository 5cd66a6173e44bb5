-- Roles and privileges.
--
-- Roles are cluster-wide, so they are created only if missing (another database of the same cluster may have
-- made them). They are NOLOGIN group roles: grant them to login roles, e.g. GRANT rehab_loader TO rehabcount_app.
-- Run every migration as the same owner role: ALTER DEFAULT PRIVILEGES below applies to objects that role creates
-- later (including the partitions core.ensure_partitions creates, since it runs as its owner).
--
--   rehab_loader   writes reference, core, staging and audit (audit is append/update only: no DELETE, so history
--                  is kept); creates partitions through core.ensure_partitions.
--   rehab_analyst  reads reference and analysis only. Nothing in core, staging or audit (quarantined rows
--                  included). Analysis views over core, owned by the schema owner, expose aggregates.
--   rehab_public   uses the published schema only (nothing published yet).

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['rehab_loader', 'rehab_analyst', 'rehab_public'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object THEN
                NULL;  -- created meanwhile by a migration of another database in this cluster
            END;
        END IF;
    END LOOP;
END
$$;
COMMENT ON ROLE rehab_loader IS 'RehabCount loader: writes reference, core, staging and audit. Grant it to the login role that runs rehabcount load.';
COMMENT ON ROLE rehab_analyst IS 'RehabCount analysts: read reference data and the analysis schema; no access to row-level core, staging or audit data.';
COMMENT ON ROLE rehab_public IS 'RehabCount public outputs: reads the published schema only.';

-- New schemas, empty for now.
CREATE SCHEMA analysis;
COMMENT ON SCHEMA analysis IS
    'Analyst-facing views and tables (the gap analysis): aggregates over core, such as age-standardised referral '
    'rates by IMD quintile and ICB. Readable by rehab_analyst. Empty until the analysis migrations add objects.';
CREATE SCHEMA published;
COMMENT ON SCHEMA published IS
    'Outputs cleared for public release (small-number suppression applied). Readable by rehab_public. Empty for now.';

-- Nobody but the owner and the roles below. (A function created later in these schemas gets the default EXECUTE
-- for PUBLIC, but cannot be called without USAGE on its schema.)
REVOKE ALL ON SCHEMA core, staging, audit FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA core, staging, audit FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA core, staging, audit FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA core, staging, audit FROM PUBLIC;
REVOKE ALL ON SCHEMA core, staging, audit FROM rehab_analyst, rehab_public;

-- rehab_loader
GRANT USAGE ON SCHEMA reference, core, staging, audit TO rehab_loader;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA reference, core, staging TO rehab_loader;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA audit TO rehab_loader;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA reference, core, staging, audit TO rehab_loader;
GRANT EXECUTE ON FUNCTION core.ensure_partitions(date) TO rehab_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA reference, core, staging
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO rehab_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA audit GRANT SELECT, INSERT, UPDATE ON TABLES TO rehab_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA reference, core, staging, audit GRANT USAGE, SELECT ON SEQUENCES TO rehab_loader;

-- rehab_analyst
GRANT USAGE ON SCHEMA reference, analysis TO rehab_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA reference, analysis TO rehab_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA reference, analysis GRANT SELECT ON TABLES TO rehab_analyst;

-- rehab_public
GRANT USAGE ON SCHEMA published TO rehab_public;
