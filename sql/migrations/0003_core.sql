-- Core tables: the validated rows of the current submission of each (trust, kind, period).
--
-- * One column per contract column (pipelines/contracts/*.yaml, contract v1), except that referrals carries
--   patient_key (keyed HMAC-SHA256 pseudonym) instead of the NHS number: no clear NHS number is stored anywhere.
-- * Business rules (code lists, ranges, date order) live in pipelines/rules, not here: a value that broke a
--   warning-level rule is loaded as it was. The few CHECKs below only guard the structure the loader produces.
-- * Each table is LIST-partitioned by period (first day of the reporting month). Partitions are created per
--   period by core.ensure_partitions(period), named <table>_YYYY_MM, e.g. core.referrals_2025_09. There is no
--   default partition: inserting a period without partitions fails.
-- * submission_id points at audit.submissions; there is deliberately no foreign key (a per-row FK check would
--   slow bulk loads). The loader writes core and audit in the same transaction.
-- * submission_id is indexed with BRIN, not B-tree: a submission's rows are written together, so block ranges
--   summarise them well, and BRIN costs almost nothing per inserted row (a B-tree on it added about 1 s per
--   million rows to a COPY in testing).

-- referrals ------------------------------------------------------------------------------------------------------
-- patient_key is checked for length only (64): that alone keeps a clear 10-digit NHS number out. A full
-- '^[0-9a-f]{64}$' regex check cost about 7 s per million rows in testing.

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
    imd_quintile           smallint GENERATED ALWAYS AS ((imd_decile + 1) / 2) STORED,
    wait_days              integer  GENERATED ALWAYS AS (first_contact_date - referral_received_date) STORED,
    esp_age_band           text     GENERATED ALWAYS AS (
        CASE WHEN age_at_referral BETWEEN 0 AND 120 THEN reference.esp_band(age_at_referral) END
    ) STORED,
    PRIMARY KEY (period, org_code, referral_id),
    CONSTRAINT referrals_patient_identified CHECK (patient_key IS NOT NULL OR patient_id IS NOT NULL),
    CONSTRAINT referrals_lsoa_derivation CHECK (lsoa_vintage IS NOT NULL OR (icb_ods IS NULL AND imd_decile IS NULL))
) PARTITION BY LIST (period);
CREATE INDEX referrals_submission_id_idx ON core.referrals USING brin (submission_id);

COMMENT ON TABLE core.referrals IS
    'Community rehabilitation referrals, one row per referral open at any time in the reporting period, from the '
    'current accepted submission of each trust and period (contract v1, referrals). Quarantined rows are not here; '
    'rows of superseded submissions are removed when a resubmission is loaded. Partitioned by period.';
COMMENT ON COLUMN core.referrals.period IS 'Reporting period: the first day of the calendar month the submission covers (e.g. 2025-09-01 for September 2025). Partition key.';
COMMENT ON COLUMN core.referrals.submission_id IS 'The submission this row was loaded from: audit.submissions.submission_id.';
COMMENT ON COLUMN core.referrals.org_code IS 'ODS code of the submitting trust (3 characters, or 5 for sites); equals the ORG in the file name.';
COMMENT ON COLUMN core.referrals.referral_id IS 'The trust''s referral identifier (at most 64 characters), unique within the trust and period.';
COMMENT ON COLUMN core.referrals.patient_key IS
    'Pseudonymised patient key: lower-case hex HMAC-SHA256 (64 characters) of the NHS number under the project''s '
    'secret key, computed by the loader. Links a patient across trusts and periods without the NHS number. NULL '
    'when no NHS number was sent (then patient_id is set). The clear NHS number is never stored.';
COMMENT ON COLUMN core.referrals.patient_id IS 'The trust''s local pseudonymous patient id (at most 64 characters); mandatory when no NHS number was sent. Only meaningful within one trust.';
COMMENT ON COLUMN core.referrals.age_at_referral IS 'Age in whole years on the referral received date. Expected 0-120; values outside that range were loaded with a warning.';
COMMENT ON COLUMN core.referrals.sex IS 'Person Stated Gender Code (NHS Data Dictionary): 1 male, 2 female, 9 indeterminate, X not known. Other values were loaded with a warning.';
COMMENT ON COLUMN core.referrals.ethnic_category IS 'Ethnic Category (NHS Data Dictionary, 2001 census): A-H, J-N, P, R, S; Z = not stated and 99 = not known count as not recorded.';
COMMENT ON COLUMN core.referrals.lsoa_code IS 'LSOA (2011 or 2021 census) of the patient''s residence, as sent: E01 + six digits. Unknown or malformed codes were loaded with a warning.';
COMMENT ON COLUMN core.referrals.referral_received_date IS 'Date the trust received the referral.';
COMMENT ON COLUMN core.referrals.referral_source IS 'Where the referral came from: gp, self, acute_discharge, social_care, community_service, other.';
COMMENT ON COLUMN core.referrals.service_line IS 'Rehabilitation service line: stroke, cardiac, pulmonary, msk, falls_frailty, neuro, intermediate_care, long_covid, cancer, general.';
COMMENT ON COLUMN core.referrals.priority IS 'Clinical priority: urgent or routine; NULL when not sent.';
COMMENT ON COLUMN core.referrals.first_contact_date IS 'Date of the first care contact; NULL if the patient had not been seen by the end of the period.';
COMMENT ON COLUMN core.referrals.discharge_date IS 'Date of discharge from the service; NULL if not discharged by the end of the period.';
COMMENT ON COLUMN core.referrals.referral_outcome IS 'State of the referral at the end of the period: open, discharged, rejected, did_not_attend, withdrawn.';
COMMENT ON COLUMN core.referrals.outcome_tool IS 'Outcome measure used: barthel, eq5d5l, toms, psfs, mrs, other, or none (no measure; counts as not recorded).';
COMMENT ON COLUMN core.referrals.outcome_score_start IS 'Outcome score at the start of rehabilitation, in the units of outcome_tool (e.g. Barthel 0-20, mRS 0-6).';
COMMENT ON COLUMN core.referrals.outcome_score_end IS 'Outcome score at discharge, in the units of outcome_tool (e.g. Barthel 0-20, mRS 0-6).';
COMMENT ON COLUMN core.referrals.lsoa_vintage IS
    'Census vintage lsoa_code was resolved to, filled by the loader from reference.lsoa_lookup: 2011 when the code '
    'is in the LSOA 2011 lookup, else 2021; NULL when the code is missing or in neither lookup.';
COMMENT ON COLUMN core.referrals.icb_ods IS 'ODS code of the ICB of residence, from the LSOA of its own vintage (ICB 2022 for 2011 codes, ICB 2024 for 2021 codes); filled by the loader. NULL when the LSOA is unknown.';
COMMENT ON COLUMN core.referrals.imd_decile IS 'IMD decile of the LSOA (1 = most deprived 10%): IMD 2019 for 2011 codes, IMD 2025 for 2021 codes; filled by the loader. NULL when the LSOA is unknown.';
COMMENT ON COLUMN core.referrals.imd_quintile IS 'IMD quintile, ceil(imd_decile / 2) (1 = most deprived 20%, Core20); computed by the database.';
COMMENT ON COLUMN core.referrals.wait_days IS 'Wait from referral received to first contact, in days (first_contact_date - referral_received_date); NULL if not yet seen. Computed by the database.';
COMMENT ON COLUMN core.referrals.esp_age_band IS 'European Standard Population 2013 age band of age_at_referral (0-4 ... 90+), via reference.esp_band(); NULL when the age is missing or outside 0-120. Computed by the database.';

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
    PRIMARY KEY (period, org_code, contact_id)
) PARTITION BY LIST (period);
CREATE INDEX contacts_submission_id_idx ON core.contacts USING brin (submission_id);

COMMENT ON TABLE core.contacts IS
    'Community rehabilitation care contacts, one row per contact in the reporting period, from the current accepted '
    'submission of each trust and period (contract v1, contacts). Partitioned by period.';
COMMENT ON COLUMN core.contacts.period IS 'Reporting period: the first day of the calendar month the submission covers. Partition key.';
COMMENT ON COLUMN core.contacts.submission_id IS 'The submission this row was loaded from: audit.submissions.submission_id.';
COMMENT ON COLUMN core.contacts.org_code IS 'ODS code of the submitting trust; equals the ORG in the file name.';
COMMENT ON COLUMN core.contacts.contact_id IS 'The trust''s contact identifier (at most 64 characters), unique within the trust and period.';
COMMENT ON COLUMN core.contacts.referral_id IS 'The referral this contact belongs to: a core.referrals.referral_id of the same trust, in this period or an earlier one.';
COMMENT ON COLUMN core.contacts.contact_date IS 'Date of the contact, inside the period.';
COMMENT ON COLUMN core.contacts.attendance IS 'Whether the patient attended: attended, did_not_attend, cancelled_by_patient, cancelled_by_provider.';
COMMENT ON COLUMN core.contacts.duration_minutes IS 'Length of the contact in minutes (expected 1-600); required when attended.';
COMMENT ON COLUMN core.contacts.profession IS 'Profession of the lead clinician for the contact (profession code list, e.g. physiotherapist).';
COMMENT ON COLUMN core.contacts.mode IS 'How the contact took place: face_to_face, telephone, video, group.';
COMMENT ON COLUMN core.contacts.setting IS 'Where the contact took place: home, clinic, care_home, community_venue, virtual, community_bed; NULL when not sent.';

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
    PRIMARY KEY (period, org_code, staff_id)
) PARTITION BY LIST (period);
CREATE INDEX workforce_submission_id_idx ON core.workforce USING brin (submission_id);

COMMENT ON TABLE core.workforce IS
    'Community rehabilitation workforce, one row per post (filled or vacant) at the snapshot date, from the current '
    'accepted submission of each trust and period (contract v1, workforce). Partitioned by period.';
COMMENT ON COLUMN core.workforce.period IS 'Reporting period: the first day of the calendar month the submission covers. Partition key.';
COMMENT ON COLUMN core.workforce.submission_id IS 'The submission this row was loaded from: audit.submissions.submission_id.';
COMMENT ON COLUMN core.workforce.org_code IS 'ODS code of the submitting trust; equals the ORG in the file name.';
COMMENT ON COLUMN core.workforce.snapshot_date IS 'Date of the workforce snapshot, inside the period.';
COMMENT ON COLUMN core.workforce.staff_id IS 'Staff identifier, or the post identifier for a vacant post (at most 64 characters); unique within the trust and period.';
COMMENT ON COLUMN core.workforce.post_status IS 'Whether the post is filled or vacant.';
COMMENT ON COLUMN core.workforce.profession IS 'Profession of the post (the skill mix): one of the 14 allied health professions or the wider rehabilitation workforce codes.';
COMMENT ON COLUMN core.workforce.registered IS 'Whether the post holder is a registered professional: Y or N.';
COMMENT ON COLUMN core.workforce.afc_band IS 'Agenda for Change pay band: 2-7, 8a-8d, 9, medical or non_afc.';
COMMENT ON COLUMN core.workforce.fte IS 'Whole-time equivalent of the post (greater than 0, at most 1.5; 1.0 = full time); for a vacant post, the budgeted FTE.';
COMMENT ON COLUMN core.workforce.service_line IS 'Service line the post works in (same codes as core.referrals.service_line).';
COMMENT ON COLUMN core.workforce.setting IS 'Main setting of the post (same codes as core.contacts.setting).';

-- partitions -----------------------------------------------------------------------------------------------------

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
        EXECUTE format('CREATE TABLE core.%I PARTITION OF core.%I FOR VALUES IN (%L)',
                       part, parent, to_char(p, 'YYYY-MM-DD'));
        EXECUTE format('COMMENT ON TABLE core.%I IS %L', part,
                       format('Partition of core.%s holding reporting period %s (rows with period = %s). '
                              'Created by core.ensure_partitions(); see core.%s for the meaning of each column.',
                              parent, to_char(p, 'YYYY-MM'), to_char(p, 'YYYY-MM-DD'), parent));
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
COMMENT ON FUNCTION core.ensure_partitions(date) IS
    'Creates, if they do not exist, the partitions of core.referrals, core.contacts and core.workforce for period p '
    '(must be the first day of a month), named <table>_YYYY_MM, e.g. core.referrals_2025_09, with comments. Runs as '
    'the schema owner. Call it in its own short transaction before the load transaction: creating a partition '
    'briefly locks the parent table.';
