-- 0010: leaner core rows, for a load that costs little more than the COPY of its file.
--
-- Two changes to core, both measured on a 1M-row referrals submission (BENCHMARKS.md):
--
-- * patient_key becomes the 32 bytes of the HMAC (bytea) instead of its 64 hex characters (text). The rows of
--   core.referrals are about 15% narrower, and the server's part of a load's COPY is shorter by about the same.
--   encode(patient_key, 'hex') gives the pseudonym exactly as the validation reports and audit.quarantine spell it,
--   so links between them still hold.
--
-- * The primary keys of core.referrals, core.contacts and core.workforce go. Each was built at the end of every
--   load (a sort of the whole submission), which took a fifth of the load's time, and nothing reads through them:
--   the analysis joins whole periods by hash. One row per identifier within a trust and period is kept by the
--   loader instead: it refuses to load unless the rule catalogue has a `unique` check on the contract's key column
--   (contract `key:`) that quarantines or rejects, so no duplicate identifier reaches core. The loader is the only
--   writer: rehab_loader reaches core only through core.create_load_table() and core.attach_load_table().
--
-- Existing rows are converted in place (decode of their hex); nothing else moves.

ALTER TABLE core.referrals DROP CONSTRAINT referrals_pkey;
ALTER TABLE core.contacts DROP CONSTRAINT contacts_pkey;
ALTER TABLE core.workforce DROP CONSTRAINT workforce_pkey;

ALTER TABLE core.referrals
    DROP CONSTRAINT referrals_patient_key_check,
    ALTER COLUMN patient_key TYPE bytea USING decode(patient_key, 'hex'),
    ADD CONSTRAINT referrals_patient_key_length CHECK (octet_length(patient_key) = 32);

COMMENT ON COLUMN core.referrals.patient_key IS
    'Pseudonymised patient key: the 32-byte HMAC-SHA256 of the NHS number under the project''s secret key, computed '
    'by the loader. Links a patient across trusts and periods without the NHS number; compare and count it as it '
    'is, or use encode(patient_key, ''hex'') for the 64-character form that validation reports and '
    'audit.quarantine show. NULL when no NHS number was sent (then patient_id is set). The clear NHS number is '
    'never stored.';
COMMENT ON COLUMN core.referrals.referral_id IS
    'The trust''s referral identifier (at most 64 characters). Unique within the trust and period: the loader '
    'loads a submission only under a rule catalogue that quarantines duplicates (REF-ID-UNIQUE-01).';
COMMENT ON COLUMN core.contacts.contact_id IS
    'The trust''s contact identifier (at most 64 characters). Unique within the trust and period: the loader '
    'loads a submission only under a rule catalogue that quarantines duplicates (CON-ID-UNIQUE-01).';
COMMENT ON COLUMN core.workforce.staff_id IS
    'Staff identifier, or the post identifier for a vacant post (at most 64 characters). Unique within the trust '
    'and period: the loader loads a submission only under a rule catalogue that quarantines duplicates '
    '(WF-STAFF-UNIQUE-01).';

CREATE OR REPLACE FUNCTION core.attach_load_table(kind text, p date, org text, submission bigint) RETURNS text
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    name   text := core.load_table_name(kind, p, org, submission);
    parent text := format('%s_%s', kind, to_char(p, 'YYYY_MM'));
    leaf   text := format('%s_%s_%s', kind, to_char(p, 'YYYY_MM'), lower(org));
BEGIN
    IF to_regclass(format('staging.%I', name)) IS NULL THEN
        RAISE EXCEPTION 'core.attach_load_table: no load table staging.% in this transaction', name
            USING ERRCODE = 'undefined_table';
    END IF;
    IF to_regclass(format('core.%I', parent)) IS NULL THEN
        RAISE EXCEPTION 'core.attach_load_table: no partition core.% (call core.ensure_partitions first)', parent
            USING ERRCODE = 'undefined_table';
    END IF;
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
COMMENT ON FUNCTION core.attach_load_table(text, date, text, bigint) IS
    'Step 2 of a load, in the same transaction as core.create_load_table(): drops the trust''s previous table for '
    'the period (its submission is superseded in audit by the loader), moves the filled staging table into core as '
    'core.<kind>_YYYY_MM_<org> and attaches it to core.<kind>_YYYY_MM without scanning its rows. Returns the new '
    'partition''s name. Fails, rolling back the load, on a missing partition.';
