-- 0021: names beside codes. Every analysis and published table with an ICB code gets icb_name ("England" for
-- E92000001), and every one with a trust code (org_code) gets trust_name, from reference.icb and reference.trust,
-- filled by analysis.refresh() (sql/analysis/89_analysis_refresh_names.sql). The trust code is org_code throughout
-- core, audit, analysis and published; reference.trust calls it trust_ods.

ALTER TABLE analysis.access ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.access.icb_name IS
    'Name of the ICB (reference.icb.icb_name), or England for E92000001; NULL for a code the reference does not list.';
ALTER TABLE analysis.outcome_change ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.outcome_change.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE analysis.inequality ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.inequality.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE analysis.core20 ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.core20.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE analysis.workforce_trust ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.workforce_trust.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE analysis.workforce_icb ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.workforce_icb.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE analysis.completeness_trust ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.completeness_trust.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE analysis.completeness_icb ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.completeness_icb.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE analysis.spc ADD COLUMN icb_name text;
COMMENT ON COLUMN analysis.spc.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE published.access ADD COLUMN icb_name text;
COMMENT ON COLUMN published.access.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE published.outcome_change ADD COLUMN icb_name text;
COMMENT ON COLUMN published.outcome_change.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE published.core20 ADD COLUMN icb_name text;
COMMENT ON COLUMN published.core20.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE published.workforce_trust ADD COLUMN icb_name text;
COMMENT ON COLUMN published.workforce_trust.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE published.workforce_icb ADD COLUMN icb_name text;
COMMENT ON COLUMN published.workforce_icb.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE published.completeness_trust ADD COLUMN icb_name text;
COMMENT ON COLUMN published.completeness_trust.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE published.completeness_icb ADD COLUMN icb_name text;
COMMENT ON COLUMN published.completeness_icb.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE published.spc_icb ADD COLUMN icb_name text;
COMMENT ON COLUMN published.spc_icb.icb_name IS 'Name of the ICB, or England (as analysis.access.icb_name).';
ALTER TABLE analysis.workforce_trust ADD COLUMN trust_name text;
COMMENT ON COLUMN analysis.workforce_trust.trust_name IS 'Name of the trust (reference.trust.trust_name) of org_code.';
ALTER TABLE analysis.completeness_trust ADD COLUMN trust_name text;
COMMENT ON COLUMN analysis.completeness_trust.trust_name IS 'Name of the trust (reference.trust.trust_name) of org_code.';
ALTER TABLE analysis.spc ADD COLUMN trust_name text;
COMMENT ON COLUMN analysis.spc.trust_name IS
    'Name of the trust (reference.trust.trust_name), for data_quality_score; NULL for the area series.';
ALTER TABLE published.workforce_trust ADD COLUMN trust_name text;
COMMENT ON COLUMN published.workforce_trust.trust_name IS 'Name of the trust (reference.trust.trust_name) of org_code.';
ALTER TABLE published.completeness_trust ADD COLUMN trust_name text;
COMMENT ON COLUMN published.completeness_trust.trust_name IS 'Name of the trust (reference.trust.trust_name) of org_code.';
