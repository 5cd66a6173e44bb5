-- analysis.completeness_icb gains England's row (E92000001), summed over every trust (sql/analysis/86), as the
-- other ICB-grain measures have one: the trust portal sets a trust beside its ICB and England from it.
COMMENT ON TABLE analysis.completeness_icb IS
    'Data completeness by ICB over time: analysis.completeness_trust summed over the trusts HOSTED in each ICB '
    '(reference.trust.icb_ods), not over the ICB''s residents (a referral with an unknown LSOA has no ICB of '
    'residence), and England (E92000001) over every trust, including those not in reference.trust, which no ICB '
    'row counts. Counts are summed, shares recomputed from the sums, and scores averaged over the current '
    'submissions of those trusts. To add ICBs up, leave England out (icb_ods <> ''E92000001'').';
COMMENT ON COLUMN analysis.completeness_icb.icb_ods IS
    'ODS code of the ICB hosting the trusts (reference.trust.icb_ods), or E92000001 for England (every trust).';
COMMENT ON COLUMN analysis.completeness_icb.trusts IS
    'Trusts hosted in the ICB (for England, all trusts) with a row in analysis.completeness_trust for the period '
    '(expected or submitting).';
COMMENT ON COLUMN published.completeness_icb.icb_ods IS
    'ODS code of the ICB hosting the trusts (reference.trust.icb_ods), or E92000001 for England (every trust).';
COMMENT ON COLUMN published.completeness_icb.trusts IS
    'Trusts hosted in the ICB (for England, all trusts) with a row in analysis.completeness_trust for the period '
    '(expected or submitting).';
