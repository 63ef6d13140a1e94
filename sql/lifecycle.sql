-- Lifecycle stages, churn bands and the value/lifecycle settings.
-- Every rule of crm.lifecycle_stage is hit, each threshold just below,
-- at and just above its boundary (the comparisons are strict: "below",
-- "exceeds").
SET extra_float_digits = 0;

-- the seeded thresholds and parameters
SELECT * FROM crm.lifecycle_thresholds();
SELECT * FROM crm.value_parameters();

-- default thresholds as a table for the cases
CREATE TEMP TABLE th AS SELECT crm.lifecycle_thresholds() AS th;

-- cases: (label, frequency, age_days, gap_days, p_alive, expected purchases in 90 days)
CREATE TEMP TABLE cases (n serial, label text, f int, age float8, gap float8, pa float8, ex float8);
INSERT INTO cases (label, f, age, gap, pa, ex) VALUES
	('prospect', NULL, NULL, NULL, NULL, NULL),
	('prospect even with data', NULL, 100, 10, 0.99, 5),
	('one-time buyer, young', 0, 30, 30, 1.0, 0.5),
	('one-time, gap 180 = decline boundary', 0, 180, 180, 1.0, 0.5),
	('one-time, gap 180.01 > 180', 0, 180.01, 180.01, 1.0, 0.5),
	('one-time, gap 365 = churn boundary', 0, 365, 365, 1.0, 0.5),
	('one-time, gap 365.01 > 365 (BG/NBD P(alive) = 1)', 0, 365.01, 365.01, 1.0, 0.5),
	('p_alive 0.10 = churned boundary', 5, 200, 10, 0.10, 10),
	('p_alive 0.0999 < 0.10', 5, 200, 10, 0.0999, 10),
	('p_alive 0.50 = decline boundary', 5, 200, 10, 0.50, 10),
	('p_alive 0.4999 < 0.50', 5, 200, 10, 0.4999, 10),
	('p_alive 0.80 = stability boundary', 5, 200, 10, 0.80, 10),
	('p_alive 0.7999 < 0.80', 5, 200, 10, 0.7999, 10),
	('frequency 2 < 3', 2, 200, 10, 0.95, 10),
	('frequency 3 = stability', 3, 200, 10, 0.95, 10),
	-- rhythm = (age - gap) / f: f = 2, age 100 + gap -> rhythm 50
	('gap 100 = 2 x rhythm 50 (no decline)', 2, 200, 100, 0.95, 10),
	('gap 100.02 > 2 x rhythm 50', 2, 200.02, 100.02, 0.95, 10),
	('gap over 2 x rhythm but not over 60 days', 10, 64, 59, 0.95, 10),
	('gap 61 > 60 and > 2 x rhythm', 10, 66, 61, 0.95, 10),
	-- churned by gap: f = 1, rhythm 40, gap 181 > 180 and > 4 x 40
	('gap 181 > 180 and > 4 x rhythm 40', 1, 221, 181, 0.95, 10),
	('gap 180 = churned_min_gap (decline only)', 1, 220, 180, 0.95, 10),
	('gap 200 = 4 x rhythm 50 (decline only)', 4, 400, 200, 0.95, 10),
	('gap 200.04 > 4 x rhythm 49.99', 4, 400.0, 200.04, 0.95, 10),
	-- expected purchases vs own rate: f 10 over age 300 -> 3 per 90 days; half = 1.5
	('expected 1.5 = half the own rate (no decline)', 10, 300, 5, 0.95, 1.5),
	('expected 1.4999 < half the own rate', 10, 300, 5, 0.95, 1.4999),
	('no model: P(alive) and expected NULL', 4, 300, 5, NULL, NULL),
	('no model, long gap', 4, 300, 250, NULL, NULL);

SELECT n, label, crm.lifecycle_stage(f, age, gap, pa, ex, th) AS stage
FROM cases, th ORDER BY n;

-- the settings wrapper gives the same stages
SELECT count(*) AS differ
FROM cases, th
WHERE crm.lifecycle_stage(f, age, gap, pa, ex, th) IS DISTINCT FROM crm.lifecycle_stage(f, age, gap, pa, ex);

-- a threshold set to NULL switches its rule off; changed settings are used
SELECT crm.lifecycle_stage(0, 400, 400, 1.0, 0.5,
	   ROW(0.10, 4, 180, NULL, 0.50, 2, 60, 180, 0.5, 90, 3, 0.80)::crm.lifecycle_thresholds)
	   AS one_time_churn_rule_off;
BEGIN;
UPDATE crm.settings SET value = '500' WHERE name = 'lifecycle.one_time_churned_days';
SELECT crm.lifecycle_stage(0, 400, 400, 1.0, 0.5) AS with_500_days,
	   (SELECT is_default FROM crm.settings WHERE name = 'lifecycle.one_time_churned_days') AS is_default;
ROLLBACK;

-- churn bands at their boundaries
SELECT r, crm.churn_band(r, 0.30, 0.60) AS band
FROM unnest(ARRAY[0, 0.2999, 0.30, 0.5999, 0.60, 1]::float8[]) r;
SELECT crm.churn_band(NULL, 0.3, 0.6) IS NULL AS null_risk;
-- contractual (subscription) customers: risk = the sBG hazard of the next
-- period given the periods survived; expected remaining lifetime = DERL
-- (Fader & Hardie 2007 "Regular" cohort, 10% per period)
SELECT k AS periods_survived, round(crm.churn_probability(m, k)::numeric, 4) AS hazard,
	   crm.churn_band(crm.churn_probability(m, k), 0.30, 0.60) AS band,
	   round(crm.derl(m, 0.10, k)::numeric, 4) AS derl
FROM (SELECT crm.sbg(0.7040772984735162, 1.1820430262094757) AS m) s, generate_series(0, 4) k;
-- the enum orders from low to high, and the stages in lifecycle order
SELECT enum_range(NULL::crm.churn_band) AS bands, enum_range(NULL::crm.lifecycle_stage) AS stages;

-- volatility as documented
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p
WHERE p.pronamespace = 'crm'::regnamespace
  AND p.proname IN ('lifecycle_stage', 'lifecycle_thresholds', 'value_parameters', 'churn_band')
ORDER BY 1::text;
