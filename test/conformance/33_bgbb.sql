-- Conformance: BG/BB (Fader, Hardie & Shang 2010) against ref.donations,
-- ref.donations_bgbb (lifetimes), ref.hp_bgbb_dert_donations (60-digit
-- truths), ref.stress_extreme_customers and params_public.json.  Each check
-- prints "ok - name" or "not ok - name: detail".
SET extra_float_digits = 3;
CREATE TEMP TABLE bgbb_par AS
SELECT doc -> 'donations_bgbb' AS d FROM ref.json WHERE name = 'reference/params_public.json';
CREATE TEMP TABLE bgbb_models AS
SELECT crm.bgbb((d #>> '{lifetimes,params,alpha}')::float8, (d #>> '{lifetimes,params,beta}')::float8,
                (d #>> '{lifetimes,params,gamma}')::float8, (d #>> '{lifetimes,params,delta}')::float8) AS lt,
       crm.bgbb((d #>> '{independent_mle,params,alpha}')::float8, (d #>> '{independent_mle,params,beta}')::float8,
                (d #>> '{independent_mle,params,gamma}')::float8, (d #>> '{independent_mle,params,delta}')::float8) AS mle
FROM bgbb_par;

-- the weighted fit on the 22 donation patterns
CREATE TEMP TABLE bgbb_fit AS
SELECT crm.fit_bgbb(frequency::int, recency::int, periods::int, weights::float8) AS m FROM ref.donations;
CREATE TEMP TABLE bgbb_fit_err AS
SELECT greatest(abs((m).alpha / (d #>> '{independent_mle,params,alpha}')::float8 - 1),
                abs((m).beta / (d #>> '{independent_mle,params,beta}')::float8 - 1),
                abs((m).gamma / (d #>> '{independent_mle,params,gamma}')::float8 - 1),
                abs((m).delta / (d #>> '{independent_mle,params,delta}')::float8 - 1)) AS par_err,
       abs((m).loglik / (d #>> '{independent_mle,loglik_total}')::float8 - 1) AS ll_err, m, d
FROM bgbb_fit, bgbb_par;
SELECT CASE WHEN par_err < 1e-4 AND (m).converged AND (m).n_customers = 11104
            THEN format('ok - bgbb donations: fit within 1e-4 of the independent MLE (max rel err %s)',
                        to_char(par_err, '9.9EEEE'))
            ELSE format('not ok - bgbb donations: fit %s, max rel err %s', m, par_err) END
FROM bgbb_fit_err;
SELECT CASE WHEN ll_err < 1e-10
            THEN format('ok - bgbb donations: log-likelihood at the fit (rel err %s)', to_char(ll_err, '9.9EEEE'))
            ELSE format('not ok - bgbb donations: loglik %s, rel err %s', (m).loglik, ll_err) END
FROM bgbb_fit_err;
SELECT CASE WHEN round((m).alpha::numeric, 3) = (d #>> '{published,params,alpha}')::numeric
                 AND round((m).beta::numeric, 3) = (d #>> '{published,params,beta}')::numeric
                 AND round((m).gamma::numeric, 3) = (d #>> '{published,params,gamma}')::numeric
                 AND round((m).delta::numeric, 3) = (d #>> '{published,params,delta}')::numeric
            THEN 'ok - bgbb donations: published parameters 1.204, 0.750, 0.657, 2.783'
            ELSE format('not ok - bgbb donations: published parameters, got %s', m) END
FROM bgbb_fit_err;
SELECT CASE WHEN array_agg(round(crm.p_alive_in_period(m, f, r, 6, 1)::numeric, 2) ORDER BY f)
                 = ARRAY[0.11, 0.59, 0.93]
            THEN 'ok - bgbb donations: P(alive in 2002) 0.11, 0.59, 0.93 (paper Table 6)'
            ELSE format('not ok - bgbb donations: P(alive in 2002) %s',
                        array_agg(crm.p_alive_in_period(m, f, r, 6, 1) ORDER BY f)) END
FROM bgbb_fit, (VALUES (0, 0), (2, 4), (6, 6)) v(f, r);

-- lifetimes' per-pattern predictions (its 1e-15 fudge costs ~1e-13 here)
CREATE TEMP TABLE bgbb_lt AS
SELECT 'p_alive_m0' AS what, crm.p_alive(lt, frequency::int, recency::int, periods::int) AS got,
       p_alive_m0::float8 AS want
FROM ref.donations_bgbb, bgbb_models
UNION ALL
SELECT 'p_alive_m1', crm.p_alive_in_period(lt, frequency::int, recency::int, periods::int, 1), p_alive_m1::float8
FROM ref.donations_bgbb, bgbb_models
UNION ALL
SELECT 'cond_exp_next_5', crm.conditional_expected_purchases(lt, 5, frequency::int, recency::int, periods::int),
       cond_exp_next_5::float8
FROM ref.donations_bgbb, bgbb_models
UNION ALL
SELECT 'cond_exp_next_10', crm.conditional_expected_purchases(lt, 10, frequency::int, recency::int, periods::int),
       cond_exp_next_10::float8
FROM ref.donations_bgbb, bgbb_models;
SELECT CASE WHEN count(*) = 22 AND max(abs(got / want - 1)) < 1e-9
            THEN format('ok - bgbb donations_bgbb.csv %s: 22 patterns (max rel err %s)', what,
                        to_char(max(abs(got / want - 1)), '9.9EEEE'))
            ELSE format('not ok - bgbb donations_bgbb.csv %s: max rel err %s over %s rows', what,
                        max(abs(got / want - 1)), count(*)) END
FROM bgbb_lt GROUP BY what ORDER BY what;
SELECT CASE WHEN abs(total / (d #>> '{checks,sum_weighted_cond_exp_next_5 (Hardie sheet 12884.2)}')::float8 - 1) < 1e-12
            THEN format('ok - bgbb donations: weighted expected donations 1996-2000 = %s (Hardie''s sheet 12884.2)',
                        round(total::numeric, 3))
            ELSE format('not ok - bgbb donations: weighted next-5 total %s', total) END
FROM (SELECT sum(weights::float8 * crm.conditional_expected_purchases(lt, 5, frequency::int, recency::int,
                                                                      periods::int)) AS total
      FROM ref.donations_bgbb, bgbb_models) s, bgbb_par;
SELECT CASE WHEN count(*) = 7 AND max(abs(got / want - 1)) < 1e-12
            THEN format('ok - bgbb donations: expected_in_first_6_periods = 11104 P(X(6) = x), x = 0..6 (max rel err %s)',
                        to_char(max(abs(got / want - 1)), '9.9EEEE'))
            ELSE format('not ok - bgbb donations: expected_in_first_6_periods max rel err %s over %s values',
                        max(abs(got / want - 1)), count(*)) END
FROM (SELECT 11104 * crm.prob_purchases(lt, e.x::int, 6) AS got, e.value::float8 AS want
      FROM bgbb_par, bgbb_models, jsonb_each_text(d -> 'expected_in_first_6_periods') AS e(x, value)) s;

-- 60-digit truths at the independent MLE: P(alive in n+1) and DERT at d = 0.1
CREATE TEMP TABLE bgbb_hp AS
SELECT 'p_alive_next_period' AS what, crm.p_alive_in_period(mle, x::int, t_x::int, n::int, 1) AS got,
       p_alive_next_period::float8 AS want
FROM ref.hp_bgbb_dert_donations, bgbb_models
UNION ALL
SELECT 'dert_d0.10', crm.dert(mle, 0.1, x::int, t_x::int, n::int), "dert_d0.10"::float8
FROM ref.hp_bgbb_dert_donations, bgbb_models;
SELECT CASE WHEN count(*) = 22 AND max(abs(got / want - 1)) < 1e-13
            THEN format('ok - bgbb hp/bgbb_dert_donations.csv %s: 22 patterns (max rel err %s)', what,
                        to_char(max(abs(got / want - 1)), '9.9EEEE'))
            ELSE format('not ok - bgbb hp/bgbb_dert_donations.csv %s: max rel err %s over %s rows', what,
                        max(abs(got / want - 1)), count(*)) END
FROM bgbb_hp GROUP BY what ORDER BY what;

-- extreme customers (n up to 3000), against the high-precision truth
CREATE TEMP TABLE bgbb_stress AS
SELECT frequency, recency, "T_or_n_periods" AS n, t_or_m_periods AS m,
       crm.p_alive_in_period(lt, frequency::int, recency::int, "T_or_n_periods"::int, t_or_m_periods::int) AS pa,
       p_alive_truth::float8 AS pa_want, p_alive_lifetimes::float8 AS pa_lifetimes,
       crm.conditional_expected_purchases(lt, t_or_m_periods::int, frequency::int, recency::int,
                                          "T_or_n_periods"::int) AS ce,
       cond_exp_truth::float8 AS ce_want
FROM ref.stress_extreme_customers, bgbb_models
WHERE model = 'bgbb';
SELECT CASE WHEN count(*) = 32 AND max(abs(pa / pa_want - 1)) < 1e-8 AND max(abs(ce / ce_want - 1)) < 1e-8
            THEN format('ok - bgbb stress_extreme_customers.csv: 32 rows, P(alive) and E[X(n, n+m)] (max rel err %s, %s)',
                        to_char(max(abs(pa / pa_want - 1)), '9.9EEEE'), to_char(max(abs(ce / ce_want - 1)), '9.9EEEE'))
            ELSE format('not ok - bgbb stress_extreme_customers.csv: max rel err %s, %s over %s rows',
                        max(abs(pa / pa_want - 1)), max(abs(ce / ce_want - 1)), count(*)) END
FROM bgbb_stress;
SELECT CASE WHEN abs(pa - 0.98771114892476553) < 1e-12 AND pa_lifetimes < 0.02
            THEN 'ok - bgbb (25, 50, 50): P(alive in n+1) = 0.98771 (lifetimes says 0.0159)'
            ELSE format('not ok - bgbb (25, 50, 50): P(alive in n+1) = %s', pa) END
FROM bgbb_stress WHERE frequency = '25' AND recency = '50' AND n = '50' AND m = '1';
