-- BG/BB model: constructor, fit on the donations patterns of Fader, Hardie &
-- Shang (2010) (the 1995 cohort of 11,104 donors, 6 yearly opportunities,
-- as published in the paper), predictions, long histories and errors.
-- Reference values: ../shared/reference (the conformance checks compare
-- them at full precision; here they are rounded).
SET extra_float_digits = 0;

-- constructor and the composite
SELECT crm.bgbb(1.204, 0.750, 0.657, 2.783);
SELECT (crm.bgbb(1.204, 0.75, 0.657, 2.783)).gamma, (crm.bgbb(1.204, 0.75, 0.657, 2.783)).loglik IS NULL AS unfitted;
SELECT '(1.204,0.75,0.657,2.783,,,,)'::crm.bgbb = crm.bgbb(1.204, 0.75, 0.657, 2.783) AS text_form_equal;
SELECT crm.bgbb(1, NULL, 1, 1) IS NULL AS strict;

-- the 22 (frequency, recency) patterns with their donor counts
CREATE TEMP TABLE donations (frequency int, recency int, n_periods int, donors int);
INSERT INTO donations VALUES
  (0, 0, 6, 3464), (1, 1, 6, 1091), (1, 2, 6, 277), (1, 3, 6, 129), (1, 4, 6, 78), (1, 5, 6, 119),
  (1, 6, 6, 129), (2, 2, 6, 613), (2, 3, 6, 255), (2, 4, 6, 155), (2, 5, 6, 173), (2, 6, 6, 234),
  (3, 3, 6, 322), (3, 4, 6, 181), (3, 5, 6, 225), (3, 6, 6, 357), (4, 4, 6, 240), (4, 5, 6, 284),
  (4, 6, 6, 512), (5, 5, 6, 335), (5, 6, 6, 728), (6, 6, 6, 1203);

-- weighted fit: the published parameters at their printed digits, and the
-- independent MLE (1.203522160844229, 0.7497163088368421, 0.6567181645856434,
-- 2.783442227299302; LL -33225.58127434699)
CREATE TEMP TABLE fitted AS
SELECT crm.fit_bgbb(frequency, recency, n_periods, donors) AS m FROM donations;
SELECT round((m).alpha::numeric, 3) AS alpha, round((m).beta::numeric, 3) AS beta,
       round((m).gamma::numeric, 3) AS gamma, round((m).delta::numeric, 3) AS delta,
       round((m).loglik::numeric, 2) AS loglik, (m).n_customers, (m).converged
FROM fitted;
SELECT abs((m).alpha / 1.203522160844229 - 1) < 1e-4 AS alpha_mle,
       abs((m).beta / 0.7497163088368421 - 1) < 1e-4 AS beta_mle,
       abs((m).gamma / 0.6567181645856434 - 1) < 1e-4 AS gamma_mle,
       abs((m).delta / 2.783442227299302 - 1) < 1e-4 AS delta_mle,
       abs((m).loglik / -33225.58127434699 - 1) < 1e-12 AS loglik_mle
FROM fitted;

-- one row per donor gives the same fit as the weighted patterns
SELECT abs((crm.fit_bgbb(frequency, recency, n_periods)).alpha / (SELECT (m).alpha FROM fitted) - 1) < 1e-6
       AS per_customer_fit
FROM donations, generate_series(1, donors);

-- P(alive in 2002) of the paper's Table 6 (0.11, 0.59, 0.93), and P(alive in 2001)
SELECT frequency, recency,
       round(crm.p_alive_in_period(m, frequency, recency, 6, 1)::numeric, 2) AS p_alive_2002,
       round(crm.p_alive(m, frequency, recency, 6)::numeric, 6) AS p_alive_2001
FROM fitted, (VALUES (0, 0), (2, 4), (6, 6)) v(frequency, recency) ORDER BY 1, 2;

-- predictions at the lifetimes parameters (params_public.json), per pattern
CREATE TEMP TABLE lt AS SELECT crm.bgbb(1.203522393608002, 0.7497163581757513,
                                        0.6567181695499895, 2.783441982887859) AS m;
SELECT frequency, recency,
       round(crm.p_alive(m, frequency, recency, n_periods)::numeric, 10) AS p_alive_m0,
       round(crm.p_alive_in_period(m, frequency, recency, n_periods, 1)::numeric, 10) AS p_alive_m1,
       round(crm.conditional_expected_purchases(m, 5, frequency, recency, n_periods)::numeric, 10) AS next_5,
       round(crm.conditional_expected_purchases(m, 10, frequency, recency, n_periods)::numeric, 10) AS next_10
FROM donations, lt ORDER BY 1, 2;
-- Hardie's sheet: 12884.2 expected donations in 1996-2000 (params_public.json 12884.156963748705)
SELECT round(sum(donors * crm.conditional_expected_purchases(m, 5, frequency, recency, n_periods))::numeric, 6)
       AS next_5_total
FROM donations, lt;
-- a new donor: distribution of the number of repeat years in the first 6 (x 11104)
SELECT x, round((11104 * crm.prob_purchases(m, x, 6))::numeric, 6) AS expected_donors
FROM lt, generate_series(0, 6) x ORDER BY x;
SELECT round(sum(crm.prob_purchases(m, x, 6))::numeric, 12) AS total_probability,
       round(sum(x * crm.prob_purchases(m, x, 6))::numeric, 12)
       = (SELECT round(crm.expected_purchases(m, 6)::numeric, 12) FROM lt) AS mean_is_expected_purchases
FROM lt, generate_series(0, 6) x;
SELECT n, round(crm.expected_purchases(m, n)::numeric, 10) AS expected_purchases
FROM lt, (VALUES (0), (1), (6), (11), (5000)) v(n) ORDER BY n;
SELECT crm.prob_purchases(m, 7, 6) AS more_than_possible FROM lt;

-- DERT at d = 0.1 and the independent MLE (hp/bgbb_dert_donations.csv)
SELECT frequency, recency, round(crm.dert(m, 0.1, frequency, recency, 6)::numeric, 6) AS dert
FROM fitted, (VALUES (0, 0), (1, 1), (2, 4), (3, 6), (6, 6)) v(frequency, recency) ORDER BY 1, 2;
SELECT abs(crm.dert(crm.bgbb(1.203522160844229, 0.7497163088368421, 0.6567181645856434,
                             2.783442227299302), 0.1, 6, 6, 6) / 5.909894416219967 - 1) < 1e-13 AS dert_hp;

-- long histories: lifetimes' 1e-15 fudge gives P(alive) 0.016 for (25, 50, 50), where the
-- truth is 0.988, and 0 for the others (truths from stress_extreme_customers.csv)
SELECT round(crm.p_alive_in_period(m, 25, 50, 50, 1)::numeric, 6) AS p_alive_25_50_50,
       round(crm.p_alive_in_period(m, 1500, 3000, 3000, 10)::numeric, 6) AS p_alive_1500_3000_3000,
       abs(crm.p_alive_in_period(m, 1500, 2250, 3000, 1) / 1.1451161125967349e-278 - 1) < 1e-10
       AS tiny_1500_2250_3000
FROM lt;
-- not seen for m more periods: P(alive) falls
SELECT m_, round(crm.p_alive_future(m, 3, 6, 6, m_)::numeric, 6) AS p_alive_if_silent
FROM lt, generate_series(0, 4) m_ ORDER BY m_;
SELECT crm.p_alive_future(m, 2, 4, 6, 3) = crm.p_alive(m, 2, 4, 9) AS future_is_longer_silence FROM lt;

-- errors
\set VERBOSITY sqlstate
SELECT crm.bgbb(0, 1, 1, 1);
SELECT crm.bgbb(1, -1, 1, 1);
SELECT crm.bgbb(1, 1, 'NaN', 1);
SELECT crm.bgbb(1, 1, 1, 'Infinity');
SELECT crm.p_alive(ROW(1, 1, 1, NULL, NULL, NULL, NULL, NULL)::crm.bgbb, 1, 1, 6);
SELECT crm.p_alive(m, 3, 2, 6) FROM lt;
SELECT crm.p_alive(m, 0, 2, 6) FROM lt;
SELECT crm.p_alive(m, 2, 0, 6) FROM lt;
SELECT crm.p_alive(m, 2, 7, 6) FROM lt;
SELECT crm.p_alive(m, -1, 0, 6) FROM lt;
SELECT crm.p_alive(m, 0, 0, 0) FROM lt;
SELECT crm.p_alive(m, 0, 0, 2000000) FROM lt;
SELECT crm.p_alive_in_period(m, 1, 1, 6, -1) FROM lt;
SELECT crm.p_alive_future(m, 1, 1, 6, 999999) FROM lt;
SELECT crm.conditional_expected_purchases(m, -5, 1, 1, 6) FROM lt;
SELECT crm.expected_purchases(m, -1) FROM lt;
SELECT crm.prob_purchases(m, -1, 6) FROM lt;
SELECT crm.prob_purchases(m, 1, 2000000) FROM lt;
SELECT crm.dert(m, 0, 1, 1, 6) FROM lt;
SELECT crm.dert(m, 'NaN', 1, 1, 6) FROM lt;
SELECT crm.fit_bgbb(3, 2, 6);
SELECT crm.fit_bgbb(1, 1, 6, 0);
SELECT crm.fit_bgbb(0, 0, n) FROM generate_series(1, 5) n;
SELECT crm.fit_bgbb(n, n, n) FROM generate_series(1, 5) n;
SELECT crm.fit_bgbb(1, 6, 6, w) FROM generate_series(1, 5) w;
\set VERBOSITY default
SELECT crm.p_alive(m, 3, 2, 6) FROM lt;
SELECT crm.fit_bgbb(0, 0, n) FROM generate_series(1, 5) n;
