-- rfm: crm.rfm_summary and crm.rfm_calibration_holdout on hand-checked cases.
SET TimeZone = 'UTC';

CREATE TABLE rfm_tx (customer int, occurred_at timestamptz, amount numeric);
-- 1: CDNOW customer 1 (sample id 1): three purchase days up to 1997-09-30, one after
-- 2: a single purchase
-- 3: two purchases on one day, a refund, a zero amount, one row on the end day
-- 4: only rows after the end
-- 5: only a refund
-- 6: NULL time or amount rows only
INSERT INTO rfm_tx VALUES
  (1, '1997-01-01', 29.33), (1, '1997-01-18', 29.73), (1, '1997-08-02', 14.96), (1, '1997-12-12', 26.48),
  (2, '1997-03-05 13:00', 11.77),
  (3, '1997-09-01 08:00', 10.00), (3, '1997-09-01 19:30', 5), (3, '1997-09-02', -3.50),
  (3, '1997-09-10', 0), (3, '1997-09-30 23:59:59', 7.125),
  (4, '1997-10-01', 100),
  (5, '1997-05-01', -20),
  (6, NULL, 5), (6, '1997-05-01', NULL);

-- Customer 1: days 1997-01-01, 01-18, 08-02 → frequency 2, recency 213 days,
-- T 272 days, monetary (29.73 + 14.96) / 2 = 22.345 (first day excluded);
-- 1997-12-12 is after the end.  In weeks: 213/7 = 30.428571…, 272/7 = 38.857142….
-- Customer 3: days 09-01 (10 + 5), 09-10 (0), 09-30 (7.125; the cut is at day
-- granularity, so 23:59:59 on the end day counts) → frequency 2, recency 29,
-- T 29, monetary (0 + 7.125) / 2; the refund is no purchase but counts as an
-- interaction; revenue 15 - 3.50 + 0 + 7.125 = 18.625.
SELECT customer, (r).frequency, round((r).recency::numeric, 6) AS recency, round((r).t::numeric, 6) AS t,
       round((r).monetary::numeric, 6) AS monetary, (r).first_at, (r).last_at,
       (r).n_interactions, (r).n_refunds, (r).refund_amount, (r).revenue
FROM (SELECT customer, crm.rfm_summary(occurred_at, amount, '1997-09-30') AS r
      FROM rfm_tx GROUP BY customer) s
ORDER BY customer;

-- the same in weeks (lifetimes freq='D', freq_multiplier=7)
SELECT customer, (r).frequency, round((r).recency::numeric, 6) AS recency, round((r).t::numeric, 6) AS t,
       round((r).monetary::numeric, 6) AS monetary
FROM (SELECT customer, crm.rfm_summary(occurred_at, amount, '1997-09-30', '1 day', '7 days') AS r
      FROM rfm_tx GROUP BY customer) s
ORDER BY customer;

-- input order does not matter: bit-identical results for ascending, descending
-- and an arbitrary order
SELECT count(*) AS customers,
       count(*) FILTER (WHERE a IS NOT DISTINCT FROM b AND b IS NOT DISTINCT FROM c) AS identical
FROM (SELECT customer,
             crm.rfm_summary(occurred_at, amount, '1997-09-30', '1 day', '7 days' ORDER BY occurred_at) AS a,
             crm.rfm_summary(occurred_at, amount, '1997-09-30', '1 day', '7 days' ORDER BY occurred_at DESC) AS b,
             crm.rfm_summary(occurred_at, amount, '1997-09-30', '1 day', '7 days' ORDER BY md5(amount::text)) AS c
      FROM rfm_tx GROUP BY customer) s;

-- with many rows per customer: 3000 rows in 3 orders, on 1000 distinct days
SELECT a = b AS asc_desc, b = c AS desc_random, (a).frequency, (a).n_interactions, (a).revenue
FROM (SELECT crm.rfm_summary(at, amt, '2030-01-01' ORDER BY at) AS a,
             crm.rfm_summary(at, amt, '2030-01-01' ORDER BY at DESC) AS b,
             crm.rfm_summary(at, amt, '2030-01-01' ORDER BY md5(i::text)) AS c
      FROM (SELECT i, timestamptz '2020-01-01' + (i % 1000) * interval '1 day' + (i % 7) * interval '1 hour' AS at,
                   (i % 100)::numeric / 4 - 2 AS amt
            FROM generate_series(1, 3000) i) g) s;

-- week buckets are Monday..Sunday: 1997-01-05 is a Sunday, 1997-01-06 a Monday
SELECT (crm.rfm_summary(d, 1, '1997-01-31', '7 days')).*
FROM (VALUES (timestamptz '1997-01-01'), ('1997-01-05 23:00'), ('1997-01-06'), ('1997-01-12')) v(d);

-- month buckets: calendar months, measured in months, years and days
SELECT (crm.rfm_summary(d, 1, '2000-12-15', '1 mon')).frequency AS months,
       (crm.rfm_summary(d, 1, '2000-12-15', '1 mon')).recency AS recency_months,
       (crm.rfm_summary(d, 1, '2000-12-15', '1 mon', '1 year')).recency AS recency_years,
       (crm.rfm_summary(d, 1, '2000-12-15', '1 mon', '1 day')).recency AS recency_days,
       (crm.rfm_summary(d, 1, '2000-12-15', '1 mon', '1 day')).t AS t_days,
       (crm.rfm_summary(d, 1, '2000-12-15', '3 mons')).frequency AS quarters,
       (crm.rfm_summary(d, 1, '2000-12-15', '1 year')).frequency AS years
FROM (VALUES (timestamptz '2000-01-31 23:59'), ('2000-02-29 12:00'), ('2000-03-01'), ('2000-07-04')) v(d);
-- Jan..Jul 2000: 6 months = 0.5 years = 182 days (leap year); T to December
-- = 11 months = 335 days; quarters Q1, Q3 → 1 repeat; one year → 0 repeats

-- a year bucket across leap years, in weeks: 2000 has 366 days
SELECT round((r).recency::numeric, 6) AS recency_weeks, (r).frequency
FROM (SELECT crm.rfm_summary(d, 1, '2001-06-01', '1 year', '7 days') AS r
      FROM (VALUES (timestamptz '2000-06-01'), ('2001-02-01')) v(d)) s;

-- DST: buckets follow the session TimeZone's wall clock
SET TimeZone = 'America/New_York';
-- 2021-03-14 has 23 hours, 2021-11-07 has 25: local midnights still split days
SELECT (crm.rfm_summary(d, 1, '2021-11-08')).frequency AS days,
       (crm.rfm_summary(d, 1, '2021-11-08')).recency AS recency_days,
       (crm.rfm_summary(d, 1, '2021-11-08', '1 hour')).frequency AS hours
FROM (VALUES (timestamptz '2021-03-14 00:30'), ('2021-03-14 23:30'), ('2021-11-07 00:30'),
             ('2021-11-07 01:30 EDT'), ('2021-11-07 01:30 EST'), ('2021-11-07 23:59')) v(d);
-- days: 03-14, 11-07 → frequency 1, recency 238 days; hours: 03-14 00h, 23h,
-- 11-07 00h, 01h (EDT and EST share the local hour 01:00), 23h → 4 repeats

-- every timestamp's bucket agrees with local wall-clock arithmetic in
-- several zones, over 1850..2150 (historical offsets, DST rules, far-future
-- extrapolation): hours as date_trunc gives them, and fixed buckets aligned
-- to Monday 2000-01-03 00:00 local (as date_bin(bucket, local, '2000-01-03'))
CREATE TABLE rfm_times AS
SELECT i, timestamptz '1850-01-01 00:00+00' + ((i * 2654435761) % 9467280000) * interval '1 second' AS at
FROM generate_series(1, 4000) i;
CREATE FUNCTION rfm_bucket_mismatches(zone text, bucket interval) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  stop timestamptz := '2150-06-01 12:00+00';
  len float8 := extract(epoch FROM bucket);
BEGIN
  EXECUTE format('SET LOCAL TimeZone = %L', zone);
  SELECT count(*) INTO n
  FROM (SELECT i, at, crm.rfm_summary(at, 1, stop, bucket) AS r FROM rfm_times GROUP BY i, at) s
  WHERE (r).t <> CASE WHEN bucket = interval '1 hour'
                      THEN extract(epoch FROM date_trunc('hour', stop AT TIME ZONE zone)
                                            - date_trunc('hour', at AT TIME ZONE zone)) / 3600
                      ELSE floor(extract(epoch FROM (stop AT TIME ZONE zone) - timestamp '2000-01-03') / len)
                           - floor(extract(epoch FROM (at AT TIME ZONE zone) - timestamp '2000-01-03') / len) END;
  RETURN n;
END $$;
SELECT zone, rfm_bucket_mismatches(zone, '1 hour') AS hour, rfm_bucket_mismatches(zone, '90 minutes') AS "90 minutes",
       rfm_bucket_mismatches(zone, '5 days') AS "5 days"
FROM unnest(ARRAY['UTC', 'America/New_York', 'Europe/Dublin', 'Australia/Lord_Howe', 'Asia/Kathmandu',
                  'Pacific/Apia', 'America/Sao_Paulo', 'Europe/Moscow', '+05:30', 'EST5EDT']) zone;
RESET TimeZone;
SET TimeZone = 'UTC';

-- calibration/holdout: calibration up to 1997-06-30, holdout to 1997-12-31.
-- Customer 1: calibration days 01-01, 01-18 → frequency_cal 1, recency 17 days,
-- T_cal 180 days, monetary_cal 29.73; holdout days 08-02, 12-12 → 2, mean
-- (14.96 + 26.48) / 2 = 20.72; duration 184 days.  Customers whose first
-- purchase is after calibration_end (3, 4) get NULL.
SELECT customer, (h).frequency_cal, round((h).recency_cal::numeric, 6) AS recency_cal,
       round((h).t_cal::numeric, 6) AS t_cal, round((h).monetary_value_cal::numeric, 6) AS monetary_cal,
       (h).frequency_holdout, round((h).duration_holdout::numeric, 6) AS duration_holdout,
       round((h).monetary_value_holdout::numeric, 6) AS monetary_holdout
FROM (SELECT customer, crm.rfm_calibration_holdout(occurred_at, amount, '1997-06-30', '1997-12-31') AS h
      FROM rfm_tx GROUP BY customer) s
ORDER BY customer;
-- in weeks, with calibration_end = observation_end (empty holdout)
SELECT customer, (h).frequency_cal, round((h).t_cal::numeric, 6) AS t_cal,
       (h).frequency_holdout, (h).duration_holdout
FROM (SELECT customer, crm.rfm_calibration_holdout(occurred_at, amount, '1997-09-30', '1997-09-30', '1 day', '7 days') AS h
      FROM rfm_tx GROUP BY customer) s
ORDER BY customer;

-- as a window aggregate: the running summary after each purchase of customer 1
SELECT occurred_at, (r).frequency, (r).recency, (r).t, (r).monetary
FROM (SELECT occurred_at, crm.rfm_summary(occurred_at, amount, '1997-09-30') OVER (ORDER BY occurred_at) AS r
      FROM rfm_tx WHERE customer = 1) s
ORDER BY occurred_at;

-- revenue keeps the largest input scale, exactly (like sum), refunds apart
SELECT (r).revenue, (r).refund_amount, round((r).monetary::numeric) AS monetary
FROM (SELECT crm.rfm_summary(d, a, '2020-12-31') AS r
      FROM (VALUES (timestamptz '2020-01-01', 0.1), ('2020-01-02', 0.2), ('2020-01-03', 0.000000000001),
                   ('2020-01-04', -0.30), ('2020-01-05', 123456789012345678.5)) v(d, a)) s;

-- no rows: NULL
SELECT crm.rfm_summary(occurred_at, amount, '1997-09-30') IS NULL AS no_rows FROM rfm_tx WHERE false;

DROP FUNCTION rfm_bucket_mismatches(text, interval);
DROP TABLE rfm_times;
DROP TABLE rfm_tx;
