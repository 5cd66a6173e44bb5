-- RehabCount schemas.
-- Applied by `rehabcount db migrate` in one transaction; no BEGIN/COMMIT here.

CREATE SCHEMA reference;
COMMENT ON SCHEMA reference IS
    'Public reference data loaded from sample-data/reference/ by `rehabcount db load-reference`: ICBs, LSOA 2011 and '
    'LSOA 2021 lookups, IMD 2019 and IMD 2025, mid-2020 population by ESP age band, the European Standard Population '
    '2013 and NHS trusts. Open Government Licence v3.0 (ONS, MHCLG, NHS England ODS). Readable by analysts.';

CREATE SCHEMA core;
COMMENT ON SCHEMA core IS
    'Validated rows of the current submission of every trust, extract kind and reporting month: referrals, contacts '
    'and workforce, partitioned by period. Row-level data: written by the loader only, not readable by analysts.';

CREATE SCHEMA audit;
COMMENT ON SCHEMA audit IS
    'What was loaded, when and how well: runs of the tool, every submission (including rejected and superseded ones) '
    'with its row counts and score, rule results per submission, and quarantined rows. Not readable by analysts.';

CREATE SCHEMA staging;
COMMENT ON SCHEMA staging IS
    'Unlogged landing tables that the loader COPYs accepted rows into before moving them to core in one transaction. '
    'Contents are transient and are lost if the server crashes; never read them for analysis.';
