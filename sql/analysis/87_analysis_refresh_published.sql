-- analysis.publish(measure, touched): a measure's published table from its analysis table, under disclosure control
-- (see COMMENT ON SCHEMA published): counts of 1-7 suppressed and the rest rounded to 5, figures from suppressed
-- counts withheld, shares and rates and their limits computed again from the published counts, and each row's
-- value_note. What each column is comes from the measure's row in published.measures (70_analysis_measures.sql);
-- analysis.publication_statement(measure) shows the statement. A unit of analysis.refresh() (90_analysis_refresh.sql),
-- run after the unit that builds the measure. published.inequality and published.spc are views (95, 98).
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

DROP FUNCTION IF EXISTS analysis.refresh_published(date[]);

-- The INSERT that publishes one measure, built from its row in published.measures and the columns of its published
-- table; $1 is the touched periods (NULL for every period). Each row's value_note says why each empty figure is
-- empty, against the analysis row: suppressed when the analysis has the figure, otherwise not sent when the count
-- it rests on (analysis.note_bases) is missing, not applicable when that count is 0, and not computed otherwise;
-- and incomplete coverage when the measure's coverage column is below the threshold.
CREATE OR REPLACE FUNCTION analysis.publication_statement(measure_name text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    m record;
    col text;
    pair jsonb;
    expr text;
    columns text[] := '{}';
    exprs text[] := '{}';
    joins text := '';
    base text;
    share text;
    bases jsonb;
    note text;
    noted text[] := '{}';
    notes text[] := '{}';
    kinds text[] := '{}';
    -- Keys and labels: never empty for a reason worth a note.
    unnoted CONSTANT text[] := ARRAY['period', 'icb_ods', 'icb_name', 'org_code', 'trust_name', 'imd_quintile',
        'service_line', 'profession', 'outcome_tool', 'esp_age_band', 'higher_is_better', 'expected_source',
        'compared_with_england', 'value_note'];
BEGIN
    SELECT * INTO m FROM published.measures WHERE measure = measure_name AND published_as = 'table';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'published.measures has no published table named %', measure_name
            USING HINT = 'SELECT measure FROM published.measures WHERE published_as = ''table'';',
                  ERRCODE = '42704';
    END IF;
    IF cardinality(m.counts) > 0 THEN
        joins := format(' CROSS JOIN LATERAL (SELECT %s) p CROSS JOIN LATERAL (SELECT %s) s',
            (SELECT string_agg(format('published.sdc_count(a.%1$I) AS %1$I', c), ', ') FROM unnest(m.counts) c),
            (SELECT string_agg(format('published.sdc_suppressed(a.%1$I) AS %1$I', c), ', ') FROM unnest(m.counts) c));
    END IF;
    FOR share, pair IN SELECT key, value FROM jsonb_each(m.shares) LOOP
        joins := joins || format(' CROSS JOIN LATERAL stats.wilson_ci(p.%I, NULLIF(p.%I, 0)) %I',
                                 pair ->> 0, pair ->> 1, share || ':ci');
    END LOOP;
    FOR share, pair IN SELECT key, value FROM jsonb_each(m.rates) LOOP
        joins := joins || format(' CROSS JOIN LATERAL stats.rate_ci(p.%I, NULLIF(%s.%I, 0)) %I',
                                 pair ->> 0, CASE WHEN pair ->> 1 = ANY (m.counts) THEN 'p' ELSE 'a' END, pair ->> 1,
                                 share || ':ci');
    END LOOP;
    FOR col IN
        SELECT attname FROM pg_attribute
        WHERE attrelid = format('published.%I', m.measure)::regclass AND attnum > 0 AND NOT attisdropped
          AND attname <> 'value_note'
        ORDER BY attnum
    LOOP
        base := regexp_replace(col, '_(lower|upper)$', '');
        IF col = ANY (m.counts) THEN
            expr := format('p.%I', col);
        ELSIF m.shares ? col THEN
            expr := format('p.%I::numeric / NULLIF(p.%I, 0)', m.shares -> col ->> 0, m.shares -> col ->> 1);
        ELSIF m.rates ? col THEN
            expr := format('%I.value', col || ':ci');
        ELSIF base <> col AND (m.shares ? base OR m.rates ? base) THEN
            expr := format('%I.%s', base || ':ci', substring(col FROM '(lower|upper)$'));
        ELSIF m.computed ? col THEN
            expr := m.computed ->> col;
        ELSIF m.withheld ? col THEN
            expr := format('CASE WHEN NOT (%s) THEN a.%I END',
                           (SELECT string_agg(format('s.%I', c), ' OR ')
                            FROM jsonb_array_elements_text(m.withheld -> col) c),
                           col);
        ELSE
            expr := format('a.%I', col);
        END IF;
        IF m.rounded ? col THEN
            expr := format('round(%s, %s)', expr, (m.rounded ->> col)::integer);
        END IF;
        columns := columns || quote_ident(col);
        exprs := exprs || format('%s AS %I', expr, col);
    END LOOP;
    -- Each figure's note, in the order of the figures' names within a note.
    bases := analysis.note_bases(m.measure);
    FOR col IN
        SELECT p.attname FROM pg_attribute p
        WHERE p.attrelid = format('published.%I', m.measure)::regclass AND p.attnum > 0 AND NOT p.attisdropped
          AND NOT p.attname = ANY (unnoted)
        ORDER BY p.attname::text
    LOOP
        base := bases ->> col;
        IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = format('analysis.%I', m.measure)::regclass
                                                   AND attname = base AND NOT attisdropped) THEN
            base := NULL;
        END IF;
        note := format('CASE WHEN q.%I IS NOT NULL THEN NULL', col);
        IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = format('analysis.%I', m.measure)::regclass
                                              AND attname = col AND NOT attisdropped) THEN
            note := note || format(' WHEN a.%I IS NOT NULL THEN %L', col, 'suppressed');
        END IF;
        IF base IS NOT NULL THEN
            note := note || format(' WHEN a.%1$I IS NULL THEN %2$L WHEN a.%1$I = 0 THEN %3$L',
                                   base, 'not sent', 'not applicable');
        END IF;
        noted := noted || col::text;
        notes := notes || format('%s ELSE %L END AS %I', note, 'not computed', col);
    END LOOP;
    -- "suppressed: a, b; not sent: c": each kind of note with its figures, in this order.
    FOREACH note IN ARRAY ARRAY['suppressed', 'not sent', 'not applicable', 'not computed'] LOOP
        kinds := kinds || format('%L || NULLIF(concat_ws(%L, %s), %L)', note || ': ', ', ',
            coalesce((SELECT string_agg(format('CASE WHEN n.%1$I = %2$L THEN %1$L END', c, note), ', ')
                      FROM unnest(noted) c), 'NULL'),
            '');
    END LOOP;
    RETURN format(
        'INSERT INTO published.%1$I (%2$s, value_note) '
        'SELECT q.*, NULLIF(concat_ws(%8$L, CASE WHEN %3$s THEN %9$L END, %6$s), %10$L) '
        'FROM analysis.%1$I a%4$s CROSS JOIN LATERAL (SELECT %5$s) q CROSS JOIN LATERAL (SELECT %7$s) n '
        'WHERE $1::date[] IS NULL OR a.period = ANY ($1::date[])',
        m.measure, array_to_string(columns, ', '),
        CASE WHEN m.coverage IS NULL THEN 'false'
             ELSE format('a.%I < (SELECT coverage_threshold FROM reference.analysis_settings)', m.coverage) END,
        joins, array_to_string(exprs, ', '), array_to_string(kinds, ', '),
        coalesce(NULLIF(array_to_string(notes, ', '), ''), 'NULL AS none'), '; ', 'incomplete coverage', '');
END
$fn$;
REVOKE ALL ON FUNCTION analysis.publication_statement(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.publication_statement(text) TO rehab_analyst, rehab_loader;
COMMENT ON FUNCTION analysis.publication_statement(text) IS
    'The INSERT that analysis.publish() runs for a measure of published.measures: its published table from its '
    'analysis table under disclosure control, by the measure''s counts, shares, rates, withheld, computed and '
    'rounded columns, with each row''s value_note. For reading: SELECT analysis.publication_statement(''core20'');';

-- The count each figure of a measure rests on, for its value_note: a share's and a rate's denominator, a withheld
-- figure's first count, and the measure's note_bases over those (a null there: none).
CREATE OR REPLACE FUNCTION analysis.note_bases(measure_name text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT jsonb_strip_nulls(coalesce((SELECT jsonb_object_agg(f.figure, f.base)
                     FROM (SELECT s.key || x.suffix AS figure, s.value ->> 1 AS base
                           FROM jsonb_each(m.shares || m.rates) s, unnest(ARRAY['', '_lower', '_upper']) x(suffix)
                           UNION ALL
                           SELECT w.key, w.value ->> 0 FROM jsonb_each(m.withheld) w) f), '{}'::jsonb)
           || m.note_bases)
    FROM published.measures m
    WHERE m.measure = measure_name
$fn$;
REVOKE ALL ON FUNCTION analysis.note_bases(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.note_bases(text) TO rehab_analyst, rehab_loader;
COMMENT ON FUNCTION analysis.note_bases(text) IS
    'For a measure of published.measures: each figure -> the count it rests on, which decides its value_note '
    '(not sent when the count is missing, not applicable when it is 0).';

-- A unit of analysis.refresh(), run after the unit that builds the measure: its published rows of the touched
-- periods (every period when NULL), under disclosure control.
CREATE OR REPLACE FUNCTION analysis.publish(measure_name text, touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    EXECUTE format('DELETE FROM published.%I WHERE $1::date[] IS NULL OR period = ANY ($1::date[])', measure_name)
        USING touched;
    EXECUTE analysis.publication_statement(measure_name) USING touched;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.publish(text, date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.publish(text, date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.publish(text, date[]) IS
    'A unit of analysis.refresh(): replaces the published table of a measure of published.measures for the touched '
    'periods (all when NULL), from its analysis table, by analysis.publication_statement(measure). Not to be called '
    'alone: EXECUTE for its owner only.';

-- The jsonb form of the value_note rules (0027), before they were written into each measure's statement.
DROP FUNCTION IF EXISTS published.value_note(jsonb, jsonb, jsonb, boolean);
