-- Reference data: the tables `rehabcount db load-reference` fills from sample-data/reference/.
-- There are deliberately no foreign keys between reference tables except population -> esp2013, so that each
-- table can be reloaded on its own (TRUNCATE + COPY) when a new vintage is published.
-- Contains public sector information licensed under the Open Government Licence v3.0: ONS, MHCLG (English Indices
-- of Deprivation) and NHS England ODS.

-- ICBs -----------------------------------------------------------------------------------------------------------

CREATE TABLE reference.icb (
    icb_ods  text PRIMARY KEY CHECK (icb_ods ~ '^Q[A-Z0-9]{2}$'),
    icb_code text NOT NULL CHECK (icb_code ~ '^E54[0-9]{6}$'),
    icb_name text NOT NULL,
    vintage  text NOT NULL
);
COMMENT ON TABLE reference.icb IS
    'Integrated Care Boards (ICBs) of England, one row per ICB, keyed by ODS code because ODS codes stayed stable '
    'when ONS codes changed (e.g. Surrey Heartlands and Sussex). Source: icb2024.csv (ONS LSOA21_SICBL24_ICB24 lookup).';
COMMENT ON COLUMN reference.icb.icb_ods IS 'ICB ODS code, e.g. QXU: three characters starting with Q. The key used everywhere else in RehabCount.';
COMMENT ON COLUMN reference.icb.icb_code IS 'ICB ONS (GSS) code, e.g. E54000063. Changes between vintages for some ICBs; do not join on it across vintages.';
COMMENT ON COLUMN reference.icb.icb_name IS 'Official name of the ICB, e.g. NHS Surrey Heartlands Integrated Care Board.';
COMMENT ON COLUMN reference.icb.vintage IS 'Vintage (year of the ONS lookup) this row was taken from, e.g. 2024.';

-- LSOA lookups ---------------------------------------------------------------------------------------------------

CREATE TABLE reference.lsoa11 (
    lsoa11_code  text PRIMARY KEY CHECK (lsoa11_code ~ '^E01[0-9]{6}$'),
    lsoa11_name  text NOT NULL,
    sicbl22_code text NOT NULL,
    sicbl22_ods  text NOT NULL,
    icb22_code   text NOT NULL,
    icb22_ods    text NOT NULL,
    ltla22_code  text NOT NULL,
    ltla22_name  text NOT NULL
);
COMMENT ON TABLE reference.lsoa11 IS
    'English Lower Layer Super Output Areas of the 2011 census, with their Sub-ICB Location, ICB and lower-tier local '
    'authority as of July 2022. One row per LSOA 2011. Source: lsoa11_sicbl22_icb22.csv (ONS). Pairs with IMD 2019 '
    'and the mid-2020 population.';
COMMENT ON COLUMN reference.lsoa11.lsoa11_code IS 'LSOA 2011 ONS code: E01 followed by six digits.';
COMMENT ON COLUMN reference.lsoa11.lsoa11_name IS 'LSOA 2011 name: local authority name and a code, e.g. Halton 007A.';
COMMENT ON COLUMN reference.lsoa11.sicbl22_code IS 'ONS code (E38...) of the Sub-ICB Location (2022) containing the LSOA.';
COMMENT ON COLUMN reference.lsoa11.sicbl22_ods IS 'ODS code (e.g. 01F) of the Sub-ICB Location (2022) containing the LSOA.';
COMMENT ON COLUMN reference.lsoa11.icb22_code IS 'ONS code (E54...) of the ICB (2022) containing the LSOA.';
COMMENT ON COLUMN reference.lsoa11.icb22_ods IS 'ODS code (Q..) of the ICB (2022) containing the LSOA; matches reference.icb.icb_ods.';
COMMENT ON COLUMN reference.lsoa11.ltla22_code IS 'ONS code (E06/E07/E08/E09...) of the lower-tier local authority (2022) containing the LSOA.';
COMMENT ON COLUMN reference.lsoa11.ltla22_name IS 'Name of the lower-tier local authority (2022) containing the LSOA.';

CREATE TABLE reference.lsoa21 (
    lsoa21_code  text PRIMARY KEY CHECK (lsoa21_code ~ '^E01[0-9]{6}$'),
    lsoa21_name  text NOT NULL,
    sicbl24_code text NOT NULL,
    sicbl24_ods  text NOT NULL,
    icb24_code   text NOT NULL,
    icb24_ods    text NOT NULL
);
COMMENT ON TABLE reference.lsoa21 IS
    'English Lower Layer Super Output Areas of the 2021 census, with their Sub-ICB Location and ICB as of 2024. One '
    'row per LSOA 2021. Source: lsoa21_sicbl24_icb24.csv (ONS LSOA21_SICBL24_ICB24). Pairs with IMD 2025. Most codes '
    'are also valid LSOA 2011 codes.';
COMMENT ON COLUMN reference.lsoa21.lsoa21_code IS 'LSOA 2021 ONS code: E01 followed by six digits.';
COMMENT ON COLUMN reference.lsoa21.lsoa21_name IS 'LSOA 2021 name: local authority name and a code, e.g. Halton 001A.';
COMMENT ON COLUMN reference.lsoa21.sicbl24_code IS 'ONS code (E38...) of the Sub-ICB Location (2024) containing the LSOA.';
COMMENT ON COLUMN reference.lsoa21.sicbl24_ods IS 'ODS code (e.g. 01F) of the Sub-ICB Location (2024) containing the LSOA.';
COMMENT ON COLUMN reference.lsoa21.icb24_code IS 'ONS code (E54...) of the ICB (2024) containing the LSOA.';
COMMENT ON COLUMN reference.lsoa21.icb24_ods IS 'ODS code (Q..) of the ICB (2024) containing the LSOA; matches reference.icb.icb_ods.';

-- Indices of Multiple Deprivation --------------------------------------------------------------------------------

CREATE TABLE reference.imd2019_lsoa11 (
    lsoa11_code  text PRIMARY KEY CHECK (lsoa11_code ~ '^E01[0-9]{6}$'),
    imd_rank     integer NOT NULL CHECK (imd_rank >= 1),
    imd_decile   smallint NOT NULL CHECK (imd_decile BETWEEN 1 AND 10),
    imd_quintile smallint GENERATED ALWAYS AS ((imd_decile + 1) / 2) STORED
);
COMMENT ON TABLE reference.imd2019_lsoa11 IS
    'English Index of Multiple Deprivation 2019 (MHCLG) by LSOA 2011. One row per LSOA 2011. Source: imd2019_lsoa11.csv.';
COMMENT ON COLUMN reference.imd2019_lsoa11.lsoa11_code IS 'LSOA 2011 ONS code: E01 followed by six digits.';
COMMENT ON COLUMN reference.imd2019_lsoa11.imd_rank IS 'IMD 2019 rank among English LSOAs: 1 = most deprived, 32,844 = least deprived.';
COMMENT ON COLUMN reference.imd2019_lsoa11.imd_decile IS 'IMD 2019 national decile: 1 = most deprived 10% of LSOAs, 10 = least deprived 10%.';
COMMENT ON COLUMN reference.imd2019_lsoa11.imd_quintile IS
    'IMD 2019 national quintile, computed by the database as ceil(decile / 2): 1 = most deprived 20% (Core20 in '
    'Core20PLUS5), 5 = least deprived 20%.';

CREATE TABLE reference.imd2025_lsoa21 (
    lsoa21_code  text PRIMARY KEY CHECK (lsoa21_code ~ '^E01[0-9]{6}$'),
    imd_rank     integer NOT NULL CHECK (imd_rank >= 1),
    imd_decile   smallint NOT NULL CHECK (imd_decile BETWEEN 1 AND 10),
    imd_score    numeric NOT NULL,
    imd_quintile smallint GENERATED ALWAYS AS ((imd_decile + 1) / 2) STORED
);
COMMENT ON TABLE reference.imd2025_lsoa21 IS
    'English Index of Multiple Deprivation 2025 (MHCLG, October 2025) by LSOA 2021. One row per LSOA 2021. Source: '
    'imd2025_lsoa21.csv.';
COMMENT ON COLUMN reference.imd2025_lsoa21.lsoa21_code IS 'LSOA 2021 ONS code: E01 followed by six digits.';
COMMENT ON COLUMN reference.imd2025_lsoa21.imd_rank IS 'IMD 2025 rank among English LSOAs: 1 = most deprived, 33,755 = least deprived.';
COMMENT ON COLUMN reference.imd2025_lsoa21.imd_decile IS 'IMD 2025 national decile: 1 = most deprived 10% of LSOAs, 10 = least deprived 10%.';
COMMENT ON COLUMN reference.imd2025_lsoa21.imd_score IS 'IMD 2025 score (unitless; higher = more deprived). Ranks and deciles are derived from it.';
COMMENT ON COLUMN reference.imd2025_lsoa21.imd_quintile IS
    'IMD 2025 national quintile, computed by the database as ceil(decile / 2): 1 = most deprived 20% (Core20 in '
    'Core20PLUS5), 5 = least deprived 20%.';

-- European Standard Population 2013 and population ---------------------------------------------------------------

CREATE TABLE reference.esp2013 (
    age_band            text PRIMARY KEY CHECK (age_band IN ('0-4', '5-9', '10-14', '15-19', '20-24', '25-29', '30-34',
                                                         '35-39', '40-44', '45-49', '50-54', '55-59', '60-64', '65-69',
                                                         '70-74', '75-79', '80-84', '85-89', '90+')),
    standard_population integer NOT NULL CHECK (standard_population > 0),
    band_order          smallint GENERATED ALWAYS AS (
        CASE WHEN age_band = '90+' THEN 19 ELSE split_part(age_band, '-', 1)::integer / 5 + 1 END
    ) STORED UNIQUE
);
COMMENT ON TABLE reference.esp2013 IS
    'European Standard Population 2013 (Eurostat, as PHE/OHID use it) in 19 five-year age bands, summing to 100,000 '
    'persons. The weights for direct age standardisation. Source: esp2013.csv.';
COMMENT ON COLUMN reference.esp2013.age_band IS 'Age band label in years: 0-4, 5-9, ..., 85-89, 90+. Same labels as reference.esp_band() and reference.population_lsoa11.';
COMMENT ON COLUMN reference.esp2013.standard_population IS 'Standard population of the band, in persons out of 100,000.';
COMMENT ON COLUMN reference.esp2013.band_order IS 'Position of the band from youngest (1 = 0-4) to oldest (19 = 90+), computed by the database from the label; sort by it, not by the label.';

CREATE TABLE reference.population_lsoa11 (
    lsoa11_code text NOT NULL CHECK (lsoa11_code ~ '^E01[0-9]{6}$'),
    age_band    text NOT NULL REFERENCES reference.esp2013 (age_band),
    population  integer NOT NULL CHECK (population >= 0),
    PRIMARY KEY (lsoa11_code, age_band)
);
COMMENT ON TABLE reference.population_lsoa11 IS
    'ONS small-area population estimates, mid-2020, persons, by LSOA 2011 and European Standard Population age band, '
    'in long format: one row per LSOA and band (19 rows per LSOA). Source: population_mid2020_lsoa11_esp_bands.csv, '
    'unpivoted on load. The denominator for rates with LSOA 2011 and IMD 2019; there is no LSOA 2021 population here.';
COMMENT ON COLUMN reference.population_lsoa11.lsoa11_code IS 'LSOA 2011 ONS code: E01 followed by six digits.';
COMMENT ON COLUMN reference.population_lsoa11.age_band IS 'ESP 2013 age band in years (0-4 ... 90+), as in reference.esp2013.age_band.';
COMMENT ON COLUMN reference.population_lsoa11.population IS 'Estimated number of residents (persons, all sexes) of the LSOA in the age band at mid-2020.';

-- NHS trusts -----------------------------------------------------------------------------------------------------

CREATE TABLE reference.trust (
    trust_ods      text PRIMARY KEY CHECK (trust_ods ~ '^[A-Z0-9]{3}([A-Z0-9]{2})?$'),
    trust_name     text NOT NULL,
    nhs_region_ods text NOT NULL,
    icb_ods        text NOT NULL,
    postcode       text NOT NULL,
    open_date      date NOT NULL,
    close_date     date,
    CONSTRAINT trust_closed_after_open CHECK (close_date IS NULL OR close_date >= open_date)
);
COMMENT ON TABLE reference.trust IS
    'NHS trusts in England, one row per trust, from the NHS England ODS etr file (2025). Non-English trusts (ICB '
    'column W00 or Q99) are skipped on load. Closed trusts are kept, with their close date. A submission''s ORG must '
    'be one of these codes.';
COMMENT ON COLUMN reference.trust.trust_ods IS 'Trust ODS code: 3 characters (e.g. RX1), or 5 for a few organisations (e.g. G6V2S). The ORG of a submission.';
COMMENT ON COLUMN reference.trust.trust_name IS 'Trust name as published by ODS (upper case).';
COMMENT ON COLUMN reference.trust.nhs_region_ods IS 'ODS code (Y..) of the NHS England region the trust belongs to.';
COMMENT ON COLUMN reference.trust.icb_ods IS 'ODS code (Q..) of the ICB the trust is hosted in (its commissioner''s ICB), not the ICB of its patients.';
COMMENT ON COLUMN reference.trust.postcode IS 'Postcode of the trust headquarters.';
COMMENT ON COLUMN reference.trust.open_date IS 'Date the organisation opened (ODS legal start date).';
COMMENT ON COLUMN reference.trust.close_date IS 'Date the organisation closed; NULL while it is open.';

-- Functions and lookups ------------------------------------------------------------------------------------------

CREATE FUNCTION reference.esp_band(age integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN age IS NULL OR age < 0 THEN NULL
        WHEN age >= 90 THEN '90+'
        ELSE (age / 5 * 5)::text || '-' || (age / 5 * 5 + 4)::text
    END;
COMMENT ON FUNCTION reference.esp_band(integer) IS
    'European Standard Population 2013 age band (0-4, 5-9, ..., 85-89, 90+) of an age in whole years; NULL for a '
    'NULL or negative age. Labels match reference.esp2013.age_band.';

CREATE VIEW reference.lsoa_lookup AS
SELECT l.lsoa11_code          AS lsoa_code,
       2011::smallint         AS lsoa_vintage,
       l.icb22_ods            AS icb_ods,
       i.imd_decile           AS imd_decile,
       i.imd_quintile         AS imd_quintile
FROM reference.lsoa11 l
LEFT JOIN reference.imd2019_lsoa11 i ON i.lsoa11_code = l.lsoa11_code
UNION ALL
SELECT l.lsoa21_code, 2021::smallint, l.icb24_ods, i.imd_decile, i.imd_quintile
FROM reference.lsoa21 l
LEFT JOIN reference.imd2025_lsoa21 i ON i.lsoa21_code = l.lsoa21_code
WHERE NOT EXISTS (SELECT FROM reference.lsoa11 o WHERE o.lsoa11_code = l.lsoa21_code);
COMMENT ON VIEW reference.lsoa_lookup IS
    'One row per known LSOA code of either vintage, resolving it to its vintage, ICB of residence and IMD. A code in '
    'the LSOA 2011 lookup is taken as 2011 (ICB 2022, IMD 2019: the set that matches the mid-2020 population); a code '
    'only in the LSOA 2021 lookup is taken as 2021 (ICB 2024, IMD 2025). Most codes exist in both vintages. The loader '
    'fills core.referrals.lsoa_vintage, icb_ods and imd_decile from this view.';
COMMENT ON COLUMN reference.lsoa_lookup.lsoa_code IS 'LSOA code (E01 + six digits), unique in this view.';
COMMENT ON COLUMN reference.lsoa_lookup.lsoa_vintage IS 'Census vintage the code is resolved to: 2011 if it is in the LSOA 2011 lookup, else 2021.';
COMMENT ON COLUMN reference.lsoa_lookup.icb_ods IS 'ODS code of the ICB of residence: ICB 2022 for 2011 codes, ICB 2024 for 2021 codes.';
COMMENT ON COLUMN reference.lsoa_lookup.imd_decile IS 'IMD decile (1 = most deprived 10%): IMD 2019 for 2011 codes, IMD 2025 for 2021 codes.';
COMMENT ON COLUMN reference.lsoa_lookup.imd_quintile IS 'IMD quintile, ceil(decile / 2) (1 = most deprived 20%), of the same IMD as imd_decile.';
