-- crm.customer_value, crm.segment_summary, crm.customer_value_mat: content on
-- simulated data, settings, privileges and row-level security.
SET extra_float_digits = 0;
TRUNCATE crm.models, crm.interactions, crm.customers RESTART IDENTITY;
SELECT * FROM crm.generate_demo_data(300, 5);

-- without models: RFM columns and stages only
SELECT count(*) AS customers, count(clv) AS with_clv, count(p_alive) AS with_p_alive,
	   count(*) FILTER (WHERE lifecycle_stage = 'prospect') AS prospects
FROM crm.customer_value;

SET client_min_messages = warning;
CALL crm.refresh();
RESET client_min_messages;

-- a few customers
SELECT customer_id AS id, frequency AS f, round(recency::numeric, 2) AS rec, round(t::numeric, 2) AS t,
	   segment, round(p_alive::numeric, 4) AS p_alive, churn_band AS band,
	   round(expected_purchases::numeric, 4) AS exp_90d, round(expected_spend::numeric, 2) AS spend,
	   round(clv::numeric, 2) AS clv, round(net_clv::numeric, 2) AS net, referred_customers AS refs,
	   round(referral_value::numeric, 2) AS referral, value_tier AS tier, lifecycle_stage AS stage
FROM crm.customer_value
ORDER BY customer_id LIMIT 12;

-- consistency with the functions and the stored models
SELECT count(*) FILTER (WHERE abs(v.clv - crm.clv(m.bgnbd, g.gamma_gamma, v.frequency, v.recency, v.t,
												   v.monetary, '7 days', NULL, 0.10, 1)) > 1e-9 * v.clv) AS clv_differ,
	   count(*) FILTER (WHERE abs(v.p_alive - crm.p_alive(m.bgnbd, v.frequency, v.recency, v.t)) > 1e-12) AS p_alive_differ,
	   count(*) FILTER (WHERE abs(v.expected_purchases
							  - crm.conditional_expected_purchases(m.bgnbd, 90 / 7.0, v.frequency, v.recency, v.t)) > 1e-12)
		   AS expected_differ,
	   count(*) FILTER (WHERE abs(v.churn_risk - (1 - v.p_alive)) > 0) AS risk_differ
FROM crm.customer_value v, crm.models m, crm.models g
WHERE m.kind = 'bgnbd' AND m.is_active AND g.kind = 'gamma_gamma' AND g.is_active AND NOT v.is_prospect;
-- referral value = factor x CLV of the referred customers; net CLV; tiers hold 80/15/5 of the equity
SELECT count(*) FILTER (WHERE abs(v.referral_value - 0.5 * coalesce(r.s, 0)) > 1e-9) AS referral_differ,
	   count(*) FILTER (WHERE abs(v.net_clv - (v.clv - coalesce(v.acquisition_cost, 0))) > 1e-9) AS net_differ
FROM crm.customer_value v
LEFT JOIN (SELECT c.referred_by, sum(w.clv) AS s FROM crm.customer_value w JOIN crm.customers c USING (customer_id)
		   GROUP BY c.referred_by) r ON r.referred_by = v.customer_id
WHERE v.clv IS NOT NULL;
SELECT value_tier, count(*) AS customers, round((sum(clv) / sum(sum(clv)) OVER ())::numeric, 3) AS share,
	   round(min(clv)::numeric, 2) AS min_clv, round(max(clv)::numeric, 2) AS max_clv
FROM crm.customer_value GROUP BY value_tier ORDER BY value_tier;
SELECT lifecycle_stage, count(*) AS customers FROM crm.customer_value GROUP BY 1 ORDER BY 1;
SELECT churn_band, count(*) AS customers FROM crm.customer_value GROUP BY 1 ORDER BY 1;
-- churn band rule: the band of churn_risk, raised by the stage (churned => high,
-- decline => at least medium); the BG/NBD gives one-time buyers P(alive) = 1
SELECT lifecycle_stage, churn_band, count(*) AS customers,
	   count(*) FILTER (WHERE churn_band <> crm.churn_band(churn_risk, 0.30, 0.60)) AS raised,
	   count(*) FILTER (WHERE frequency = 0 AND p_alive = 1) AS one_time_p_alive_1
FROM crm.customer_value GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) FILTER (WHERE lifecycle_stage = 'churned' AND churn_band <> 'high') AS churned_not_high,
	   count(*) FILTER (WHERE lifecycle_stage = 'decline' AND churn_band = 'low') AS decline_low,
	   count(*) FILTER (WHERE lifecycle_stage NOT IN ('churned', 'decline')
						AND churn_band IS DISTINCT FROM crm.churn_band(churn_risk, 0.30, 0.60)) AS other_differ,
	   count(*) FILTER (WHERE churn_band IS NULL) = count(*) FILTER (WHERE p_alive IS NULL) AS null_without_p_alive
FROM crm.customer_value;
-- decline => at least medium: with lifecycle.decline_p_alive = 0.9 the customers
-- with P(alive) in (0.7, 0.9) are in decline although their risk is low
BEGIN;
UPDATE crm.settings SET value = '0.9' WHERE name = 'lifecycle.decline_p_alive';
SELECT lifecycle_stage, crm.churn_band(churn_risk, 0.30, 0.60) AS band_of_risk, churn_band,
	   count(*) AS customers
FROM crm.customer_value WHERE lifecycle_stage = 'decline' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
ROLLBACK;

-- segment summary: the total row and the dimensions add up
SELECT dimension, count(*) AS groups, sum(customers) AS customers,
	   round(sum(equity)::numeric, 2) AS equity, round(sum(revenue), 2) AS revenue
FROM crm.segment_summary GROUP BY dimension ORDER BY dimension;
SELECT grp AS stage, customers, buyers, round(equity::numeric, 2) AS equity,
	   round(avg_churn_risk::numeric, 3) AS avg_risk, high_risk, churned
FROM crm.segment_summary WHERE dimension = 'lifecycle_stage' ORDER BY grp;
-- customer equity is an aggregate
SELECT round(crm.customer_equity(clv)::numeric, 2) = round((SELECT equity FROM crm.segment_summary
															WHERE dimension = 'total')::numeric, 2) AS equity_is_sum
FROM crm.customer_value;
SELECT crm.customer_equity(x) IS NULL AS empty FROM (VALUES (NULL::float8)) v(x);

-- settings change the views: finite horizon, margin from costs, other tier shares
BEGIN;
UPDATE crm.settings SET value = '1 year' WHERE name = 'value.horizon';
UPDATE crm.settings SET value = 'cost' WHERE name = 'value.margin';
UPDATE crm.interactions SET cost = round(amount * 0.4, 2) WHERE kind = 'purchase' AND customer_id % 2 = 0;
UPDATE crm.settings SET value = '0.5' WHERE name = 'value.tier_a_share';
SELECT count(*) FILTER (WHERE abs(v.clv - v.margin * crm.clv(m.bgnbd, g.gamma_gamma, v.frequency, v.recency,
															  v.t, v.monetary, '7 days', '1 year', 0.10, 1))
						> 1e-9 * abs(v.clv)) AS clv_differ,
	   count(*) FILTER (WHERE v.margin < 1) AS with_cost_margin,
	   count(*) FILTER (WHERE v.value_tier = 'A') AS tier_a
FROM crm.customer_value v, crm.models m, crm.models g
WHERE m.kind = 'bgnbd' AND m.is_active AND g.kind = 'gamma_gamma' AND g.is_active AND NOT v.is_prospect;
ROLLBACK;

-- the views are security_invoker and every column is commented
SELECT c.relname, c.relkind, c.reloptions
FROM pg_class c WHERE c.relnamespace = 'crm'::regnamespace
  AND c.relname IN ('customer_value', 'segment_summary', 'customer_value_mat') ORDER BY 1;
SELECT c.relname, a.attname
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relnamespace = 'crm'::regnamespace
  AND c.relname IN ('customer_value', 'segment_summary', 'customer_value_mat')
  AND col_description(c.oid, a.attnum) IS NULL;

-- a reader with SELECT only, and row-level security on the base tables
CREATE ROLE regress_crm_value_reader;
GRANT USAGE ON SCHEMA crm TO regress_crm_value_reader;
GRANT SELECT ON crm.customer_value, crm.segment_summary, crm.customer_rfm, crm.customers,
	crm.interactions, crm.models, crm.settings, crm.rfm_segments TO regress_crm_value_reader;
ALTER TABLE crm.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.interactions ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader_sees_some ON crm.customers FOR SELECT TO regress_crm_value_reader
	USING (customer_id % 10 = 0);
CREATE POLICY reader_sees_some ON crm.interactions FOR SELECT TO regress_crm_value_reader
	USING (customer_id % 10 = 0);
SET ROLE regress_crm_value_reader;
SELECT count(*) AS visible, count(*) FILTER (WHERE customer_id % 10 <> 0) AS others,
	   count(clv) AS with_clv
FROM crm.customer_value;
SELECT customers FROM crm.segment_summary WHERE dimension = 'total';
-- the materialised view is not granted; writing is not allowed
\set VERBOSITY terse
SELECT count(*) FROM crm.customer_value_mat;
SET client_min_messages = error;
CALL crm.refresh();
RESET client_min_messages;
INSERT INTO crm.models (kind, bgnbd) VALUES ('bgnbd', crm.bgnbd(1, 1, 1, 1));
\set VERBOSITY default
RESET ROLE;
-- a reader without SELECT on the base tables cannot read the view (security_invoker)
CREATE ROLE regress_crm_view_only;
GRANT USAGE ON SCHEMA crm TO regress_crm_view_only;
GRANT SELECT ON crm.customer_value TO regress_crm_view_only;
SET ROLE regress_crm_view_only;
\set VERBOSITY terse
SELECT count(*) FROM crm.customer_value;
\set VERBOSITY default
RESET ROLE;
DROP POLICY reader_sees_some ON crm.customers;
DROP POLICY reader_sees_some ON crm.interactions;
ALTER TABLE crm.customers DISABLE ROW LEVEL SECURITY;
ALTER TABLE crm.interactions DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON crm.customer_value, crm.segment_summary, crm.customer_rfm, crm.customers,
	crm.interactions, crm.models, crm.settings, crm.rfm_segments FROM regress_crm_value_reader;
REVOKE ALL ON crm.customer_value FROM regress_crm_view_only;
REVOKE USAGE ON SCHEMA crm FROM regress_crm_value_reader, regress_crm_view_only;
DROP ROLE regress_crm_value_reader;
DROP ROLE regress_crm_view_only;
