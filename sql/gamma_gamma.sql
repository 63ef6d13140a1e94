-- Gamma-Gamma spend model: constructor, expected spend, a fit on
-- deterministic data (customers with frequency 0 are skipped), errors.
SET extra_float_digits = 0;

-- constructor and the composite
SELECT crm.gamma_gamma(6.25, 3.74, 15.44);
SELECT (crm.gamma_gamma(6.25, 3.74, 15.44)).v, (crm.gamma_gamma(6.25, 3.74, 15.44)).converged IS NULL AS unfitted;
SELECT '(6.25,3.74,15.44,,,,)'::crm.gamma_gamma = crm.gamma_gamma(6.25, 3.74, 15.44) AS text_form_equal;
SELECT crm.gamma_gamma(NULL, 1, 1) IS NULL AS strict;

-- expected spend at the CDNOW MLE (hp/gamma_gamma_cdnow.json): customers 1, 2, 6, 17
-- and the population mean 35.17100208824097 for frequency 0
CREATE TEMP TABLE gg AS SELECT crm.gamma_gamma(6.248802489709097, 3.744588453287469,
                                               15.447748009463716) AS m;
SELECT x, zbar, round(crm.expected_spend(m, x, zbar)::numeric, 9) AS expected_spend
FROM gg, (VALUES (2, 22.35), (1, 11.77), (7, 73.74), (10, 24.24), (0, 0), (0, 123.45)) v(x, zbar)
ORDER BY x, zbar;
SELECT abs(crm.expected_spend(m, 2, 22.35) / 24.658616174326713 - 1) < 1e-14 AS id1_hp,
       abs(crm.expected_spend(m, 0, 0) / 35.17100208824097 - 1) < 1e-15 AS population_mean_hp
FROM gg;
-- the weight on the customer's own mean grows with frequency
SELECT x, round(crm.expected_spend(m, x, 100)::numeric, 6) AS spend_of_a_big_spender
FROM gg, (VALUES (1), (10), (100), (10000)) v(x) ORDER BY x;

-- a fit on deterministic data: 3000 customers, a third without repeat
-- purchases; the others spend around one of 8 levels, with noise shrinking
-- as 1/sqrt(frequency) (scipy's Nelder-Mead from four starts:
-- p 8.153944, q 1.467657, v 2.048909, LL -8320.163631; a plain table, as
-- temporary tables are never scanned in parallel)
CREATE TABLE spenders AS
SELECT i AS id, CASE WHEN i % 3 = 0 THEN 0 ELSE 1 + i % 5 END AS frequency,
       CASE WHEN i % 3 = 0 THEN 0
            ELSE (ARRAY[4, 6, 9, 13, 20, 30, 45, 68])[1 + i * 7 % 8]
                 * (1 + (i * 37 % 101 - 50) / (125 * sqrt(1 + i % 5))) END AS monetary
FROM generate_series(1, 3000) i;
ANALYZE spenders;
CREATE TEMP TABLE ggfit AS SELECT crm.fit_gamma_gamma(frequency, monetary) AS m FROM spenders;
SELECT round((m).p::numeric, 4) AS p, round((m).q::numeric, 4) AS q, round((m).v::numeric, 4) AS v,
       round((m).loglik::numeric, 4) AS loglik, (m).n_customers, (m).converged
FROM ggfit;
-- the frequency-0 rows are skipped: the same fit without them
SELECT (SELECT crm.fit_gamma_gamma(frequency, monetary) FROM spenders)::text
     = (SELECT crm.fit_gamma_gamma(frequency, monetary) FROM spenders WHERE frequency > 0)::text
       AS zero_frequency_skipped;
-- weights are repetitions; NULLs are skipped
SELECT (SELECT crm.fit_gamma_gamma(frequency, monetary, 3) FROM spenders)::text
     = (SELECT crm.fit_gamma_gamma(frequency, monetary) FROM spenders, generate_series(1, 3))::text
       AS weight_is_repetition;
SELECT (crm.fit_gamma_gamma(NULL::float8, monetary)) IS NULL AS all_null_is_null FROM spenders;
SELECT crm.fit_gamma_gamma(frequency, monetary) IS NULL AS only_zero_frequency_is_null
FROM spenders WHERE frequency = 0;
-- predictions straight from the fitted model
SELECT x, mbar, round(crm.expected_spend(m, x, mbar)::numeric, 4) AS expected_spend
FROM ggfit, (VALUES (0, 0), (1, 4), (1, 68), (5, 4), (5, 68)) v(x, mbar) ORDER BY x, mbar;
-- parallel fit = serial fit
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT crm.fit_gamma_gamma(frequency, monetary) FROM spenders;
SELECT crm.fit_gamma_gamma(frequency, monetary)::text = (SELECT m::text FROM ggfit) AS parallel_equals_serial
FROM spenders;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE spenders;

-- errors
\set VERBOSITY sqlstate
SELECT crm.gamma_gamma(0, 2, 1);
SELECT crm.gamma_gamma(1, 'NaN', 1);
SELECT crm.gamma_gamma(1, 2, '-Infinity');
SELECT crm.expected_spend(crm.gamma_gamma(1, 1, 1), 2, 10);
SELECT crm.expected_spend(crm.gamma_gamma(1, 0.5, 1), 0, 0);
SELECT crm.expected_spend(m, -1, 10) FROM gg;
SELECT crm.expected_spend(m, 1.5, 10) FROM gg;
SELECT crm.expected_spend(m, 2, 0) FROM gg;
SELECT crm.expected_spend(m, 2, 'NaN') FROM gg;
SELECT crm.expected_spend(m, 'Infinity', 10) FROM gg;
SELECT crm.fit_gamma_gamma(2, -5);
SELECT crm.fit_gamma_gamma(-1, 5);
SELECT crm.fit_gamma_gamma(2.5, 5);
SELECT crm.fit_gamma_gamma(x, 20) FROM generate_series(1, 5) x;
\set VERBOSITY default
SELECT crm.expected_spend(crm.gamma_gamma(1, 1, 1), 2, 10);
SELECT crm.fit_gamma_gamma(x, 20) FROM generate_series(1, 5) x;
