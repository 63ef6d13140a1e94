-- rfm_errors: every bad input of the RFM aggregates gets an error with its
-- SQLSTATE (never a crash, never a silent NULL).
SET TimeZone = 'UTC';
\set VERBOSITY sqlstate
CREATE TABLE rfm_err (customer int, occurred_at timestamptz, amount numeric, stop timestamptz);
INSERT INTO rfm_err VALUES (1, '2020-01-01', 10, '2020-12-31'), (1, '2020-02-01', 5, '2020-12-31');

-- 22023: observation_end NULL or infinite
SELECT crm.rfm_summary(occurred_at, amount, NULL) FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, 'infinity') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '-infinity') FROM rfm_err;
-- 22023: calibration_end NULL, infinite, after observation_end
SELECT crm.rfm_calibration_holdout(occurred_at, amount, NULL, '2020-12-31') FROM rfm_err;
SELECT crm.rfm_calibration_holdout(occurred_at, amount, 'infinity', 'infinity') FROM rfm_err;
SELECT crm.rfm_calibration_holdout(occurred_at, amount, '2021-01-01', '2020-12-31') FROM rfm_err;
-- 22023: NULL, zero or negative bucket or unit
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', NULL) FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '0') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '-1 day') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '-1 mon') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '1 day -25 hours') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '1 day', NULL) FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '1 day', '0 days') FROM rfm_err;
SELECT crm.rfm_calibration_holdout(occurred_at, amount, '2020-06-30', '2020-12-31', '1 day', '-7 days') FROM rfm_err;
-- 22003: a bucket too long for 64-bit microseconds
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '200000000 days') FROM rfm_err;
-- 22003: a month bucket of more than 200000 years (the start of the bucket of
-- 4714 BC would overflow 64-bit microseconds); 200000 years is accepted
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '200001 years', '1 day') FROM rfm_err;
SELECT crm.rfm_summary('1990-06-01'::timestamptz, 10, '2020-12-31', '200000 years', '365.2425 days')
FROM generate_series(1, 2);
-- 0A000: months mixed with days or time; a month unit over fixed-length buckets
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '1 mon 1 day') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '1 mon', '1 mon 12 hours') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '1 day', '1 mon') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '30 days', '1 year') FROM rfm_err;
-- the same parameters are fine when they are consistent
SELECT (crm.rfm_summary(occurred_at, amount, '2020-12-31', '1 mon', '30 days')).t FROM rfm_err;

-- 22023: NaN and infinite amounts; 22003: out of range, too many fractional digits
SELECT crm.rfm_summary(occurred_at, 'NaN', '2020-12-31') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, 'Infinity', '2020-12-31') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, '-Infinity', '2020-12-31') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, 1e18, '2020-12-31') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, -1e18, '2020-12-31') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, 0.0000000000001, '2020-12-31') FROM rfm_err;
-- ... while 12 fractional digits, trailing zeros and 10^18 - 10^-12 are fine
SELECT (crm.rfm_summary(occurred_at, x, '2020-12-31')).revenue
FROM rfm_err, (VALUES (0.000000000001), (0.50000000000000000000), (999999999999999999.999999999999)) v(x);
-- 22023: infinite occurred_at
SELECT crm.rfm_summary('infinity', amount, '2020-12-31') FROM rfm_err;
SELECT crm.rfm_summary('-infinity', amount, '2020-12-31') FROM rfm_err;
-- 22003: sums beyond 9.2e18
SELECT crm.rfm_summary(d, 999999999999999999, '2021-12-31')
FROM generate_series(timestamptz '2021-01-01', '2021-01-10', '1 day') d;
SELECT crm.rfm_summary(d, -999999999999999999, '2021-12-31')
FROM generate_series(timestamptz '2021-01-01', '2021-01-10', '1 day') d;

-- 22023: parameters that differ between rows of one group
SELECT crm.rfm_summary(occurred_at, amount, stop + (amount || ' days')::interval) FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, stop, (amount || ' days')::interval) FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, stop, '1 day', (amount || ' days')::interval) FROM rfm_err;
SELECT crm.rfm_calibration_holdout(occurred_at, amount, occurred_at, stop) FROM rfm_err;
-- ... also when the row that differs is skipped for a NULL amount
SELECT crm.rfm_summary(d, a, e)
FROM (VALUES (timestamptz '2020-01-01', 1::numeric, timestamptz '2020-12-31'), ('2020-01-02', NULL, '2021-12-31')) v(d, a, e);
-- ... but may differ between groups
SELECT customer, (crm.rfm_summary(occurred_at, amount, stop + customer * interval '1 day')).t
FROM (SELECT * FROM rfm_err UNION ALL SELECT 2, occurred_at, amount, stop FROM rfm_err) s
GROUP BY customer ORDER BY customer;
-- NULL parameters are errors even on rows that are skipped for NULL data
SELECT crm.rfm_summary(NULL::timestamptz, NULL::numeric, NULL::timestamptz);

-- the support functions cannot be called outside an aggregate
SELECT crm.rfm_summary_deserial('\x0152'::bytea, NULL);

\set VERBOSITY default
-- the messages, details and hints of a few of them
SELECT crm.rfm_summary(occurred_at, amount, '2020-12-31', '1 day', '1 mon') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, 0.0000000000001, '2020-12-31') FROM rfm_err;
SELECT crm.rfm_summary(occurred_at, amount, stop + (amount || ' days')::interval) FROM rfm_err;
DROP TABLE rfm_err;
