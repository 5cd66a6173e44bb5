-- 0027: published figures say why they are empty. Each published table gains value_note: for a row with an empty
-- figure, which figures are empty and why, so that a reader of the CSV (or pandas, which reads every empty cell as
-- NaN) can tell a suppressed count from a figure that could not be computed, did not apply, or was never sent.
-- Filled by analysis.refresh_published() with published.value_note() (sql/analysis/87).

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['access', 'outcome_change', 'core20', 'workforce_trust', 'workforce_icb',
                             'completeness_trust', 'completeness_icb', 'new_referrals_by_age'] LOOP
        EXECUTE format('ALTER TABLE published.%I ADD COLUMN value_note text', t);
        EXECUTE format(
            'COMMENT ON COLUMN published.%I.value_note IS %L', t,
            'Why figures of the row are empty, NULL when none is: "suppressed: c1, c2" (a count of 1-7, or a figure '
            'resting on one, withheld by disclosure control), "not sent: ..." (the extract the figure needs was not '
            'received), "not applicable: ..." (its denominator is 0: nobody waiting, no discharge), "not computed: '
            '..." (too few to compute, e.g. a DSR of fewer than 10 new referrals), and "incomplete coverage" when the '
            'row''s area had fewer of its expected referrals extracts than the coverage threshold. Notes are '
            'separated by "; ", columns by ", ".'
        );
    END LOOP;
END
$$;
