-- published.spc: the Making Data Count charts that can be released: England's series (national totals, far from
-- small numbers) and each trust's data-quality score (about records, not people) from analysis.spc, and each ICB's
-- series drawn from its published counts (published.spc_icb, migration 0020), rounded.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE VIEW published.spc WITH (security_barrier = true) AS
SELECT series, icb_ods, org_code, period,
       round(value::numeric, 3) AS value, round(mean::numeric, 3) AS mean, round(lpl::numeric, 3) AS lpl,
       round(upl::numeric, 3) AS upl, point_type, improvement, points, latest_variation, icb_name, trust_name,
       round(coverage, 3) AS coverage, incomplete, phase, target, assurance
FROM analysis.spc
WHERE icb_ods = 'E92000001' OR series = 'data_quality_score'
UNION ALL
SELECT series, icb_ods, org_code, period,
       round(value::numeric, 3), round(mean::numeric, 3), round(lpl::numeric, 3), round(upl::numeric, 3),
       point_type, improvement, points, latest_variation, icb_name, NULL, round(coverage, 3), incomplete, phase,
       target, assurance
FROM published.spc_icb;
COMMENT ON VIEW published.spc IS
    'Making Data Count charts for release, values and limits to 3 decimal places: England''s series and each '
    'trust''s data-quality score as in analysis.spc, and each ICB''s series as in published.spc_icb, drawn from its '
    'counts after disclosure control (months with a suppressed count left out).';
COMMENT ON COLUMN published.spc.series IS 'As analysis.spc.series.';
COMMENT ON COLUMN published.spc.icb_ods IS
    'E92000001 for England, or the ICB of residence; the trust''s ICB for data_quality_score.';
COMMENT ON COLUMN published.spc.org_code IS 'The trust, for data_quality_score; empty otherwise.';
COMMENT ON COLUMN published.spc.period IS 'As analysis.spc.period.';
COMMENT ON COLUMN published.spc.value IS 'As analysis.spc.value, to 3 decimal places.';
COMMENT ON COLUMN published.spc.mean IS 'As analysis.spc.mean, to 3 decimal places.';
COMMENT ON COLUMN published.spc.lpl IS 'As analysis.spc.lpl, to 3 decimal places.';
COMMENT ON COLUMN published.spc.upl IS 'As analysis.spc.upl, to 3 decimal places.';
COMMENT ON COLUMN published.spc.point_type IS 'As analysis.spc.point_type.';
COMMENT ON COLUMN published.spc.improvement IS 'As analysis.spc.improvement.';
COMMENT ON COLUMN published.spc.points IS 'As analysis.spc.points.';
COMMENT ON COLUMN published.spc.latest_variation IS 'As analysis.spc.latest_variation.';
COMMENT ON COLUMN published.spc.icb_name IS 'Name of the ICB, or England.';
COMMENT ON COLUMN published.spc.trust_name IS 'Name of the trust, for data_quality_score; NULL otherwise.';
COMMENT ON COLUMN published.spc.coverage IS 'As analysis.spc.coverage, to 3 decimal places.';
COMMENT ON COLUMN published.spc.incomplete IS 'As analysis.spc.incomplete.';
COMMENT ON COLUMN published.spc.phase IS 'As analysis.spc.phase.';
COMMENT ON COLUMN published.spc.target IS 'As analysis.spc.target.';
COMMENT ON COLUMN published.spc.assurance IS 'As analysis.spc.assurance.';
REVOKE ALL ON published.spc FROM PUBLIC;
GRANT SELECT ON published.spc TO rehab_public, rehab_analyst, rehab_loader;
