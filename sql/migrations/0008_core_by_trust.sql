-- Core tables partitioned by trust within each period: each trust's submission is loaded into a table of its own,
-- then swapped in.
--
-- Until this migration a period partition held every trust's rows, and a load deleted the trust's old rows and
-- inserted the new ones through the primary key and the constraints, row by row, about 5 to 8 times slower than a
-- plain COPY. From here on:
--
--   core.<kind>                          partitioned by LIST (period)
--     core.<kind>_YYYY_MM                partitioned by LIST (org_code)        core.ensure_partitions(period)
--       core.<kind>_YYYY_MM_<org>        one trust's current submission         core.attach_load_table(...)
--
-- for <kind> in referrals, contacts, workforce, and <org> the lower-case ODS code (core.referrals_2025_09_r1d).
--
-- A load, in ONE transaction: core.create_load_table() makes an empty table in staging shaped like core.<kind>;
-- the loader COPYs the accepted rows into it; core.attach_load_table() builds its primary key once, drops the
-- trust's previous table for that period, moves the new one into core and attaches it; the loader writes audit;
-- commit. A load killed at any point is rolled back by the server, staging table included. Readers see the old
-- submission or the new one, never a mixture. The swap locks the period's table for a moment at the end only.
--
-- Two other changes make COPY cheaper for the server:
-- * imd_quintile, wait_days and esp_age_band are no longer GENERATED: the loader fills them, with imd_quintile from
--   reference.lsoa_lookup, esp_age_band from reference.esp2013's bands and wait_days from the contract's derived
--   columns (pipelines/contracts/referrals.yaml). The values are the same.
-- * The BRIN indexes on submission_id go: every row of a trust's table carries the same submission_id.
-- Primary keys lead with the row's own identifier (referral_id, org_code, period): within a trust's table, the
-- other two are constant, so the key sorts and compares on the identifier alone.
--
-- Existing rows are moved across with their submission ids. The unlogged staging tables of 0005 go: staging now
-- holds only the load tables of transactions in progress.

CREATE SCHEMA core_v1;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'core' AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('ALTER TABLE core.%I SET SCHEMA core_v1', t.relname);
    END LOOP;
END
$$;
DROP FUNCTION core.ensure_partitions(date);
DROP TABLE staging.referrals, staging.contacts, staging.workforce;
DROP SEQUENCE staging.load_id_seq;

-- referrals ------------------------------------------------------------------------------------------------------

CREATE TABLE core.referrals (
    period                 date     NOT NULL,
    submission_id          bigint   NOT NULL,
    org_code               text     NOT NULL,
    referral_id            text     NOT NULL,
    patient_key            text     CHECK (octet_length(patient_key) = 64),
    patient_id             text,
    age_at_referral        integer,
    sex                    text,
    ethnic_category        text,
    lsoa_code              text,
    referral_received_date date     NOT NULL,
    referral_source        text,
    service_line           text     NOT NULL,
    priority               text,
    first_contact_date     date,
    discharge_date         date,
    referral_outcome       text,
    outcome_tool           text,
    outcome_score_start    numeric,
    outcome_score_end      numeric,
    lsoa_vintage           smallint CHECK (lsoa_vintage IN (2011, 2021)),
    icb_ods                text,
    imd_decile             smallint CHECK (imd_decile BETWEEN 1 AND 10),
    imd_quintile           smallint CHECK (imd_quintile BETWEEN 1 AND 5),
    wait_days              integer,
    esp_age_band           text,
    PRIMARY KEY (referral_id, org_code, period),
    CONSTRAINT referrals_patient_identified CHECK (patient_key IS NOT NULL OR patient_id IS NOT NULL),
    CONSTRAINT referrals_lsoa_derivation CHECK (lsoa_vintage IS NOT NULL OR (icb_ods IS NULL AND imd_decile IS NULL))
) PARTITION BY LIST (period);

-- contacts -------------------------------------------------------------------------------------------------------

CREATE TABLE core.contacts (
    period           date    NOT NULL,
    submission_id    bigint  NOT NULL,
    org_code         text    NOT NULL,
    contact_id       text    NOT NULL,
    referral_id      text    NOT NULL,
    contact_date     date    NOT NULL,
    attendance       text    NOT NULL,
    duration_minutes integer,
    profession       text,
    mode             text,
    setting          text,
    PRIMARY KEY (contact_id, org_code, period)
) PARTITION BY LIST (period);

-- workforce ------------------------------------------------------------------------------------------------------

CREATE TABLE core.workforce (
    period        date    NOT NULL,
    submission_id bigint  NOT NULL,
    org_code      text    NOT NULL,
    snapshot_date date    NOT NULL,
    staff_id      text    NOT NULL,
    post_status   text    NOT NULL,
    profession    text    NOT NULL,
    registered    text,
    afc_band      text,
    fte           numeric NOT NULL,
    service_line  text    NOT NULL,
    setting       text,
    PRIMARY KEY (staff_id, org_code, period)
) PARTITION BY LIST (period);

-- comments: the columns keep their meaning, so their comments carry over, except where the filler changed -------

DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT c.relname, a.attname, col_description(a.attrelid, a.attnum) AS description
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'core_v1' AND c.relname IN ('referrals', 'contacts', 'workforce')
            AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
        EXECUTE format('COMMENT ON COLUMN core.%I.%I IS %L', col.relname, col.attname, col.description);
    END LOOP;
END
$$;

COMMENT ON TABLE core.referrals IS
    'Community rehabilitation referrals, one row per referral open at any time in the reporting period, from the '
    'current accepted submission of each trust and period (contract v1, referrals). Quarantined rows are not here; '
    'a resubmission replaces the trust''s rows for the period whole. Partitioned by period, then by trust: '
    'core.referrals_YYYY_MM_<org> holds one trust''s current submission.';
COMMENT ON TABLE core.contacts IS
    'Community rehabilitation care contacts, one row per contact in the reporting period, from the current accepted '
    'submission of each trust and period (contract v1, contacts). Partitioned by period, then by trust: '
    'core.contacts_YYYY_MM_<org> holds one trust''s current submission.';
COMMENT ON TABLE core.workforce IS
    'Community rehabilitation workforce, one row per post (filled or vacant) at the snapshot date, from the current '
    'accepted submission of each trust and period (contract v1, workforce). Partitioned by period, then by trust: '
    'core.workforce_YYYY_MM_<org> holds one trust''s current submission.';
COMMENT ON COLUMN core.referrals.imd_quintile IS
    'IMD quintile of the LSOA (1 = most deprived 20%, Core20), ceil(imd_decile / 2): from reference.lsoa_lookup, '
    'filled by the loader. NULL when the LSOA is unknown.';
COMMENT ON COLUMN core.referrals.wait_days IS
    'Wait from referral received to first contact, in days (first_contact_date - referral_received_date); NULL if '
    'not yet seen. Filled by the loader (the derived column wait_days of contract referrals).';
COMMENT ON COLUMN core.referrals.esp_age_band IS
    'European Standard Population 2013 age band of age_at_referral (0-4 ... 85-89, 90+), the label of '
    'reference.esp2013 that reference.esp_band() gives; NULL when the age is missing or outside 0-120. Filled by '
    'the loader.';

-- partitions and load tables -------------------------------------------------------------------------------------

CREATE FUNCTION core.ensure_partitions(p date) RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    parent text;
    part   text;
    col    record;
BEGIN
    IF p IS NULL OR p <> date_trunc('month', p)::date THEN
        RAISE EXCEPTION 'core.ensure_partitions: period % is not the first day of a month', p
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Serialise concurrent callers, so that two loaders of the same new period do not race on the catalog.
    -- Key (1380142676 = 'RCNT', 1) in the two-integer advisory lock space; held until the caller's transaction ends.
    PERFORM pg_advisory_xact_lock(1380142676, 1);
    FOREACH parent IN ARRAY ARRAY['referrals', 'contacts', 'workforce'] LOOP
        part := parent || '_' || to_char(p, 'YYYY_MM');
        CONTINUE WHEN to_regclass(format('core.%I', part)) IS NOT NULL;
        EXECUTE format('CREATE TABLE core.%I PARTITION OF core.%I FOR VALUES IN (%L) PARTITION BY LIST (org_code)',
                       part, parent, to_char(p, 'YYYY-MM-DD'));
        EXECUTE format('COMMENT ON TABLE core.%I IS %L', part,
                       format('Partition of core.%s holding reporting period %s (rows with period = %s), itself '
                              'partitioned by trust: core.%s_<org> holds one trust''s current submission. Created '
                              'by core.ensure_partitions(); see core.%s for the meaning of each column.',
                              parent, to_char(p, 'YYYY-MM'), to_char(p, 'YYYY-MM-DD'), part, parent));
        FOR col IN
            SELECT a.attname, col_description(a.attrelid, a.attnum) AS description
            FROM pg_attribute a
            WHERE a.attrelid = format('core.%I', parent)::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
        LOOP
            EXECUTE format('COMMENT ON COLUMN core.%I.%I IS %L', part, col.attname, col.description);
        END LOOP;
    END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION core.ensure_partitions(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.ensure_partitions(date) TO rehab_loader;
COMMENT ON FUNCTION core.ensure_partitions(date) IS
    'Creates, if they do not exist, the period partitions of core.referrals, core.contacts and core.workforce for '
    'period p (must be the first day of a month), named <table>_YYYY_MM, e.g. core.referrals_2025_09, each '
    'partitioned by org_code, with comments. Runs as the schema owner. Call it in its own short transaction before '
    'the load transaction: creating a partition briefly locks the parent table.';

-- The name of a load table in staging, and the checks both load functions share.
CREATE FUNCTION core.load_table_name(kind text, p date, org text, submission bigint) RETURNS text
    LANGUAGE plpgsql
    STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF kind IS NULL OR kind NOT IN ('referrals', 'contacts', 'workforce') THEN
        RAISE EXCEPTION 'core load table: unknown kind %', kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p IS NULL OR p <> date_trunc('month', p)::date THEN
        RAISE EXCEPTION 'core load table: period % is not the first day of a month', p
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF org IS NULL OR org !~ '^[A-Z0-9]{3}([A-Z0-9]{2})?$' THEN
        RAISE EXCEPTION 'core load table: % is not an ODS code', org USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF submission IS NULL OR submission <= 0 THEN
        RAISE EXCEPTION 'core load table: bad submission id %', submission USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN format('%s_%s_%s_s%s', kind, to_char(p, 'YYYY_MM'), lower(org), submission);
END
$fn$;
REVOKE ALL ON FUNCTION core.load_table_name(text, date, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.load_table_name(text, date, text, bigint) TO rehab_loader;
COMMENT ON FUNCTION core.load_table_name(text, date, text, bigint) IS
    'Name of the staging table of one load: <kind>_YYYY_MM_<org>_s<submission>, e.g. referrals_2025_09_r1d_s42. '
    'Raises invalid_parameter_value for an unknown kind, a period that is not the first of a month, a malformed '
    'ODS code or a bad submission id.';

CREATE FUNCTION core.create_load_table(kind text, p date, org text, submission bigint) RETURNS text
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    name text := core.load_table_name(kind, p, org, submission);
BEGIN
    EXECUTE format(
        'CREATE TABLE staging.%I (LIKE core.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS, '
        'CONSTRAINT %I CHECK (period = %L::date AND org_code = %L))',
        name, kind, name || '_slot', p, org);
    EXECUTE format('COMMENT ON TABLE staging.%I IS %L', name,
                   format('Load in progress: submission %s, the %s of %s for %s. Attached to core at the end of '
                          'its transaction, or gone with it.', submission, kind, org, to_char(p, 'YYYY-MM')));
    RETURN format('staging.%I', name);
END
$fn$;
REVOKE ALL ON FUNCTION core.create_load_table(text, date, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.create_load_table(text, date, text, bigint) TO rehab_loader;
COMMENT ON FUNCTION core.create_load_table(text, date, text, bigint) IS
    'Step 1 of a load: creates the empty table staging.<kind>_YYYY_MM_<org>_s<submission>, shaped like core.<kind> '
    '(columns, NOT NULL, CHECKs, comments; no keys), with a CHECK that every row has this period and trust, and '
    'returns its qualified name for the loader''s COPY. Runs as the schema owner; rehab_loader may write the table '
    'through the default privileges of staging. Call it inside the load transaction.';

CREATE FUNCTION core.attach_load_table(kind text, p date, org text, submission bigint) RETURNS text
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    name   text := core.load_table_name(kind, p, org, submission);
    parent text := format('%s_%s', kind, to_char(p, 'YYYY_MM'));
    leaf   text := format('%s_%s_%s', kind, to_char(p, 'YYYY_MM'), lower(org));
    id     text := CASE kind WHEN 'referrals' THEN 'referral_id' WHEN 'contacts' THEN 'contact_id' ELSE 'staff_id' END;
BEGIN
    IF to_regclass(format('staging.%I', name)) IS NULL THEN
        RAISE EXCEPTION 'core.attach_load_table: no load table staging.% in this transaction', name
            USING ERRCODE = 'undefined_table';
    END IF;
    IF to_regclass(format('core.%I', parent)) IS NULL THEN
        RAISE EXCEPTION 'core.attach_load_table: no partition core.% (call core.ensure_partitions first)', parent
            USING ERRCODE = 'undefined_table';
    END IF;
    -- The key, built once over the loaded rows (a sort, not a million index insertions).
    EXECUTE format('ALTER TABLE staging.%I ADD CONSTRAINT %I PRIMARY KEY (%I, org_code, period)',
                   name, leaf || '_pkey', id);
    -- The swap. Dropping the previous table takes the period table's lock until commit.
    EXECUTE format('DROP TABLE IF EXISTS core.%I', leaf);
    EXECUTE format('ALTER TABLE staging.%I SET SCHEMA core', name);
    EXECUTE format('ALTER TABLE core.%I RENAME TO %I', name, leaf);
    -- The slot CHECK proves the partition constraint, so attaching does not scan the rows; then it is redundant.
    EXECUTE format('ALTER TABLE core.%I ATTACH PARTITION core.%I FOR VALUES IN (%L)', parent, leaf, org);
    EXECUTE format('ALTER TABLE core.%I DROP CONSTRAINT %I', leaf, name || '_slot');
    EXECUTE format('COMMENT ON TABLE core.%I IS %L', leaf,
                   format('Partition of core.%s holding trust %s''s current submission for %s (submission %s). '
                          'Replaced whole by a resubmission. See core.%s for the meaning of each column.',
                          parent, org, to_char(p, 'YYYY-MM'), submission, kind));
    RETURN format('core.%I', leaf);
END
$fn$;
REVOKE ALL ON FUNCTION core.attach_load_table(text, date, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.attach_load_table(text, date, text, bigint) TO rehab_loader;
COMMENT ON FUNCTION core.attach_load_table(text, date, text, bigint) IS
    'Step 2 of a load, in the same transaction as core.create_load_table(): adds the primary key to the filled '
    'staging table, drops the trust''s previous table for the period (its submission is superseded in audit by the '
    'loader), moves the new one into core as core.<kind>_YYYY_MM_<org> and attaches it to core.<kind>_YYYY_MM. '
    'Returns the new partition''s name. Fails, rolling back the load, on a duplicate key or a missing partition.';

-- move the existing rows ------------------------------------------------------------------------------------------

DO $$
DECLARE
    k    text;
    s    record;
    cols text;
BEGIN
    FOREACH k IN ARRAY ARRAY['referrals', 'contacts', 'workforce'] LOOP
        SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO cols
        FROM pg_attribute a
        WHERE a.attrelid = format('core.%I', k)::regclass AND a.attnum > 0 AND NOT a.attisdropped;
        FOR s IN EXECUTE format('SELECT DISTINCT period, org_code, submission_id FROM core_v1.%I', k) LOOP
            PERFORM core.ensure_partitions(s.period);
            PERFORM core.create_load_table(k, s.period, s.org_code, s.submission_id);
            EXECUTE format('INSERT INTO staging.%I (%s) SELECT %s FROM core_v1.%I WHERE period = $1 AND org_code = $2',
                           core.load_table_name(k, s.period, s.org_code, s.submission_id), cols, cols, k)
                USING s.period, s.org_code;
            PERFORM core.attach_load_table(k, s.period, s.org_code, s.submission_id);
        END LOOP;
    END LOOP;
END
$$;

DROP SCHEMA core_v1 CASCADE;
COMMENT ON SCHEMA staging IS
    'Load tables of transactions in progress: core.create_load_table() makes one per load and '
    'core.attach_load_table() moves it into core before commit, so the schema is empty between loads.';
