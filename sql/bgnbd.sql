-- BG/NBD and MBG/NBD models: constructors, predictions at pinned parameters,
-- fits, option handling, a parallel plan and the bad-input matrix.
-- Pinned parameters (../shared/reference/params_public.json, cdnow_2357_weeks):
--   mle  = bgnbd.independent_mle (the MLE), used by hp/bgnbd_discounted_cdnow.csv;
--   lt   = bgnbd.lifetimes (lifetimes' fit), used by lifetimes' outputs and the stress rows;
--   mlt  = mbgnbd.lifetimes.
-- Every "want" below is copied from those files (60-digit truths or lifetimes)
-- or, where marked, computed with mpmath at 60 digits.
SET extra_float_digits = 0;

-- constructors and the composites
SELECT crm.bgnbd(0.243, 4.414, 0.793, 2.426);
SELECT crm.mbgnbd(0.525, 6.183, 0.891, 1.614);
SELECT (m).r, (m).alpha, (m).a, (m).b, (m).loglik IS NULL AS unfitted
FROM (SELECT crm.bgnbd(0.243, 4.414, 0.793, 2.426) AS m) q;
SELECT '(0.243,4.414,0.793,2.426,,,,)'::crm.bgnbd = crm.bgnbd(0.243, 4.414, 0.793, 2.426)
       AS text_form_equal;
SELECT crm.bgnbd(NULL, 1, 1, 1) IS NULL AS strict, crm.mbgnbd(1, 1, 1, NULL) IS NULL AS strict_m;

CREATE TEMP TABLE pin AS
SELECT crm.bgnbd(0.24259290637636774, 4.413531540001457, 0.792886205250131, 2.425753635352417) AS mle,
       crm.bgnbd(0.24259292827982198, 4.413532265271817, 0.7928859664406002, 2.4257523826255123) AS lt,
       crm.mbgnbd(0.5248377255676664, 6.1829884791339715, 0.8913562809311414, 1.6140000256721279) AS mlt;

-- CDNOW customers from hp/bgnbd_discounted_cdnow.csv (60-digit truths at the
-- MLE): P(alive), E[Y(52)], E[Y(104)] and DERT at 15% a year (continuous
-- weekly rate ln(1.15)/52)
CREATE TEMP TABLE hp (id int, x float8, tx float8, t float8, p_alive float8, ce52 float8,
                      ce104 float8, dert15 float8);
INSERT INTO hp VALUES
 (1, 2, 30.43, 38.86, 0.7266091487460515, 1.5585837779438707, 2.669091074161154, 5.169636818878523),
 (2, 1, 1.71, 38.86, 0.21222741009429702, 0.25990710656668464, 0.45293240956699043, 0.9178589684658102),
 (3, 0, 0, 38.86, 1.0, 0.25166571131984494, 0.453085636108553, 1.017250614431583),
 (157, 29, 37.71, 38.0, 0.9691335861278595, 25.061420568930085, 40.92717811373805, 72.17149565450401),
 (1901, 21, 4.71, 29.29, 2.489434036557631e-11, 5.57771212233787e-10, 8.928461847245489e-10,
  1.5267156206215346e-09);
SELECT id, round(crm.p_alive(mle, x, tx, t)::numeric, 12) AS p_alive,
       abs(crm.p_alive(mle, x, tx, t) / p_alive - 1) < 1e-13 AS p_alive_ok,
       abs(crm.conditional_expected_purchases(mle, 52, x, tx, t) / ce52 - 1) < 1e-13 AS ce52_ok,
       abs(crm.conditional_expected_purchases(mle, 104, x, tx, t) / ce104 - 1) < 1e-13 AS ce104_ok,
       abs(crm.dert(mle, 0.002687729661060743, x, tx, t) / dert15 - 1) < 1e-13 AS dert15_ok
FROM hp, pin ORDER BY id;

-- lifetimes' predictions for customers 1 and 157 (cdnow_2357_predictions.csv)
SELECT abs(crm.p_alive(lt, 2, 30.43, 38.86) / 0.72660913679906103 - 1) < 1e-13 AS p_alive,
       abs(crm.conditional_expected_purchases(lt, 39, 2, 30.43, 38.86) / 1.2259104241744192 - 1) < 1e-13 AS ce39,
       abs(crm.conditional_expected_purchases(lt, 52, 29, 37.71, 38) / 25.061422527263975 - 1) < 1e-13 AS ce52,
       abs(crm.p_alive(mlt, 2, 30.43, 38.86) / 0.70612625871540025 - 1) < 1e-13 AS m_p_alive,
       abs(crm.conditional_expected_purchases(mlt, 39, 2, 30.43, 38.86) / 1.2626707787139446 - 1) < 1e-13 AS m_ce39,
       abs(crm.conditional_expected_purchases(mlt, 52, 29, 37.71, 38) / 23.549065054737216 - 1) < 1e-13 AS m_ce52
FROM pin;

-- E[X(t)] of a new customer (cdnow_2357_unconditional_expected.csv)
SELECT t, round(crm.expected_purchases(lt, t)::numeric, 12) AS bgnbd,
       abs(crm.expected_purchases(lt, t) / want - 1) < 1e-12 AS ok,
       round(crm.expected_purchases(mlt, t)::numeric, 12) AS mbgnbd,
       abs(crm.expected_purchases(mlt, t) / mwant - 1) < 1e-12 AS m_ok
FROM pin, (VALUES (1, 0.053184736895629234, 0.053060629447070615),
                  (10, 0.43176098952267022, 0.43325287447597266),
                  (39, 1.1950162284462018, 1.1822837952882768),
                  (52, 1.4440207698690943, 1.418889555252171),
                  (78, 1.8579717035277727, 1.8036361932918852)) AS v(t, want, mwant)
ORDER BY t;
SELECT crm.expected_purchases(lt, 0) AS at_zero,
       crm.conditional_expected_purchases(lt, 0, 2, 30.43, 38.86) AS cond_at_zero,
       crm.conditional_expected_purchases(mlt, 0, 2, 30.43, 38.86) AS m_cond_at_zero
FROM pin;

-- P(X(t) = n) of a new customer (cdnow_2357_unconditional_pmf.csv): a
-- distribution whose mean is E[X(t)]
SELECT n, round(crm.prob_purchases(lt, n, 39)::numeric, 12) AS bgnbd,
       abs(crm.prob_purchases(lt, n, 39) / want - 1) < 1e-13 AS ok,
       round(crm.prob_purchases(mlt, n, 39)::numeric, 12) AS mbgnbd,
       abs(crm.prob_purchases(mlt, n, 39) / mwant - 1) < 1e-13 AS m_ok
FROM pin, (VALUES (0, 0.57430728340542281, 0.58260556740710312),
                  (1, 0.19919306128210471, 0.18276337398066533),
                  (2, 0.085322408760463819, 0.086870591475234543),
                  (3, 0.045797191724208847, 0.048550722435450208),
                  (4, 0.027631215593659664, 0.02975898926188205)) AS v(n, want, mwant)
ORDER BY n;
SELECT abs(sum(crm.prob_purchases(lt, n, 39)) - 1) < 1e-13 AS sums_to_1,
       abs(sum(n * crm.prob_purchases(lt, n, 39)) / crm.expected_purchases(lt, 39) - 1) < 1e-12 AS mean_is_expected,
       abs(sum(crm.prob_purchases(mlt, n, 39)) - 1) < 1e-13 AS m_sums_to_1,
       abs(sum(n * crm.prob_purchases(mlt, n, 39)) / crm.expected_purchases(mlt, 39) - 1) < 1e-12 AS m_mean_is_expected
FROM pin, generate_series(0, 2000) n GROUP BY lt, mlt;

-- P(alive) in the future for a customer who stays silent: equal to P(alive)
-- at horizon 0, then falling; BG/NBD customers without repeat purchases
-- cannot have dropped out, MBG/NBD ones can
SELECT h, round(crm.p_alive_future(lt, 2, 30.43, 38.86, h)::numeric, 12) AS bgnbd,
       round(crm.p_alive_future(mlt, 2, 30.43, 38.86, h)::numeric, 12) AS mbgnbd,
       crm.p_alive_future(lt, 0, 0, 38.86, h) AS bgnbd_no_repeat,
       round(crm.p_alive_future(mlt, 0, 0, 38.86, h)::numeric, 12) AS mbgnbd_no_repeat
FROM pin, (VALUES (0), (4), (13), (52)) AS v(h) ORDER BY h;
SELECT crm.p_alive_future(lt, 2, 30.43, 38.86, 0) = crm.p_alive(lt, 2, 30.43, 38.86) AS same_at_0,
       crm.p_alive_future(lt, 2, 30.43, 38.86, 10) = crm.p_alive(lt, 2, 30.43, 48.86) AS shifted_age,
       round(crm.p_alive(lt, 3, 20, 20)::numeric, 12) AS bought_at_t,
       round(crm.p_alive(mlt, 0, 0, 0)::numeric, 12) AS m_new_customer
FROM pin;

-- DERT: a new customer's discounted purchases, decreasing in the rate
SELECT rate, round(crm.dert(lt, rate, 0, 0, 0)::numeric, 10) AS bgnbd_new,
       round(crm.dert(mlt, rate, 0, 0, 0)::numeric, 10) AS mbgnbd_new
FROM pin, (VALUES (0.0005), (0.002687729661060743), (0.01), (0.1)) AS v(rate) ORDER BY rate;

-- heavy buyers (stress_extreme_customers.csv, 60-digit truths at lt / mlt):
-- no overflow, tiny values to full precision, values below the double range 0;
-- MBG/NBD from x = 500 on, where lifetimes returns NaN
SELECT abs(crm.p_alive(lt, 2000, 494, 520) / 1.6929410145983053e-41 - 1) < 1e-12 AS tiny_p_alive,
       abs(crm.conditional_expected_purchases(lt, 520, 2000, 494, 520) / 2.5081207122077339e-38 - 1) < 1e-12 AS tiny_cond_exp,
       abs(crm.conditional_expected_purchases(lt, 520, 2000, 38.86, 38.86) / 6775.619871542548 - 1) < 1e-12 AS cond_exp,
       crm.p_alive(lt, 2000, 1.943, 38.86) AS below_double_range
FROM pin;
SELECT abs(crm.conditional_expected_purchases(mlt, 520, 2000, 1, 1) / 10954.297764012068 - 1) < 1e-12 AS m_2000,
       abs(crm.conditional_expected_purchases(mlt, 39, 500, 19.43, 38.86) / 3.5300015431663149e-118 - 1) < 1e-12 AS m_tiny,
       crm.conditional_expected_purchases(mlt, 39, 2000, 19.43, 38.86) AS m_below_double_range
FROM pin;
-- a close to 1, where the 2F1 closed form loses 7 digits (mpmath, 60 digits: 1.1026292777033572185)
SELECT abs(crm.conditional_expected_purchases(crm.bgnbd(0.2426, 4.41, 1.0000001, 2.43), 39, 2, 30.43, 38.86)
           / 1.1026292777033572185 - 1) < 1e-13 AS a_near_1,
       abs(crm.conditional_expected_purchases(crm.bgnbd(0.2426, 4.41, 1, 2.43), 39, 2, 30.43, 38.86)
           / 1.1026293323119985127 - 1) < 1e-13 AS a_is_1;

-- fits on simulated BG/NBD customers (crm.simulate_customers: seeded, true
-- r = 0.25, alpha = 4, a = 0.8, b = 2.5)
CREATE TEMP TABLE sim AS
SELECT frequency::float8 AS x, recency AS tx, age AS t FROM crm.simulate_customers(2000, 42);
CREATE TEMP TABLE fitted AS
SELECT crm.fit_bgnbd(x, tx, t) AS m, crm.fit_mbgnbd(x, tx, t) AS mm FROM sim;
SELECT round((m).r::numeric, 4) AS r, round((m).alpha::numeric, 3) AS alpha,
       round((m).a::numeric, 4) AS a, round((m).b::numeric, 3) AS b,
       round((m).loglik::numeric, 3) AS loglik, (m).n_customers, (m).converged
FROM fitted;
SELECT round((mm).r::numeric, 4) AS r, round((mm).alpha::numeric, 3) AS alpha,
       round((mm).a::numeric, 4) AS a, round((mm).b::numeric, 3) AS b,
       round((mm).loglik::numeric, 3) AS loglik, (mm).n_customers, (mm).converged
FROM fitted;
-- the same data as weighted patterns, with NULL rows (skipped) mixed in
SELECT abs((w).r / (m).r - 1) < 1e-8 AND abs((w).alpha / (m).alpha - 1) < 1e-8
       AND abs((w).a / (m).a - 1) < 1e-8 AND abs((w).b / (m).b - 1) < 1e-8
       AND abs((w).loglik / (m).loglik - 1) < 1e-12 AND (w).n_customers = 2000 AS weighted_equals_rows,
       abs((wm).loglik / (mm).loglik - 1) < 1e-12 AND (wm).n_customers = 2000 AS m_weighted_equals_rows
FROM fitted, (SELECT crm.fit_bgnbd(x, tx, t, n) AS w, crm.fit_mbgnbd(x, tx, t, n) AS wm
              FROM (SELECT x, tx, t, count(*)::float8 AS n FROM sim GROUP BY x, tx, t
                    UNION ALL SELECT NULL, 1, 2, 1
                    UNION ALL SELECT 1, NULL, 2, 1
                    UNION ALL SELECT 1, 1, 2, NULL) g) q;
-- an explicit start reaches the same optimum
SELECT abs((crm.fit_bgnbd(x, tx, t, 1, 0, ARRAY[1, 1, 1, 1])).loglik / (SELECT (m).loglik FROM fitted) - 1) < 1e-10
       AS same_optimum_from_start,
       abs((crm.fit_mbgnbd(x, tx, t, 1, NULL, ARRAY[2, 20, 0.5, 5])).loglik / (SELECT (mm).loglik FROM fitted) - 1) < 1e-10
       AS m_same_optimum_from_start
FROM sim;
-- a penalizer shrinks the parameters and costs likelihood
SELECT (p).converged, (p).alpha < (m).alpha AND (p).b < (m).b AS shrunk, (p).loglik < (m).loglik AS lower_loglik
FROM fitted, (SELECT crm.fit_bgnbd(x, tx, t, 1, 0.01) AS p FROM sim) q;
-- no rows -> NULL
SELECT crm.fit_bgnbd(x, tx, t) IS NULL AS no_rows, crm.fit_mbgnbd(x, tx, t) IS NULL AS m_no_rows
FROM sim WHERE false;
-- the fitted model predicts: E[Y(52)] summed over the customers
SELECT round(sum(crm.conditional_expected_purchases(m, 52, x, tx, t))::numeric, 3) AS expected_next_year,
       round(sum(crm.conditional_expected_purchases(mm, 52, x, tx, t))::numeric, 3) AS m_expected_next_year
FROM sim, fitted;

-- parallel: partial fits combined give the serial answer
CREATE TABLE bgnbd_par AS SELECT * FROM sim, generate_series(1, 5) g;
ANALYZE bgnbd_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT crm.fit_bgnbd(x, tx, t) FROM bgnbd_par;
CREATE TEMP TABLE par_fit AS SELECT crm.fit_bgnbd(x, tx, t) AS m, crm.fit_mbgnbd(x, tx, t) AS mm FROM bgnbd_par;
-- predictions run in the workers too
EXPLAIN (COSTS OFF) SELECT sum(crm.dert(crm.bgnbd(0.25, 4, 0.8, 2.5), 0.01, x, tx, t)) FROM bgnbd_par;
CREATE TEMP TABLE par_pred AS
SELECT sum(crm.dert(crm.bgnbd(0.25, 4, 0.8, 2.5), 0.01, x, tx, t)) AS s,
       sum(crm.conditional_expected_purchases(crm.mbgnbd(0.5, 5, 1, 2.6), 52, x, tx, t)) AS c
FROM bgnbd_par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT abs((p.m).loglik / (s.m).loglik - 1) < 1e-12 AND abs((p.m).r / (s.m).r - 1) < 1e-8
       AND (p.m).n_customers = 10000 AS parallel_equals_serial,
       abs((p.mm).loglik / (s.mm).loglik - 1) < 1e-12 AND (p.mm).n_customers = 10000 AS m_parallel_equals_serial
FROM par_fit p, (SELECT crm.fit_bgnbd(x, tx, t) AS m, crm.fit_mbgnbd(x, tx, t) AS mm FROM bgnbd_par) s;
SELECT abs(s / (SELECT sum(crm.dert(crm.bgnbd(0.25, 4, 0.8, 2.5), 0.01, x, tx, t)) FROM bgnbd_par) - 1) < 1e-12
       AS parallel_dert_equals_serial,
       abs(c / (SELECT sum(crm.conditional_expected_purchases(crm.mbgnbd(0.5, 5, 1, 2.6), 52, x, tx, t))
                FROM bgnbd_par) - 1) < 1e-12 AS parallel_cond_exp_equals_serial
FROM par_pred;
DROP TABLE bgnbd_par;

-- errors
\set VERBOSITY sqlstate
SELECT crm.bgnbd(-1, 1, 1, 1);
SELECT crm.bgnbd(1, 0, 1, 1);
SELECT crm.mbgnbd(1, 1, 'NaN', 1);
SELECT crm.mbgnbd(1, 1, 1, 'Infinity');
SELECT crm.p_alive(ROW(NULL, 1, 1, 1, NULL, NULL, NULL, NULL)::crm.bgnbd, 1, 1, 2);
SELECT crm.p_alive(ROW(1, -1, 1, 1, NULL, NULL, NULL, NULL)::crm.mbgnbd, 1, 1, 2);
SELECT crm.p_alive(lt, 1.5, 1, 2) FROM pin;
SELECT crm.p_alive(lt, 1, 3, 2) FROM pin;
SELECT crm.p_alive(mlt, 0, 1, 2) FROM pin;
SELECT crm.p_alive(lt, -1, 0, 2) FROM pin;
SELECT crm.p_alive(lt, 'NaN', 0, 2) FROM pin;
SELECT crm.p_alive(mlt, 1, 1, 'Infinity') FROM pin;
SELECT crm.p_alive(lt, 1e300, 1, 2) FROM pin;
SELECT crm.p_alive_future(lt, 1, 1, 2, -1) FROM pin;
SELECT crm.p_alive_future(mlt, 1, 1, 1e308, 1e308) FROM pin;
SELECT crm.expected_purchases(lt, -1) FROM pin;
SELECT crm.expected_purchases(mlt, 'Infinity') FROM pin;
SELECT crm.conditional_expected_purchases(lt, 'NaN', 1, 1, 2) FROM pin;
SELECT crm.conditional_expected_purchases(mlt, 10, 1, 3, 2) FROM pin;
SELECT crm.prob_purchases(lt, -1, 39) FROM pin;
SELECT crm.prob_purchases(mlt, 1, -39) FROM pin;
SELECT crm.dert(lt, 0, 1, 1, 2) FROM pin;
SELECT crm.dert(mlt, -0.01, 1, 1, 2) FROM pin;
SELECT crm.dert(lt, 'NaN', 1, 1, 2) FROM pin;
SELECT crm.dert(lt, 0.01, 2.5, 1, 2) FROM pin;
SELECT crm.fit_bgnbd(1.5, 1, 2);
SELECT crm.fit_bgnbd(1, 3, 2);
SELECT crm.fit_mbgnbd(0, 1, 2);
SELECT crm.fit_bgnbd(-1, 0, 2);
SELECT crm.fit_mbgnbd(1, 1, 'NaN');
SELECT crm.fit_bgnbd(1, 1, 2, 0);
SELECT crm.fit_bgnbd(1, 1, 2, 1, -1);
SELECT crm.fit_bgnbd(1, 1, 2, 1, 0, ARRAY[1, 1, 1]);
SELECT crm.fit_bgnbd(0, 0, t) FROM generate_series(1, 5) t;
SELECT crm.fit_mbgnbd(0, 0, t) FROM generate_series(1, 5) t;
\set VERBOSITY default
-- the wording of a few of them
SELECT crm.p_alive(lt, 1, 3, 2) FROM pin;
SELECT crm.dert(lt, 0, 1, 1, 2) FROM pin;
SELECT crm.prob_purchases(mlt, -2, 39) FROM pin;
SELECT crm.p_alive(lt, 1e300, 1, 2) FROM pin;
SELECT crm.fit_bgnbd(1, 3, 2);
SELECT crm.fit_mbgnbd(1e300, 1, 2);
SELECT crm.fit_bgnbd(0, 0, t) FROM generate_series(1, 5) t;
