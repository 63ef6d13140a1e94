-- doc/tour.sql: the README's tour, run on a fresh database by doc/tour.sh.
\pset footer off
\set VERBOSITY terse
SET client_min_messages = warning;
-- Install, and make 20 000 demo customers with a year and a half of history
CREATE EXTENSION crm_ext;
SELECT * FROM crm.generate_demo_data(20000, 42);

-- What the log looks like
SELECT customer_id, occurred_at, kind, channel, amount
FROM crm.interactions WHERE customer_id = 3 ORDER BY occurred_at LIMIT 5;

-- The RFM summary (lifetimes' definition: frequency = repeat purchase days,
-- recency and T in weeks), as an aggregate over any interaction log ...
SELECT customer_id, (s).frequency, round((s).recency::numeric, 2) AS recency,
       round((s).t::numeric, 2) AS t, round((s).monetary::numeric, 2) AS monetary
FROM (SELECT customer_id,
             crm.rfm_summary(occurred_at, amount, '2024-12-31', '1 day', '7 days') AS s
      FROM crm.interactions WHERE kind IN ('purchase', 'refund')
      GROUP BY customer_id) q
ORDER BY customer_id LIMIT 5;

-- ... and ready-made, with quintile scores and named segments
SELECT customer_id, frequency, round(recency::numeric, 1) AS recency, round(t::numeric, 1) AS t,
       revenue, r_score AS r, f_score AS f, m_score AS m, rfm_cell, segment
FROM crm.customer_rfm ORDER BY customer_id LIMIT 5;

-- Fit the purchase and spend models by maximum likelihood, in the database
CREATE TABLE summary AS SELECT * FROM crm.customer_summary WHERE NOT is_prospect;
SELECT crm.fit_bgnbd(frequency, recency, t) FROM summary;
SELECT (m).* FROM (SELECT crm.fit_pareto_nbd(frequency, recency, t) AS m FROM summary) f;
SELECT (m).* FROM (SELECT crm.fit_gamma_gamma(frequency, monetary) AS m FROM summary) f;

-- Predict per customer: P(alive), purchases in the next 52 weeks, expected spend
WITH m AS (SELECT crm.fit_bgnbd(frequency, recency, t) AS bg,
                  crm.fit_gamma_gamma(frequency, monetary) AS gg FROM summary)
SELECT customer_id, frequency, round(recency::numeric, 1) AS recency, round(t::numeric, 1) AS t,
       round(crm.p_alive(bg, frequency, recency, t)::numeric, 4) AS p_alive,
       round(crm.conditional_expected_purchases(bg, 52, frequency, recency, t)::numeric, 3) AS purchases_52w,
       round(crm.expected_spend(gg, frequency, monetary)::numeric, 2) AS spend_per_purchase
FROM summary, m ORDER BY customer_id LIMIT 5;

-- A contractual model from the published example (Fader & Hardie 2007):
-- the "regular" cohort: of 1000 customers, 369 left after one year, 163 after two, ...
SELECT round((m).alpha::numeric, 3) AS alpha, round((m).beta::numeric, 3) AS beta,
       round(crm.survival(m, 12)::numeric, 4) AS survival_12, round(crm.retention_rate(m, 12)::numeric, 4) AS retention_12
FROM (SELECT crm.fit_sbg(p, churned, n::float8) AS m
      FROM (VALUES (1, true, 369), (2, true, 163), (3, true, 86), (4, true, 56),
                   (5, true, 37), (6, true, 27), (7, true, 21), (7, false, 241)) v(p, churned, n)) f;

-- Customer lifetime value with explicit units: the model's time unit is a week,
-- a 3-year horizon (months count 365.2425/12 days), 10 % a year, 30 % margin
WITH m AS (SELECT crm.fit_bgnbd(frequency, recency, t) AS bg,
                  crm.fit_gamma_gamma(frequency, monetary) AS gg FROM summary)
SELECT customer_id,
       round(crm.clv(bg, gg, frequency, recency, t, monetary, time_unit => '7 days',
                     horizon => '3 years', annual_discount_rate => 0.10, margin => 0.3)::numeric, 2) AS clv_3y,
       round(crm.clv(bg, gg, frequency, recency, t, monetary, time_unit => '7 days',
                     margin => 0.3)::numeric, 2) AS clv_forever,
       round(crm.clv_discrete(bg, gg, frequency, recency, t, monetary)::numeric, 2) AS lifetimes_12_months
FROM summary, m ORDER BY customer_id LIMIT 5;

-- One call refreshes everything: summaries, fits, model store, materialised values
CALL crm.refresh();
SELECT model_id, kind, n_customers, round(loglik::numeric, 1) AS loglik, converged, is_active
FROM crm.models ORDER BY model_id;

-- The BI view: one row per customer
SELECT customer_id AS id, segment, round(p_alive::numeric, 3) AS p_alive, churn_band AS risk,
       round(expected_purchases::numeric, 2) AS exp_purchases, round(clv::numeric, 2) AS clv,
       round(net_clv::numeric, 2) AS net_clv, round(referral_value::numeric, 2) AS referral,
       value_tier AS tier, lifecycle_stage AS stage
FROM crm.customer_value WHERE customer_id IN (3, 7, 8, 14, 2, 6) ORDER BY customer_id;

-- Customer equity by lifecycle stage
SELECT grp AS stage, customers, round(revenue) AS revenue, round(equity::numeric) AS equity,
       round(avg_clv::numeric, 2) AS avg_clv, round(avg_churn_risk::numeric, 3) AS avg_churn_risk
FROM crm.segment_summary WHERE dimension = 'lifecycle_stage' ORDER BY grp;

-- Does the model fit?  Calibrate to mid-2024, compare with the second half
SELECT model, holdout_actual, round(holdout_predicted::numeric, 1) AS holdout_predicted,
       round(holdout_error_pct::numeric, 1) AS error_pct, round(mae::numeric, 3) AS mae,
       round(correlation::numeric, 3) AS corr, round(chi_square::numeric, 1) AS chi2
FROM crm.validate('2024-06-30', '2024-12-31');

-- ... and as pictures: SVG text that BI tools embed and psql writes to files
-- (\pset tuples_only on, \pset format unaligned, \o tracking.svg)
SELECT model, length(crm.plot_tracking(v)) AS tracking_svg_bytes,
       left(crm.plot_calibration_holdout(v), 40) AS calibration_holdout_svg
FROM crm.validate('2024-06-30', '2024-12-31') v ORDER BY model;
