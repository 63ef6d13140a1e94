
-- ===========================================================================
-- 66_views: crm.customer_value, crm.segment_summary, crm.customer_value_mat.
--
-- crm.customer_value: one row per customer, from crm.customer_rfm (the RFM
-- summary and scores at the settings' observation end) and the active models
-- (crm.models): the purchase model of setting value.purchase_model and the
-- Gamma-Gamma spend model.  The settings and the models are read once per
-- query (crm.value_parameters(), crm.active_models() and
-- crm.lifecycle_thresholds() in a FROM item that is not pulled up).  Times
-- are converted from the summary's time unit to the model's (the time_unit
-- stored with the model; the same when not stored).  Without an active
-- model the model columns are NULL; prospects (no purchase) have only their
-- stage.
--   CLV          = crm.clv(model, gamma_gamma, ..., time unit, value.horizon,
--                  value.annual_discount_rate, margin); margin = value.margin,
--                  or with value.margin = 'cost' 1 - sum(cost)/sum(amount) of
--                  the customer's purchases (1 without costs; it may be < 0);
--   net CLV      = CLV - acquisition_cost (acquisition cost 0 when unknown);
--   referral     = value.referral_factor x the sum of the CLV of the customers
--                  this one referred (crm.customers.referred_by, one level);
--   churn band   = crm.churn_band(churn_risk, churn.band_medium,
--                  churn.band_high) with churn_risk = 1 - P(alive), raised by
--                  the lifecycle stage: churned => high, decline => at least
--                  medium (NULL without a model).  The BG/NBD gives every
--                  one-time buyer P(alive) = 1 (its customers can only drop
--                  out right after a repeat purchase), so by P(alive) alone a
--                  customer who bought once long ago would be "low" while the
--                  stage rules (time since the last purchase) call them
--                  churned; the band follows the stronger of the two signals.
--                  churn_risk itself stays the model's 1 - P(alive);
--   value tier   = A while the CLV of the customers ranked before it (by CLV,
--                  descending; ties by customer_id) is below value.tier_a_share
--                  of the total CLV, B below tier_a_share + tier_b_share, else C.
-- The view ranks and sums over all customers, so it computes every row even
-- when filtered; for large bases read crm.customer_value_mat.
--
-- Security: the views are security_invoker, so the reader needs SELECT on
-- the base tables (crm.customers, crm.interactions, crm.models,
-- crm.settings, crm.rfm_segments) and row-level security policies on them
-- apply through the views.  A materialised view cannot honour the base
-- tables' RLS (it holds everyone's rows): crm.customer_value_mat is owned by
-- the extension owner and granted to nobody by default.
-- ===========================================================================

-- The rows come from a set-returning SQL function with SET jit = off: the
-- query has many expensive expressions over every customer, so its estimated
-- cost makes PostgreSQL JIT-compile it, which takes far longer (11 s for
-- 20000 customers on PostgreSQL 15) than running it (2 s).  The function runs
-- as the caller (no SECURITY DEFINER), so privileges and row-level security
-- are the caller's, as for a security_invoker view.
CREATE FUNCTION crm.customer_value_rows()
RETURNS TABLE (
	customer_id bigint,
	external_ref text,
	acquisition_channel text,
	cohort date,
	is_prospect boolean,
	frequency integer,
	recency double precision,
	t double precision,
	since_last_purchase double precision,
	monetary double precision,
	revenue numeric,
	time_unit interval,
	r_score integer,
	f_score integer,
	m_score integer,
	rfm_cell text,
	segment text,
	purchase_model text,
	p_alive double precision,
	churn_risk double precision,
	churn_band crm.churn_band,
	p_alive_next_period double precision,
	expected_purchases double precision,
	expected_spend double precision,
	margin double precision,
	clv double precision,
	acquisition_cost numeric,
	net_clv double precision,
	referred_customers bigint,
	referral_value double precision,
	value_tier text,
	lifecycle_stage crm.lifecycle_stage,
	as_of timestamptz)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET jit = off
SET search_path = pg_catalog, pg_temp
AS $$
WITH k AS (
	-- everything that is the same for every customer, computed once: the
	-- settings, the models, the summary parameters and the unit conversions
	SELECT k0.observation_end, k0.bucket, k0.time_unit,
		   (k0.vp).purchase_model AS purchase_model,
		   (k0.am).bgnbd AS bgnbd, (k0.am).mbgnbd AS mbgnbd, (k0.am).pareto_nbd AS pareto_nbd,
		   (k0.am).gamma_gamma AS gamma_gamma,
		   (k0.vp).horizon AS horizon, (k0.vp).annual_discount_rate AS annual_discount_rate,
		   (k0.vp).margin AS margin, (k0.vp).margin_from_cost AS margin_from_cost,
		   (k0.vp).referral_factor AS referral_factor,
		   (k0.vp).tier_a_share AS tier_a_share, (k0.vp).tier_b_share AS tier_b_share,
		   (k0.vp).band_medium AS band_medium, (k0.vp).band_high AS band_high,
		   k0.th,
		   coalesce((k0.am).purchase_time_unit, k0.time_unit) AS model_unit,
		   crm.interval_days(k0.time_unit) AS unit_days,
		   crm.interval_days(coalesce((k0.am).purchase_time_unit, k0.time_unit)) AS model_unit_days,
		   crm.interval_days((k0.vp).prediction_period) AS period_days,
		   (k0.th).period_days AS lc_period_days
	FROM (SELECT crm.value_parameters() AS vp, crm.active_models() AS am,
				 crm.lifecycle_thresholds() AS th,
				 p.observation_end, p.bucket, p.time_unit
		  FROM crm.summary_parameters() p
		  OFFSET 0) k0
), costs AS (
	SELECT i.customer_id, sum(i.amount) AS amount, sum(i.cost) AS cost
	FROM crm.interactions i
	WHERE i.kind = 'purchase' AND (SELECT k.margin_from_cost FROM k)
	GROUP BY i.customer_id
), b1 AS (
	-- crm.customer_rfm, with the summary parameters of k
	SELECT r.*,
		   CASE WHEN k.margin_from_cost
				THEN CASE WHEN c.amount > 0 AND c.cost IS NOT NULL
						  THEN CAST(least(1, 1 - c.cost / c.amount) AS float8) ELSE 1 END
				ELSE k.margin END AS margin,
		   CAST(r.frequency AS float8) AS x,
		   r.recency * k.unit_days / k.model_unit_days AS tx,
		   r.t * k.unit_days / k.model_unit_days AS tt,
		   k.period_days / k.model_unit_days AS period,
		   k.lc_period_days / k.model_unit_days AS lc_period,
		   k.purchase_model, k.bgnbd, k.mbgnbd, k.pareto_nbd, k.gamma_gamma, k.model_unit,
		   k.horizon, k.annual_discount_rate
	FROM k
	CROSS JOIN LATERAL crm.customer_rfm_at(k.observation_end, k.bucket, k.time_unit) r
	LEFT JOIN costs c ON c.customer_id = r.customer_id
), b2 AS (
	SELECT b1.customer_id, b1.external_ref, b1.acquisition_channel, b1.acquired_at,
		   b1.first_purchase_at, b1.referred_by, b1.is_prospect, b1.frequency, b1.recency, b1.t,
		   b1.since_last_purchase, b1.monetary, b1.revenue, b1.time_unit, b1.r_score, b1.f_score,
		   b1.m_score, b1.rfm_cell, b1.segment, b1.margin, b1.acquisition_cost, b1.as_of,
		   CASE b1.purchase_model
				WHEN 'bgnbd' THEN crm.p_alive(b1.bgnbd, b1.x, b1.tx, b1.tt)
				WHEN 'mbgnbd' THEN crm.p_alive(b1.mbgnbd, b1.x, b1.tx, b1.tt)
				WHEN 'pareto_nbd' THEN crm.p_alive(b1.pareto_nbd, b1.x, b1.tx, b1.tt) END AS p_alive,
		   CASE b1.purchase_model
				WHEN 'bgnbd' THEN crm.p_alive_future(b1.bgnbd, b1.x, b1.tx, b1.tt, b1.period)
				WHEN 'mbgnbd' THEN crm.p_alive_future(b1.mbgnbd, b1.x, b1.tx, b1.tt, b1.period)
				WHEN 'pareto_nbd' THEN crm.p_alive_future(b1.pareto_nbd, b1.x, b1.tx, b1.tt, b1.period) END
			   AS p_alive_next_period,
		   CASE b1.purchase_model
				WHEN 'bgnbd' THEN crm.conditional_expected_purchases(b1.bgnbd, b1.period, b1.x, b1.tx, b1.tt)
				WHEN 'mbgnbd' THEN crm.conditional_expected_purchases(b1.mbgnbd, b1.period, b1.x, b1.tx, b1.tt)
				WHEN 'pareto_nbd' THEN crm.conditional_expected_purchases(b1.pareto_nbd, b1.period, b1.x, b1.tx, b1.tt) END
			   AS expected_purchases,
		   CASE b1.purchase_model
				WHEN 'bgnbd' THEN crm.conditional_expected_purchases(b1.bgnbd, b1.lc_period, b1.x, b1.tx, b1.tt)
				WHEN 'mbgnbd' THEN crm.conditional_expected_purchases(b1.mbgnbd, b1.lc_period, b1.x, b1.tx, b1.tt)
				WHEN 'pareto_nbd' THEN crm.conditional_expected_purchases(b1.pareto_nbd, b1.lc_period, b1.x, b1.tx, b1.tt) END
			   AS lc_expected,
		   crm.expected_spend(b1.gamma_gamma, b1.x, b1.monetary) AS expected_spend,
		   CASE b1.purchase_model
				WHEN 'bgnbd' THEN crm.clv(b1.bgnbd, b1.gamma_gamma, b1.x, b1.tx, b1.tt, b1.monetary,
										  b1.model_unit, b1.horizon, b1.annual_discount_rate, b1.margin)
				WHEN 'mbgnbd' THEN crm.clv(b1.mbgnbd, b1.gamma_gamma, b1.x, b1.tx, b1.tt, b1.monetary,
										   b1.model_unit, b1.horizon, b1.annual_discount_rate, b1.margin)
				WHEN 'pareto_nbd' THEN crm.clv(b1.pareto_nbd, b1.gamma_gamma, b1.x, b1.tx, b1.tt, b1.monetary,
											   b1.model_unit, b1.horizon, b1.annual_discount_rate, b1.margin) END
			   AS clv
	FROM b1
), b3 AS (
	SELECT b2.*,
		   sum(b2.clv) OVER (ORDER BY b2.clv DESC NULLS LAST, b2.customer_id
							 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - b2.clv AS clv_before,
		   sum(b2.clv) OVER () AS clv_total,
		   crm.lifecycle_stage(b2.frequency, b2.t * k.unit_days, b2.since_last_purchase * k.unit_days,
							   b2.p_alive, b2.lc_expected, k.th) AS lifecycle_stage
	FROM b2
	CROSS JOIN k
), referrals AS (
	SELECT b2.referred_by AS customer_id, sum(b2.clv) AS referred_clv, count(*) AS referred
	FROM b2
	WHERE b2.referred_by IS NOT NULL
	GROUP BY b2.referred_by
)
SELECT b3.customer_id,
	   b3.external_ref,
	   b3.acquisition_channel,
	   CAST(pg_catalog.date_trunc('month', coalesce(b3.first_purchase_at, b3.acquired_at)) AS date) AS cohort,
	   b3.is_prospect,
	   b3.frequency,
	   b3.recency,
	   b3.t,
	   b3.since_last_purchase,
	   b3.monetary,
	   b3.revenue,
	   b3.time_unit,
	   b3.r_score,
	   b3.f_score,
	   b3.m_score,
	   b3.rfm_cell,
	   b3.segment,
	   k.purchase_model,
	   b3.p_alive,
	   1 - b3.p_alive AS churn_risk,
	   CASE WHEN b3.p_alive IS NULL THEN NULL
			WHEN b3.lifecycle_stage = 'churned' THEN 'high'
			WHEN b3.lifecycle_stage = 'decline'
				THEN greatest('medium', crm.churn_band(1 - b3.p_alive, k.band_medium, k.band_high))
			ELSE crm.churn_band(1 - b3.p_alive, k.band_medium, k.band_high) END AS churn_band,
	   b3.p_alive_next_period,
	   b3.expected_purchases,
	   b3.expected_spend,
	   b3.margin,
	   b3.clv,
	   b3.acquisition_cost,
	   b3.clv - CAST(coalesce(b3.acquisition_cost, 0) AS float8) AS net_clv,
	   coalesce(rf.referred, 0) AS referred_customers,
	   CASE WHEN b3.clv IS NOT NULL
			THEN k.referral_factor * coalesce(rf.referred_clv, 0) END AS referral_value,
	   CASE WHEN b3.clv IS NULL THEN NULL
			WHEN b3.clv_total <= 0 THEN 'C'
			WHEN b3.clv_before < k.tier_a_share * b3.clv_total THEN 'A'
			WHEN b3.clv_before < (k.tier_a_share + k.tier_b_share) * b3.clv_total THEN 'B'
			ELSE 'C' END AS value_tier,
	   b3.lifecycle_stage,
	   b3.as_of
FROM b3
CROSS JOIN k
LEFT JOIN referrals rf ON rf.customer_id = b3.customer_id
$$;

COMMENT ON FUNCTION crm.customer_value_rows() IS
'the rows of crm.customer_value (STABLE: reads the tables and settings; PARALLEL RESTRICTED: runs in the leader; SET jit = off because JIT compilation of this query costs more than running it); runs with the caller''s privileges';

CREATE VIEW crm.customer_value WITH (security_invoker = true) AS
SELECT * FROM crm.customer_value_rows();

COMMENT ON VIEW crm.customer_value IS
'one row per customer: RFM summary and scores, segment, P(alive), churn risk and band, predictions for the next value.prediction_period, expected spend, CLV, net CLV, referral value, value tier and lifecycle stage, from the active models (crm.models) and the settings (value.*, churn.*, lifecycle.*); security_invoker (RLS of the base tables applies)';
COMMENT ON COLUMN crm.customer_value.customer_id IS 'the customer (crm.customers)';
COMMENT ON COLUMN crm.customer_value.external_ref IS 'the customer''s id in the source system';
COMMENT ON COLUMN crm.customer_value.acquisition_channel IS 'channel that acquired the customer';
COMMENT ON COLUMN crm.customer_value.cohort IS 'month of the first purchase (of acquisition for prospects)';
COMMENT ON COLUMN crm.customer_value.is_prospect IS 'true when the customer has no purchase up to the observation end';
COMMENT ON COLUMN crm.customer_value.frequency IS 'repeat purchase periods (NULL for prospects)';
COMMENT ON COLUMN crm.customer_value.recency IS 'first to last purchase, in the summary''s time unit';
COMMENT ON COLUMN crm.customer_value.t IS 'first purchase to the observation end (age), in the summary''s time unit';
COMMENT ON COLUMN crm.customer_value.since_last_purchase IS 't - recency: time since the last purchase, in the summary''s time unit';
COMMENT ON COLUMN crm.customer_value.monetary IS 'mean value of the repeat purchase periods';
COMMENT ON COLUMN crm.customer_value.revenue IS 'net revenue up to the observation end';
COMMENT ON COLUMN crm.customer_value.time_unit IS 'time unit of recency, t and since_last_purchase';
COMMENT ON COLUMN crm.customer_value.r_score IS 'recency score 1..5';
COMMENT ON COLUMN crm.customer_value.f_score IS 'frequency score 1..5';
COMMENT ON COLUMN crm.customer_value.m_score IS 'monetary (revenue) score 1..5';
COMMENT ON COLUMN crm.customer_value.rfm_cell IS 'the RFM cell as three digits';
COMMENT ON COLUMN crm.customer_value.segment IS 'named RFM segment (crm.rfm_segments)';
COMMENT ON COLUMN crm.customer_value.purchase_model IS 'purchase model used (setting value.purchase_model)';
COMMENT ON COLUMN crm.customer_value.p_alive IS 'probability that the customer is still active (NULL without an active model)';
COMMENT ON COLUMN crm.customer_value.churn_risk IS '1 - p_alive (the model''s probability; churn_band also looks at the lifecycle stage)';
COMMENT ON COLUMN crm.customer_value.churn_band IS 'low / medium / high from churn_risk (settings churn.band_medium, churn.band_high), raised by the lifecycle stage: churned => high, decline => at least medium (the BG/NBD gives one-time buyers P(alive) = 1, so risk alone would call long-gone one-time buyers low); NULL without a model';
COMMENT ON COLUMN crm.customer_value.p_alive_next_period IS 'P(alive) at the end of the next value.prediction_period if no purchase is seen until then';
COMMENT ON COLUMN crm.customer_value.expected_purchases IS 'expected purchases in the next value.prediction_period';
COMMENT ON COLUMN crm.customer_value.expected_spend IS 'expected value per future purchase (Gamma-Gamma; population mean without repeat purchases)';
COMMENT ON COLUMN crm.customer_value.margin IS 'margin applied (value.margin, or from costs)';
COMMENT ON COLUMN crm.customer_value.clv IS 'customer lifetime value: margin x expected spend x discounted expected purchases over value.horizon at value.annual_discount_rate';
COMMENT ON COLUMN crm.customer_value.acquisition_cost IS 'cost of acquiring the customer (crm.customers)';
COMMENT ON COLUMN crm.customer_value.net_clv IS 'clv - acquisition_cost (a missing cost counts as 0)';
COMMENT ON COLUMN crm.customer_value.referred_customers IS 'customers whose referred_by is this customer';
COMMENT ON COLUMN crm.customer_value.referral_value IS 'value.referral_factor x the sum of the CLV of the customers this one referred (one level)';
COMMENT ON COLUMN crm.customer_value.value_tier IS 'A / B / C by cumulative share of total CLV (settings value.tier_a_share, value.tier_b_share)';
COMMENT ON COLUMN crm.customer_value.lifecycle_stage IS 'lifecycle stage (crm.lifecycle_stage with the lifecycle.* settings)';
COMMENT ON COLUMN crm.customer_value.as_of IS 'observation end of the summary';

-- ---------------------------------------------------------------------------

CREATE VIEW crm.segment_summary WITH (security_invoker = true) AS
SELECT CASE WHEN GROUPING(v.segment) = 0 THEN 'segment'
			WHEN GROUPING(v.lifecycle_stage) = 0 THEN 'lifecycle_stage'
			WHEN GROUPING(v.value_tier) = 0 THEN 'value_tier'
			WHEN GROUPING(v.acquisition_channel) = 0 THEN 'acquisition_channel'
			WHEN GROUPING(v.cohort) = 0 THEN 'cohort'
			ELSE 'total' END AS dimension,
	   coalesce(v.segment, CAST(v.lifecycle_stage AS text), v.value_tier, v.acquisition_channel,
				CAST(v.cohort AS text)) AS grp,
	   count(*) AS customers,
	   count(*) FILTER (WHERE NOT v.is_prospect) AS buyers,
	   sum(v.revenue) AS revenue,
	   crm.customer_equity(v.clv) AS equity,
	   avg(v.clv) AS avg_clv,
	   crm.customer_equity(v.net_clv) AS net_equity,
	   sum(v.expected_purchases) AS expected_purchases,
	   avg(v.churn_risk) AS avg_churn_risk,
	   count(*) FILTER (WHERE v.churn_band = 'high') AS high_risk,
	   count(*) FILTER (WHERE v.lifecycle_stage = 'churned') AS churned
FROM crm.customer_value v
GROUP BY GROUPING SETS ((v.segment), (v.lifecycle_stage), (v.value_tier), (v.acquisition_channel),
						(v.cohort), ());

COMMENT ON VIEW crm.segment_summary IS
'crm.customer_value summed by segment, lifecycle stage, value tier, acquisition channel and cohort, plus a total row; security_invoker';
COMMENT ON COLUMN crm.segment_summary.dimension IS 'segment, lifecycle_stage, value_tier, acquisition_channel, cohort or total';
COMMENT ON COLUMN crm.segment_summary.grp IS 'the group within the dimension (NULL: customers without a value there, e.g. prospects; and the total row)';
COMMENT ON COLUMN crm.segment_summary.customers IS 'customers in the group (prospects included)';
COMMENT ON COLUMN crm.segment_summary.buyers IS 'customers with at least one purchase';
COMMENT ON COLUMN crm.segment_summary.revenue IS 'net revenue up to the observation end';
COMMENT ON COLUMN crm.segment_summary.equity IS 'customer equity: sum of CLV';
COMMENT ON COLUMN crm.segment_summary.avg_clv IS 'mean CLV of the customers with one';
COMMENT ON COLUMN crm.segment_summary.net_equity IS 'sum of net CLV (CLV - acquisition cost)';
COMMENT ON COLUMN crm.segment_summary.expected_purchases IS 'expected purchases in the next value.prediction_period';
COMMENT ON COLUMN crm.segment_summary.avg_churn_risk IS 'mean churn risk (1 - P(alive))';
COMMENT ON COLUMN crm.segment_summary.high_risk IS 'customers in churn band high (every churned customer with a model among them)';
COMMENT ON COLUMN crm.segment_summary.churned IS 'customers in lifecycle stage churned';

-- ---------------------------------------------------------------------------

CREATE MATERIALIZED VIEW crm.customer_value_mat AS
SELECT * FROM crm.customer_value
WITH NO DATA;

CREATE UNIQUE INDEX customer_value_mat_customer_id_key ON crm.customer_value_mat (customer_id);

COMMENT ON MATERIALIZED VIEW crm.customer_value_mat IS
'crm.customer_value materialised for large bases, refreshed (CONCURRENTLY) by CALL crm.refresh(); holds every customer''s row: row-level security of the base tables does not apply to it, so it is granted to nobody by default';
COMMENT ON INDEX crm.customer_value_mat_customer_id_key IS 'unique key: lets REFRESH MATERIALIZED VIEW CONCURRENTLY run without blocking readers';

-- the materialised view's columns carry the view's comments
DO $$
DECLARE
	a record;
BEGIN
	FOR a IN SELECT at.attname, pg_catalog.col_description('crm.customer_value'::pg_catalog.regclass, at.attnum) AS d
			 FROM pg_catalog.pg_attribute at
			 WHERE at.attrelid = 'crm.customer_value'::pg_catalog.regclass AND at.attnum > 0
			 ORDER BY at.attnum
	LOOP
		EXECUTE pg_catalog.format('COMMENT ON COLUMN crm.customer_value_mat.%I IS %L', a.attname, a.d);
	END LOOP;
END
$$;
