-- Pareto/NBD model: constructor, predictions at pinned parameters, fits,
-- option handling, a parallel plan and the bad-input matrix.
-- Pinned parameters (../shared/reference/params_public.json, cdnow_2357_weeks.pnbd):
--   tight = lifetimes_objective_tight (the MLE), used by hp/pnbd_dert_cdnow.csv;
--   lt    = lifetimes' own fit, used by the lifetimes outputs.
-- Every "want" below is copied from those files (60-digit truths or lifetimes).
SET extra_float_digits = 0;

-- constructor and the composite
SELECT crm.pareto_nbd(0.553, 10.578, 0.606, 11.669);
SELECT (m).r, (m).alpha, (m).s, (m).beta, (m).loglik IS NULL AS unfitted
FROM (SELECT crm.pareto_nbd(0.553, 10.578, 0.606, 11.669) AS m) q;
SELECT '(0.553,10.578,0.606,11.669,,,,)'::crm.pareto_nbd = crm.pareto_nbd(0.553, 10.578, 0.606, 11.669)
       AS text_form_equal;
SELECT crm.pareto_nbd(NULL, 1, 1, 1) IS NULL AS strict;

CREATE TEMP TABLE pin AS
SELECT crm.pareto_nbd(0.5532755223076004, 10.577612430770866, 0.6062135450395916, 11.66791021820297) AS tight,
       crm.pareto_nbd(0.5532815861528053, 10.577753122778805, 0.6061714462872277, 11.666906530603386) AS lt;

-- CDNOW customers from hp/pnbd_dert_cdnow.csv: P(alive) and DERT at 15% and
-- 10% a year (continuous weekly rates ln(1.15)/52, ln(1.10)/52)
CREATE TEMP TABLE hp (id int, x float8, tx float8, t float8, p_alive float8, dert15 float8, dert10 float8);
INSERT INTO hp VALUES
 (1, 2, 30.43, 38.86, 0.8691187201482734, 6.500198890325962, 8.15615532667384),
 (2, 1, 1.71, 38.86, 0.16787197570503024, 0.7637945569480497, 0.9583748357927439),
 (3, 0, 0, 38.86, 0.29509715326510816, 0.47825149452187277, 0.600088326580218),
 (157, 29, 37.71, 38.0, 0.9961245914505219, 87.1675566639729, 109.32212526800714),
 (1901, 21, 4.71, 29.29, 2.3840050472065828e-08, 1.715714823773038e-06, 2.1406938838663267e-06);
SELECT id, round(crm.p_alive(tight, x, tx, t)::numeric, 12) AS p_alive,
       abs(crm.p_alive(tight, x, tx, t) / p_alive - 1) < 1e-12 AS p_alive_ok,
       abs(crm.dert(tight, 0.002687729661060743, x, tx, t) / dert15 - 1) < 1e-12 AS dert15_ok,
       abs(crm.dert(tight, 0.001832888073160095, x, tx, t) / dert10 - 1) < 1e-12 AS dert10_ok
FROM hp, pin ORDER BY id;

-- lifetimes' predictions for customer 1 (cdnow_2357_predictions.csv, _pnbd_conditional_pmf.csv)
SELECT abs(crm.p_alive(lt, 2, 30.43, 38.86) / 0.86912447191386211 - 1) < 1e-12 AS p_alive,
       abs(crm.conditional_expected_purchases(lt, 39, 2, 30.43, 38.86) / 1.4551357686475015 - 1) < 1e-12 AS cond_exp_39,
       abs(crm.conditional_expected_purchases(lt, 52, 2, 30.43, 38.86) / 1.8508171556091626 - 1) < 1e-12 AS cond_exp_52
FROM pin;
SELECT n, round(crm.conditional_prob_purchases(lt, n, 39, 2, 30.43, 38.86)::numeric, 12) AS p,
       abs(crm.conditional_prob_purchases(lt, n, 39, 2, 30.43, 38.86) / want - 1) < 1e-12 AS ok
FROM pin, (VALUES (0, 0.40808330170455276), (1, 0.21926804862768887), (2, 0.15174827582802969),
                  (3, 0.095654095760212318), (4, 0.056576178417503536), (5, 0.031984031130123783)) AS v(n, want)
ORDER BY n;

-- E[X(t)] of a new customer (cdnow_2357_unconditional_expected.csv)
SELECT t, round(crm.expected_purchases(lt, t)::numeric, 12) AS expected,
       abs(crm.expected_purchases(lt, t) / want - 1) < 1e-13 AS ok
FROM pin, (VALUES (1, 0.05100640789514755), (10, 0.42779297161192531), (39, 1.2134139920750671),
                  (52, 1.4734532931075683), (78, 1.909906790705175)) AS v(t, want)
ORDER BY t;
SELECT crm.expected_purchases(lt, 0) AS at_zero,
       crm.conditional_expected_purchases(lt, 0, 2, 30.43, 38.86) AS cond_at_zero
FROM pin;

-- P(X(t) = n) of a new customer: a distribution whose mean is E[X(t)]
SELECT n, round(crm.prob_purchases(tight, n, 39)::numeric, 12) AS p
FROM pin, generate_series(0, 4) n ORDER BY n;
SELECT abs(sum(crm.prob_purchases(tight, n, 39)) - 1) < 1e-12 AS sums_to_1,
       abs(sum(n * crm.prob_purchases(tight, n, 39)) / crm.expected_purchases(tight, 39) - 1) < 1e-10 AS mean_is_expected
FROM pin, generate_series(0, 300) n GROUP BY tight;
SELECT abs(sum(crm.conditional_prob_purchases(tight, n, 52, 5, 20, 35)) - 1) < 1e-12 AS cond_sums_to_1,
       abs(sum(n * crm.conditional_prob_purchases(tight, n, 52, 5, 20, 35))
           / crm.conditional_expected_purchases(tight, 52, 5, 20, 35) - 1) < 1e-10 AS cond_mean_is_expected
FROM pin, generate_series(0, 300) n GROUP BY tight;

-- P(alive) in the future for a customer who stays silent: equal to P(alive)
-- at horizon 0, then falling; a purchase at t means alive for sure
SELECT h, round(crm.p_alive_future(tight, 2, 30.43, 38.86, h)::numeric, 12) AS p_alive_future
FROM pin, (VALUES (0), (4), (13), (52)) AS v(h) ORDER BY h;
SELECT crm.p_alive_future(tight, 2, 30.43, 38.86, 0) = crm.p_alive(tight, 2, 30.43, 38.86) AS same_at_0,
       crm.p_alive_future(tight, 2, 30.43, 38.86, 10) = crm.p_alive(tight, 2, 30.43, 48.86) AS shifted_age,
       crm.p_alive(tight, 3, 20, 20) AS bought_at_t
FROM pin;

-- heavy buyers (stress_extreme_customers.csv, 60-digit truths at lt): no
-- overflow, tiny values to full precision, values below the double range 0
SELECT abs(crm.p_alive(lt, 2000, 494, 520) / 7.1198993649626282e-41 - 1) < 1e-10 AS tiny_p_alive,
       abs(crm.conditional_expected_purchases(lt, 39, 2000, 494, 520) / 1.0245783074576095e-38 - 1) < 1e-10 AS tiny_cond_exp,
       crm.p_alive(lt, 2000, 520, 520) AS bought_at_t,
       abs(crm.conditional_expected_purchases(lt, 39, 2000, 520, 520) / 143.90348162778946 - 1) < 1e-12 AS cond_exp,
       crm.p_alive(lt, 2000, 26, 520) AS below_double_range
FROM pin;

-- fits on simulated customers (crm.simulate_customers: seeded, so the same every run)
CREATE TEMP TABLE sim AS
SELECT frequency::float8 AS x, recency AS tx, age AS t FROM crm.simulate_customers(2000, 42);
CREATE TEMP TABLE fitted AS SELECT crm.fit_pareto_nbd(x, tx, t) AS m FROM sim;
SELECT round((m).r::numeric, 4) AS r, round((m).alpha::numeric, 3) AS alpha,
       round((m).s::numeric, 4) AS s, round((m).beta::numeric, 3) AS beta,
       round((m).loglik::numeric, 3) AS loglik, (m).n_customers, (m).converged
FROM fitted;
-- the same data as weighted patterns, with NULL rows (skipped) mixed in
SELECT abs((w).r / (m).r - 1) < 1e-8 AND abs((w).alpha / (m).alpha - 1) < 1e-8
       AND abs((w).s / (m).s - 1) < 1e-8 AND abs((w).beta / (m).beta - 1) < 1e-8
       AND abs((w).loglik / (m).loglik - 1) < 1e-12 AND (w).n_customers = 2000 AS weighted_equals_rows
FROM fitted, (SELECT crm.fit_pareto_nbd(x, tx, t, n) AS w
              FROM (SELECT x, tx, t, count(*)::float8 AS n FROM sim GROUP BY x, tx, t
                    UNION ALL SELECT NULL, 1, 2, 1
                    UNION ALL SELECT 1, 1, 2, NULL) g) q;
-- an explicit start reaches the same optimum
SELECT abs((crm.fit_pareto_nbd(x, tx, t, 1, 0, ARRAY[0.3, 5, 2, 40])).loglik / (SELECT (m).loglik FROM fitted) - 1) < 1e-10
       AS same_optimum_from_start
FROM sim;
-- a penalizer shrinks the parameters and costs likelihood
SELECT (p).converged, (p).alpha < (m).alpha AND (p).beta < (m).beta AS shrunk, (p).loglik < (m).loglik AS lower_loglik
FROM fitted, (SELECT crm.fit_pareto_nbd(x, tx, t, 1, 0.01) AS p FROM sim) q;
-- no rows -> NULL
SELECT crm.fit_pareto_nbd(x, tx, t) IS NULL AS no_rows FROM sim WHERE false;

-- parallel: partial fits combined give the serial answer
CREATE TABLE pnbd_par AS SELECT * FROM sim, generate_series(1, 5) g;
ANALYZE pnbd_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT crm.fit_pareto_nbd(x, tx, t) FROM pnbd_par;
CREATE TEMP TABLE par_fit AS SELECT crm.fit_pareto_nbd(x, tx, t) AS m FROM pnbd_par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT abs((p.m).loglik / (s.m).loglik - 1) < 1e-12 AND abs((p.m).r / (s.m).r - 1) < 1e-8
       AND (p.m).n_customers = 10000 AS parallel_equals_serial
FROM par_fit p, (SELECT crm.fit_pareto_nbd(x, tx, t) AS m FROM pnbd_par) s;
DROP TABLE pnbd_par;

-- errors
\set VERBOSITY sqlstate
SELECT crm.pareto_nbd(-1, 1, 1, 1);
SELECT crm.pareto_nbd(1, 0, 1, 1);
SELECT crm.pareto_nbd(1, 1, 'NaN', 1);
SELECT crm.pareto_nbd(1, 1, 1, 'Infinity');
SELECT crm.p_alive(ROW(NULL, 1, 1, 1, NULL, NULL, NULL, NULL)::crm.pareto_nbd, 1, 1, 2);
SELECT crm.p_alive(ROW(1, -1, 1, 1, NULL, NULL, NULL, NULL)::crm.pareto_nbd, 1, 1, 2);
SELECT crm.p_alive(tight, 1.5, 1, 2) FROM pin;
SELECT crm.p_alive(tight, 1, 3, 2) FROM pin;
SELECT crm.p_alive(tight, 0, 1, 2) FROM pin;
SELECT crm.p_alive(tight, -1, 0, 2) FROM pin;
SELECT crm.p_alive(tight, 'NaN', 0, 2) FROM pin;
SELECT crm.p_alive(tight, 1, 1, 'Infinity') FROM pin;
SELECT crm.p_alive_future(tight, 1, 1, 2, -1) FROM pin;
SELECT crm.p_alive_future(tight, 1, 1, 1e308, 1e308) FROM pin;
SELECT crm.expected_purchases(tight, -1) FROM pin;
SELECT crm.expected_purchases(tight, 'Infinity') FROM pin;
SELECT crm.conditional_expected_purchases(tight, 'NaN', 1, 1, 2) FROM pin;
SELECT crm.conditional_expected_purchases(tight, 10, 1, 3, 2) FROM pin;
SELECT crm.prob_purchases(tight, -1, 39) FROM pin;
SELECT crm.prob_purchases(tight, 1, -39) FROM pin;
SELECT crm.conditional_prob_purchases(tight, -2, 39, 1, 1, 2) FROM pin;
SELECT crm.conditional_prob_purchases(tight, 2, 39, 1, 1, -2) FROM pin;
SELECT crm.dert(tight, 0, 1, 1, 2) FROM pin;
SELECT crm.dert(tight, -0.01, 1, 1, 2) FROM pin;
SELECT crm.dert(tight, 'NaN', 1, 1, 2) FROM pin;
SELECT crm.dert(tight, 0.01, 2.5, 1, 2) FROM pin;
SELECT crm.fit_pareto_nbd(1.5, 1, 2);
SELECT crm.fit_pareto_nbd(1, 3, 2);
SELECT crm.fit_pareto_nbd(0, 1, 2);
SELECT crm.fit_pareto_nbd(-1, 0, 2);
SELECT crm.fit_pareto_nbd(1, 1, 'NaN');
SELECT crm.fit_pareto_nbd(1, 1, 2, 0);
SELECT crm.fit_pareto_nbd(0, 0, t) FROM generate_series(1, 5) t;
\set VERBOSITY default
-- the wording of a few of them
SELECT crm.p_alive(tight, 1, 3, 2) FROM pin;
SELECT crm.dert(tight, 0, 1, 1, 2) FROM pin;
SELECT crm.conditional_prob_purchases(tight, -2, 39, 1, 1, 2) FROM pin;
SELECT crm.fit_pareto_nbd(1, 3, 2);
SELECT crm.fit_pareto_nbd(0, 0, t) FROM generate_series(1, 5) t;
