-- 0019: a figure computed while expected referral extracts are missing is flagged. analysis.access and
-- analysis.inequality carry the share of the expected referrals extracts that were loaded, for the ICB's hosted
-- trusts (all trusts, for England); filled by analysis.refresh() (sql/analysis/90_analysis_refresh.sql).

ALTER TABLE analysis.access
    ADD COLUMN referral_submissions_expected integer,
    ADD COLUMN referral_submissions_loaded integer,
    ADD COLUMN referral_coverage numeric CHECK (referral_coverage BETWEEN 0 AND 1);
COMMENT ON COLUMN analysis.access.referral_submissions_expected IS
    'Referrals extracts expected for the period from the trusts hosted in the ICB (reference.trust.icb_ods), or from '
    'every trust for England: those loaded plus those in analysis.missing_submissions. NULL when the ICB hosts no '
    'trust that sent or owed one.';
COMMENT ON COLUMN analysis.access.referral_submissions_loaded IS
    'Of referral_submissions_expected, those with a current (loaded) submission.';
COMMENT ON COLUMN analysis.access.referral_coverage IS
    'referral_submissions_loaded / referral_submissions_expected. Below 1, the figures of the row miss the referrals '
    'of a trust that owed an extract and sent none (or had it rejected): treat them as a lower bound. Residents can '
    'be treated by trusts of other ICBs, so this is a flag, not a correction.';
ALTER TABLE analysis.inequality
    ADD COLUMN referral_coverage numeric CHECK (referral_coverage BETWEEN 0 AND 1);
COMMENT ON COLUMN analysis.inequality.referral_coverage IS
    'analysis.access.referral_coverage of the ICB and period: below 1, the gap is computed while expected referrals '
    'extracts are missing.';
ALTER TABLE published.access
    ADD COLUMN referral_submissions_expected integer,
    ADD COLUMN referral_submissions_loaded integer,
    ADD COLUMN referral_coverage numeric;
COMMENT ON COLUMN published.access.referral_submissions_expected IS 'As analysis.access.referral_submissions_expected.';
COMMENT ON COLUMN published.access.referral_submissions_loaded IS 'As analysis.access.referral_submissions_loaded.';
COMMENT ON COLUMN published.access.referral_coverage IS 'As analysis.access.referral_coverage.';
