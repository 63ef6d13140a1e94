-- sBG (shifted Beta-Geometric) model: constructor, predictions, fits on the
-- published cohorts of Fader & Hardie (2007).  Reference values from
-- ../shared/reference/hp/sbg_cohorts.json (60-digit truths).
SET extra_float_digits = 0;

-- constructor and the composite
SELECT crm.sbg(0.704, 1.182);
SELECT (crm.sbg(0.704, 1.182)).alpha, (crm.sbg(0.704, 1.182)).beta,
       (crm.sbg(0.704, 1.182)).loglik IS NULL AS unfitted;
SELECT '(0.668,3.806,,,,)'::crm.sbg = crm.sbg(0.668, 3.806) AS text_form_equal;
SELECT crm.sbg(NULL, 1) IS NULL AS strict;

-- the two cohorts: one row per (periods, churned) with a customer count
CREATE TEMP TABLE cohort (segment text, periods int, churned boolean, customers int);
INSERT INTO cohort
SELECT 'regular', t, true, n
FROM unnest(ARRAY[369, 163, 86, 56, 37, 27, 21]) WITH ORDINALITY AS u(n, t)
UNION ALL SELECT 'regular', 7, false, 241
UNION ALL
SELECT 'high end', t, true, n
FROM unnest(ARRAY[131, 126, 90, 60, 42, 34, 26]) WITH ORDINALITY AS u(n, t)
UNION ALL SELECT 'high end', 7, false, 491;

-- weighted fit: published values at their printed digits, and the hp MLE
CREATE TEMP TABLE fitted AS
SELECT segment, crm.fit_sbg(periods, churned, customers) AS m
FROM cohort GROUP BY segment;
SELECT segment, round((m).alpha::numeric, 3) AS alpha, round((m).beta::numeric, 3) AS beta,
       round((m).loglik::numeric, 1) AS loglik, (m).n_customers, (m).converged
FROM fitted ORDER BY segment;
SELECT segment,
       abs((m).alpha / CASE segment WHEN 'regular' THEN 0.7040772984735162 ELSE 0.6680883511064463 END - 1) < 1e-9 AS alpha_mle,
       abs((m).beta / CASE segment WHEN 'regular' THEN 1.1820430262094757 ELSE 3.806094964058267 END - 1) < 1e-9 AS beta_mle,
       abs((m).loglik / CASE segment WHEN 'regular' THEN -1680.265188463287 ELSE -1611.1581473911565 END - 1) < 1e-12 AS loglik_mle
FROM fitted ORDER BY segment;

-- one row per customer gives the same fit as the weighted rows
SELECT abs((crm.fit_sbg(periods, churned)).alpha / 0.7040772984735162 - 1) < 1e-9 AS per_customer_fit
FROM cohort, generate_series(1, customers)
WHERE segment = 'regular';

-- predictions at the Regular MLE: retention r_t, survival S(t), projected % alive
SELECT t, round(crm.retention_rate(m, t)::numeric, 12) AS retention,
       round(crm.survival(m, t)::numeric, 12) AS survival,
       round(crm.churn_probability(m, t)::numeric, 12) AS churn_next
FROM (SELECT crm.sbg(0.7040772984735162, 1.1820430262094757) AS m) s,
     generate_series(1, 12) t ORDER BY t;
SELECT crm.survival(crm.sbg(0.7, 1.2), 0) AS s0,
       abs(crm.churn_probability(crm.sbg(0.7, 1.2), 0) - (1 - crm.retention_rate(crm.sbg(0.7, 1.2), 1))) < 1e-15 AS churn_is_1_minus_r1;

-- DEL and DERL at d = 0.1 (hp: Regular 3.694908427512111, High end 5.922253495783275)
SELECT abs(crm.del(crm.sbg(0.7040772984735162, 1.1820430262094757), 0.1) / 3.694908427512111 - 1) < 1e-14 AS del_regular,
       abs(crm.del(crm.sbg(0.6680883511064463, 3.806094964058267), 0.1) / 5.922253495783275 - 1) < 1e-14 AS del_high_end;
SELECT k, round(crm.derl(crm.sbg(0.6680883511064463, 3.806094964058267), 0.1, k)::numeric, 10) AS derl_high_end
FROM generate_series(0, 8) k ORDER BY k;
-- published parameters: jdmaturen's high-end DERL for n = 7 renewals is 7.530
SELECT round(crm.derl(crm.sbg(0.668, 3.806), 0.1, 7)::numeric, 3) AS derl_published;

-- predictions over a fitted model straight from the aggregate
SELECT round(crm.survival(m, 12)::numeric, 6) AS s12_regular FROM fitted WHERE segment = 'regular';

-- errors
\set VERBOSITY sqlstate
SELECT crm.sbg(-1, 1);
SELECT crm.sbg(0, 1);
SELECT crm.sbg('NaN', 1);
SELECT crm.sbg(1, 'Infinity');
SELECT crm.survival(ROW(NULL, 1, NULL, NULL, NULL, NULL)::crm.sbg, 1);
SELECT crm.survival(ROW(-0.5, 1, NULL, NULL, NULL, NULL)::crm.sbg, 1);
SELECT crm.survival(crm.sbg(1, 1), -1);
SELECT crm.retention_rate(crm.sbg(1, 1), 0);
SELECT crm.churn_probability(crm.sbg(1, 1), -1);
SELECT crm.del(crm.sbg(1, 1), 0);
SELECT crm.del(crm.sbg(1, 1), -0.1);
SELECT crm.del(crm.sbg(1, 1), 'NaN');
SELECT crm.del(crm.sbg(1, 1), 1e-12);
SELECT crm.derl(crm.sbg(1, 1), 0.1, -1);
SELECT crm.fit_sbg(0, true);
SELECT crm.fit_sbg(-3, false);
SELECT crm.fit_sbg(p, false) FROM generate_series(1, 5) p;
\set VERBOSITY default
