
-- ===========================================================================
-- 62_lifecycle: value settings, churn risk bands and lifecycle stages.
--
-- Settings (seeded rows of crm.settings, prefixes value., churn.,
-- lifecycle.) are read once per query through crm.value_parameters() and
-- crm.lifecycle_thresholds(), which return composites; the rule functions
-- take those composites explicitly and are IMMUTABLE, so every rule can be
-- tested at its boundaries without touching the settings.
--
-- Churn risk.  Non-contractual customers: risk = 1 - P(alive) from the
-- chosen purchase model (crm.p_alive; crm.p_alive_future gives it at a
-- later date without purchases).  Contractual (subscription) customers: the
-- sBG hazard of the next period crm.churn_probability(sbg, periods_survived)
-- and the expected remaining lifetime crm.derl(sbg, rate, renewals).  Band:
--   high   when risk >= churn.band_high   (default 0.60)
--   medium when risk >= churn.band_medium (default 0.30)
--   low    otherwise.
--
-- Lifecycle stages, first matching rule wins (thresholds in days; a NULL
-- input or threshold switches off the rules that need it):
--   1 prospect    no purchase yet (frequency NULL);
--   2 churned     P(alive) < lifecycle.churned_p_alive (0.10), or long gone:
--                 repeat buyers whose gap since the last purchase exceeds
--                 both lifecycle.churned_gap_multiple (4) x their own mean
--                 inter-purchase time (recency / frequency) and
--                 lifecycle.churned_min_gap_days (180); one-time buyers whose
--                 gap exceeds lifecycle.one_time_churned_days (365).  The gap
--                 rules matter for BG/NBD, which gives P(alive) = 1 to every
--                 customer without a repeat purchase;
--   3 decline     P(alive) < lifecycle.decline_p_alive (0.50), or a gap over
--                 both lifecycle.decline_gap_multiple (2) x the own rhythm and
--                 lifecycle.decline_min_gap_days (60), or, for one-time
--                 buyers, over lifecycle.one_time_decline_days (180), or
--                 expected purchases in the next lifecycle.period_days (90)
--                 below lifecycle.decline_rate_ratio (0.5) x the customer's
--                 own past rate (frequency / age) over as many days;
--   4 exploration first purchase made, no repeat purchase yet;
--   5 formation   repeat buying, but fewer than
--                 lifecycle.stability_min_frequency (3) repeat purchases or
--                 P(alive) < lifecycle.stability_p_alive (0.80);
--   6 stability   otherwise: regular repeat buying with a high P(alive).
-- ===========================================================================

ALTER TABLE crm.settings DISABLE TRIGGER settings_seeded_row_insert;
INSERT INTO crm.settings (name, value, description, is_default) VALUES
	('value.purchase_model', 'bgnbd',
	 'purchase model of crm.customer_value and crm.refresh: bgnbd, mbgnbd or pareto_nbd', true),
	('value.annual_discount_rate', '0.10',
	 'effective yearly discount rate of CLV (0.10 = 10%); converted to ln(1 + rate) x unit_days/365.2425 per model time unit', true),
	('value.horizon', '',
	 'CLV horizon as an interval (''3 years''; months are 365.2425/12 days); empty = infinite', true),
	('value.margin', '1',
	 'margin applied to revenue in CLV: a fraction in (0, 1], or ''cost'' = per customer 1 - sum(cost)/sum(amount) of its purchases (1 when it has no costs)', true),
	('value.referral_factor', '0.5',
	 'share of the CLV of the customers a customer referred (crm.customers.referred_by, one level) counted as its referral value', true),
	('value.prediction_period', '90 days',
	 'length of the "next period" of crm.customer_value (expected purchases, P(alive) at the end of it)', true),
	('value.tier_a_share', '0.80',
	 'value tier A: the top customers holding this share of total CLV', true),
	('value.tier_b_share', '0.15',
	 'value tier B: the next customers holding this share of total CLV (the rest are tier C)', true),
	('churn.band_medium', '0.30', 'churn risk (1 - P(alive)) from which the band is medium', true),
	('churn.band_high', '0.60', 'churn risk (1 - P(alive)) from which the band is high', true),
	('lifecycle.churned_p_alive', '0.10', 'lifecycle: churned when P(alive) is below this', true),
	('lifecycle.churned_gap_multiple', '4',
	 'lifecycle: churned when the gap since the last purchase exceeds this many mean inter-purchase times (and churned_min_gap_days)', true),
	('lifecycle.churned_min_gap_days', '180', 'lifecycle: smallest gap in days that counts as churned for repeat buyers', true),
	('lifecycle.one_time_churned_days', '365', 'lifecycle: one-time buyers are churned this many days after their purchase', true),
	('lifecycle.decline_p_alive', '0.50', 'lifecycle: decline when P(alive) is below this', true),
	('lifecycle.decline_gap_multiple', '2',
	 'lifecycle: decline when the gap since the last purchase exceeds this many mean inter-purchase times (and decline_min_gap_days)', true),
	('lifecycle.decline_min_gap_days', '60', 'lifecycle: smallest gap in days that counts as decline for repeat buyers', true),
	('lifecycle.one_time_decline_days', '180', 'lifecycle: one-time buyers are in decline this many days after their purchase', true),
	('lifecycle.decline_rate_ratio', '0.5',
	 'lifecycle: decline when expected purchases in the next period_days fall below this fraction of the customer''s own past rate', true),
	('lifecycle.period_days', '90', 'lifecycle: length in days of the next period whose expected purchases are compared', true),
	('lifecycle.stability_min_frequency', '3', 'lifecycle: repeat purchases needed for stability', true),
	('lifecycle.stability_p_alive', '0.80', 'lifecycle: P(alive) needed for stability', true);
ALTER TABLE crm.settings ENABLE TRIGGER settings_seeded_row_insert;

-- ---------------------------------------------------------------------------
-- Value parameters

CREATE TYPE crm.value_parameters AS (
	purchase_model text,
	annual_discount_rate float8,
	horizon interval,
	margin float8,
	margin_from_cost boolean,
	referral_factor float8,
	prediction_period interval,
	tier_a_share float8,
	tier_b_share float8,
	band_medium float8,
	band_high float8
);

COMMENT ON TYPE crm.value_parameters IS 'the value., churn. settings as typed values (crm.value_parameters())';
COMMENT ON COLUMN crm.value_parameters.purchase_model IS 'bgnbd, mbgnbd or pareto_nbd (setting value.purchase_model)';
COMMENT ON COLUMN crm.value_parameters.annual_discount_rate IS 'effective yearly discount rate (value.annual_discount_rate)';
COMMENT ON COLUMN crm.value_parameters.horizon IS 'CLV horizon, NULL = infinite (value.horizon)';
COMMENT ON COLUMN crm.value_parameters.margin IS 'margin fraction when not from costs (value.margin)';
COMMENT ON COLUMN crm.value_parameters.margin_from_cost IS 'true when value.margin is ''cost'': per customer 1 - sum(cost)/sum(amount)';
COMMENT ON COLUMN crm.value_parameters.referral_factor IS 'weight of referred customers'' CLV in the referral value (value.referral_factor)';
COMMENT ON COLUMN crm.value_parameters.prediction_period IS 'the "next period" of the predictions (value.prediction_period)';
COMMENT ON COLUMN crm.value_parameters.tier_a_share IS 'share of total CLV held by tier A (value.tier_a_share)';
COMMENT ON COLUMN crm.value_parameters.tier_b_share IS 'share of total CLV held by tier B (value.tier_b_share)';
COMMENT ON COLUMN crm.value_parameters.band_medium IS 'churn risk from which the band is medium (churn.band_medium)';
COMMENT ON COLUMN crm.value_parameters.band_high IS 'churn risk from which the band is high (churn.band_high)';

-- STABLE: reads crm.settings
CREATE FUNCTION crm.value_parameters()
RETURNS crm.value_parameters
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT ROW(
	coalesce(max(s.value) FILTER (WHERE s.name = 'value.purchase_model'), 'bgnbd'),
	coalesce(max(s.value) FILTER (WHERE s.name = 'value.annual_discount_rate'), '0.10')::float8,
	nullif(pg_catalog.btrim(coalesce(max(s.value) FILTER (WHERE s.name = 'value.horizon'), '')), '')::interval,
	CASE WHEN coalesce(max(s.value) FILTER (WHERE s.name = 'value.margin'), '1') = 'cost' THEN NULL
		 ELSE coalesce(max(s.value) FILTER (WHERE s.name = 'value.margin'), '1')::float8 END,
	coalesce(max(s.value) FILTER (WHERE s.name = 'value.margin'), '1') = 'cost',
	coalesce(max(s.value) FILTER (WHERE s.name = 'value.referral_factor'), '0.5')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'value.prediction_period'), '90 days')::interval,
	coalesce(max(s.value) FILTER (WHERE s.name = 'value.tier_a_share'), '0.80')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'value.tier_b_share'), '0.15')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'churn.band_medium'), '0.30')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'churn.band_high'), '0.60')::float8
)::crm.value_parameters
FROM crm.settings s
WHERE s.name LIKE 'value.%' OR s.name LIKE 'churn.%'
$$;

COMMENT ON FUNCTION crm.value_parameters() IS
'the value. and churn. settings as one typed value (STABLE: reads crm.settings); call it once per query, in FROM';

-- ---------------------------------------------------------------------------
-- Churn risk band

CREATE TYPE crm.churn_band AS ENUM ('low', 'medium', 'high');

COMMENT ON TYPE crm.churn_band IS 'churn risk band: low < medium < high (thresholds churn.band_medium, churn.band_high)';

CREATE FUNCTION crm.churn_band(risk float8, band_medium float8, band_high float8)
RETURNS crm.churn_band
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE WHEN $1 >= $3 THEN 'high'::crm.churn_band
			WHEN $1 >= $2 THEN 'medium'::crm.churn_band
			ELSE 'low'::crm.churn_band END
$$;

COMMENT ON FUNCTION crm.churn_band(float8, float8, float8) IS
'churn band of a risk (1 - P(alive), or an sBG churn probability): high when risk >= band_high, medium when risk >= band_medium, else low';

-- ---------------------------------------------------------------------------
-- Lifecycle stage

CREATE TYPE crm.lifecycle_stage AS ENUM (
	'prospect', 'exploration', 'formation', 'stability', 'decline', 'churned'
);

COMMENT ON TYPE crm.lifecycle_stage IS
'customer-relationship lifecycle stage: prospect (no purchase), exploration (first purchase, no repeat yet), formation (repeat buying growing), stability (regular repeat buying, high P(alive)), decline (activity falling), churned (gone); rules in crm.lifecycle_stage(...)';

CREATE TYPE crm.lifecycle_thresholds AS (
	churned_p_alive float8,
	churned_gap_multiple float8,
	churned_min_gap_days float8,
	one_time_churned_days float8,
	decline_p_alive float8,
	decline_gap_multiple float8,
	decline_min_gap_days float8,
	one_time_decline_days float8,
	decline_rate_ratio float8,
	period_days float8,
	stability_min_frequency integer,
	stability_p_alive float8
);

COMMENT ON TYPE crm.lifecycle_thresholds IS 'thresholds of the lifecycle rules (settings lifecycle.*; crm.lifecycle_thresholds())';
COMMENT ON COLUMN crm.lifecycle_thresholds.churned_p_alive IS 'churned when P(alive) < this';
COMMENT ON COLUMN crm.lifecycle_thresholds.churned_gap_multiple IS 'churned when gap > this x own mean inter-purchase time (and > churned_min_gap_days)';
COMMENT ON COLUMN crm.lifecycle_thresholds.churned_min_gap_days IS 'smallest gap (days) that counts as churned for repeat buyers';
COMMENT ON COLUMN crm.lifecycle_thresholds.one_time_churned_days IS 'one-time buyers churned when gap (days) > this';
COMMENT ON COLUMN crm.lifecycle_thresholds.decline_p_alive IS 'decline when P(alive) < this';
COMMENT ON COLUMN crm.lifecycle_thresholds.decline_gap_multiple IS 'decline when gap > this x own mean inter-purchase time (and > decline_min_gap_days)';
COMMENT ON COLUMN crm.lifecycle_thresholds.decline_min_gap_days IS 'smallest gap (days) that counts as decline for repeat buyers';
COMMENT ON COLUMN crm.lifecycle_thresholds.one_time_decline_days IS 'one-time buyers in decline when gap (days) > this';
COMMENT ON COLUMN crm.lifecycle_thresholds.decline_rate_ratio IS 'decline when expected purchases in the next period_days < this x frequency/age x period_days';
COMMENT ON COLUMN crm.lifecycle_thresholds.period_days IS 'length (days) of the next period of expected_purchases';
COMMENT ON COLUMN crm.lifecycle_thresholds.stability_min_frequency IS 'repeat purchases needed for stability';
COMMENT ON COLUMN crm.lifecycle_thresholds.stability_p_alive IS 'P(alive) needed for stability';

-- STABLE: reads crm.settings
CREATE FUNCTION crm.lifecycle_thresholds()
RETURNS crm.lifecycle_thresholds
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT ROW(
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.churned_p_alive'), '0.10')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.churned_gap_multiple'), '4')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.churned_min_gap_days'), '180')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.one_time_churned_days'), '365')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.decline_p_alive'), '0.50')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.decline_gap_multiple'), '2')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.decline_min_gap_days'), '60')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.one_time_decline_days'), '180')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.decline_rate_ratio'), '0.5')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.period_days'), '90')::float8,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.stability_min_frequency'), '3')::integer,
	coalesce(max(s.value) FILTER (WHERE s.name = 'lifecycle.stability_p_alive'), '0.80')::float8
)::crm.lifecycle_thresholds
FROM crm.settings s
WHERE s.name LIKE 'lifecycle.%'
$$;

COMMENT ON FUNCTION crm.lifecycle_thresholds() IS
'the lifecycle.* settings as one typed value (STABLE: reads crm.settings); call it once per query, in FROM';

-- The rules.  IMMUTABLE but not STRICT: frequency NULL means "no purchase"
-- (prospect), and a NULL P(alive), expected_purchases or threshold switches
-- off only the rules that need it (a comparison with NULL is not true).
CREATE FUNCTION crm.lifecycle_stage(frequency integer, age_days float8, gap_days float8,
									p_alive float8, expected_purchases float8,
									th crm.lifecycle_thresholds)
RETURNS crm.lifecycle_stage
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
	WHEN $1 IS NULL THEN 'prospect'::crm.lifecycle_stage
	WHEN $4 < ($6).churned_p_alive
	  OR ($1 > 0 AND $3 > ($6).churned_min_gap_days
		  AND $3 > ($6).churned_gap_multiple * ($2 - $3) / $1)
	  OR ($1 = 0 AND $3 > ($6).one_time_churned_days)
		THEN 'churned'::crm.lifecycle_stage
	WHEN $4 < ($6).decline_p_alive
	  OR ($1 > 0 AND $3 > ($6).decline_min_gap_days
		  AND $3 > ($6).decline_gap_multiple * ($2 - $3) / $1)
	  OR ($1 = 0 AND $3 > ($6).one_time_decline_days)
	  OR ($1 > 0 AND $2 > 0
		  AND $5 < ($6).decline_rate_ratio * $1 / $2 * ($6).period_days)
		THEN 'decline'::crm.lifecycle_stage
	WHEN $1 = 0 THEN 'exploration'::crm.lifecycle_stage
	WHEN $1 < ($6).stability_min_frequency OR $4 < ($6).stability_p_alive
		THEN 'formation'::crm.lifecycle_stage
	ELSE 'stability'::crm.lifecycle_stage
END
$$;

COMMENT ON FUNCTION crm.lifecycle_stage(integer, float8, float8, float8, float8, crm.lifecycle_thresholds) IS
'lifecycle stage from frequency (repeat purchases; NULL = no purchase), age_days (first purchase to now), gap_days (last purchase to now), P(alive), expected purchases in the next th.period_days and the thresholds; first match of: prospect, churned, decline, exploration, formation, stability (rules in 62_lifecycle.sql and the README)';

-- STABLE: reads the thresholds from crm.settings
CREATE FUNCTION crm.lifecycle_stage(frequency integer, age_days float8, gap_days float8,
									p_alive float8, expected_purchases float8)
RETURNS crm.lifecycle_stage
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT crm.lifecycle_stage($1, $2, $3, $4, $5, crm.lifecycle_thresholds())
$$;

COMMENT ON FUNCTION crm.lifecycle_stage(integer, float8, float8, float8, float8) IS
'lifecycle stage with the thresholds of the lifecycle.* settings (STABLE because it reads crm.settings; for many rows join crm.lifecycle_thresholds() once and call the six-argument form)';
