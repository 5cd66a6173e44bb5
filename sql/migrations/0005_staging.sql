-- Staging: unlogged landing tables for COPY.
--
-- The loader COPYs the accepted rows of a submission here, tagged with a load_id from staging.load_id_seq, then in
-- ONE transaction deletes the trust's rows for that period from core, inserts the staged rows into core (adding
-- submission_id and the LSOA-derived columns from reference.lsoa_lookup), writes audit, and deletes its staged
-- rows (WHERE load_id = ...). Unlogged: fast, but emptied after a server crash, which is harmless because core is
-- only written in that final transaction. Rows left by a killed load are never read again and may be deleted.
--
-- Columns are those of the matching core table, minus the columns the database computes there (GENERATED
-- columns cannot be inserted: referrals.imd_quintile, wait_days, esp_age_band), plus load_id. No keys, checks or
-- indexes, so COPY runs at full speed; only the key columns are NOT NULL. submission_id and the derived columns
-- may be left NULL here and supplied in the INSERT ... SELECT into core.

CREATE SEQUENCE staging.load_id_seq AS bigint;
COMMENT ON SEQUENCE staging.load_id_seq IS 'Source of load_id values: one per COPY batch into staging.';

CREATE UNLOGGED TABLE staging.referrals (
    load_id                bigint NOT NULL,
    period                 date   NOT NULL,
    submission_id          bigint,
    org_code               text   NOT NULL,
    referral_id            text   NOT NULL,
    patient_key            text,
    patient_id             text,
    age_at_referral        integer,
    sex                    text,
    ethnic_category        text,
    lsoa_code              text,
    referral_received_date date,
    referral_source        text,
    service_line           text,
    priority               text,
    first_contact_date     date,
    discharge_date         date,
    referral_outcome       text,
    outcome_tool           text,
    outcome_score_start    numeric,
    outcome_score_end      numeric,
    lsoa_vintage           smallint,
    icb_ods                text,
    imd_decile             smallint
);

CREATE UNLOGGED TABLE staging.contacts (
    load_id          bigint NOT NULL,
    period           date   NOT NULL,
    submission_id    bigint,
    org_code         text   NOT NULL,
    contact_id       text   NOT NULL,
    referral_id      text,
    contact_date     date,
    attendance       text,
    duration_minutes integer,
    profession       text,
    mode             text,
    setting          text
);

CREATE UNLOGGED TABLE staging.workforce (
    load_id       bigint NOT NULL,
    period        date   NOT NULL,
    submission_id bigint,
    org_code      text   NOT NULL,
    snapshot_date date,
    staff_id      text   NOT NULL,
    post_status   text,
    profession    text,
    registered    text,
    afc_band      text,
    fte           numeric,
    service_line  text,
    setting       text
);

COMMENT ON TABLE staging.referrals IS
    'Unlogged landing table for COPY of accepted referrals rows before they move to core.referrals in one '
    'transaction. Transient: never read it for analysis. Columns mean the same as in core.referrals.';
COMMENT ON TABLE staging.contacts IS
    'Unlogged landing table for COPY of accepted contacts rows before they move to core.contacts in one '
    'transaction. Transient: never read it for analysis. Columns mean the same as in core.contacts.';
COMMENT ON TABLE staging.workforce IS
    'Unlogged landing table for COPY of accepted workforce rows before they move to core.workforce in one '
    'transaction. Transient: never read it for analysis. Columns mean the same as in core.workforce.';

-- Column comments: the same text as the core column, so the two never drift apart.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT s.relname, a.attname, col_description(format('core.%I', s.relname)::regclass, ca.attnum) AS description
        FROM pg_class s
        JOIN pg_namespace n ON n.oid = s.relnamespace AND n.nspname = 'staging'
        JOIN pg_attribute a ON a.attrelid = s.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attribute ca ON ca.attrelid = format('core.%I', s.relname)::regclass AND ca.attname = a.attname
        WHERE s.relname IN ('referrals', 'contacts', 'workforce') AND a.attname <> 'load_id'
        ORDER BY s.relname, a.attnum
    LOOP
        IF c.description IS NULL THEN
            RAISE EXCEPTION 'staging.%.% has no commented counterpart in core.%', c.relname, c.attname, c.relname;
        END IF;
        EXECUTE format('COMMENT ON COLUMN staging.%I.%I IS %L', c.relname, c.attname, c.description);
    END LOOP;
END
$$;

COMMENT ON COLUMN staging.referrals.load_id IS 'Identifies one COPY batch (one submission being loaded), from staging.load_id_seq; the loader moves and then deletes its rows by it.';
COMMENT ON COLUMN staging.contacts.load_id IS 'Identifies one COPY batch (one submission being loaded), from staging.load_id_seq; the loader moves and then deletes its rows by it.';
COMMENT ON COLUMN staging.workforce.load_id IS 'Identifies one COPY batch (one submission being loaded), from staging.load_id_seq; the loader moves and then deletes its rows by it.';
