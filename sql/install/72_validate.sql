
-- ---------------------------------------------------------------------------
-- Model validation: does a purchase model fit?  (Fader, Hardie & Lee 2005)
--
-- The purchases in crm.interactions are split at calibration_end: the
-- calibration cohort is every customer whose first purchase is in the
-- calibration period (crm.rfm_calibration_holdout), with (frequency,
-- recency, t) up to calibration_end and the repeat purchases of the holdout
-- period up to observation_end.  A model fitted on the calibration summary
-- is then checked against what it did not see:
--   * holdout totals: actual repeat purchases of the cohort in the holdout
--     period vs the sum of the customers' conditional expectations
--     E[Y(holdout) | x, t_x, T], with the error per customer (MAE, RMSE,
--     correlation);
--   * the calibration frequency histogram: customers with 0, 1, ..., 6, 7+
--     repeat purchases vs the model's E[# customers] = sum_i P(X(T_i) = x),
--     each customer at their own age T_i, and Pearson's chi-square;
--   * conditional expectations ("calibration vs holdout"): by calibration
--     frequency 0..7+, the customers' mean actual holdout purchases vs the
--     mean prediction;
--   * tracking: the cohort's cumulative repeat purchases per time unit since
--     its first purchase vs sum_i E[X(tau - a_i)] for customers acquired at
--     a_i (new customers have no repeat purchase yet).
-- Times are in units (unit) of buckets (bucket), as in crm.rfm_*; the
-- tracking series needs fixed-length buckets and units (no months).
-- ---------------------------------------------------------------------------

CREATE TYPE crm.validation AS (
	model text,
	model_value jsonb,
	customers bigint,
	unit interval,
	calibration_periods float8,
	holdout_periods float8,
	calibration_actual float8,
	calibration_expected float8,
	holdout_actual float8,
	holdout_predicted float8,
	holdout_error_pct float8,
	mae float8,
	rmse float8,
	correlation float8,
	chi_square float8,
	chi_square_df int,
	frequency_labels text[],
	frequency_actual float8[],
	frequency_expected float8[],
	conditional_customers float8[],
	conditional_actual float8[],
	conditional_predicted float8[],
	tracking_actual float8[],
	tracking_expected float8[]
);

COMMENT ON TYPE crm.validation IS
'holdout validation of a purchase model (result of crm.validate / crm.validate_model): totals, per-customer errors, frequency histogram, conditional expectations and tracking series; show it with crm.validation_summary, crm.validation_frequency, crm.validation_conditional, crm.validation_tracking and the crm.plot_* functions';
COMMENT ON COLUMN crm.validation.model IS 'model type name: bgnbd, mbgnbd or pareto_nbd';
COMMENT ON COLUMN crm.validation.model_value IS 'the model validated, as JSON (parameters and fit statistics)';
COMMENT ON COLUMN crm.validation.customers IS 'customers in the calibration cohort (first purchase up to calibration_end)';
COMMENT ON COLUMN crm.validation.unit IS 'the time unit of the model and of the tracking periods';
COMMENT ON COLUMN crm.validation.calibration_periods IS 'length of the calibration period in units, from the cohort''s first purchase bucket to the end of the calibration_end bucket (where the tracking plot marks the calibration end)';
COMMENT ON COLUMN crm.validation.holdout_periods IS 'length of the holdout period in units (the horizon of the conditional expectations)';
COMMENT ON COLUMN crm.validation.calibration_actual IS 'repeat purchases of the cohort in the calibration period (sum of frequency)';
COMMENT ON COLUMN crm.validation.calibration_expected IS 'the model''s expected calibration repeat purchases, sum over customers of E[X(T_i)]';
COMMENT ON COLUMN crm.validation.holdout_actual IS 'repeat purchases of the cohort in the holdout period';
COMMENT ON COLUMN crm.validation.holdout_predicted IS 'sum over customers of E[Y(holdout_periods) | frequency, recency, t]';
COMMENT ON COLUMN crm.validation.holdout_error_pct IS '100 * (holdout_predicted - holdout_actual) / holdout_actual';
COMMENT ON COLUMN crm.validation.mae IS 'mean absolute error per customer of the holdout prediction';
COMMENT ON COLUMN crm.validation.rmse IS 'root mean squared error per customer of the holdout prediction';
COMMENT ON COLUMN crm.validation.correlation IS 'Pearson correlation of predicted and actual holdout purchases over customers';
COMMENT ON COLUMN crm.validation.chi_square IS 'Pearson chi-square of the calibration frequency histogram (8 classes: 0..6, 7+)';
COMMENT ON COLUMN crm.validation.chi_square_df IS 'degrees of freedom of chi_square: 8 classes - 1 - number of model parameters';
COMMENT ON COLUMN crm.validation.frequency_labels IS 'classes of the frequency histogram: 0, 1, ..., 6, 7+ repeat purchases';
COMMENT ON COLUMN crm.validation.frequency_actual IS 'customers per class of calibration repeat purchases';
COMMENT ON COLUMN crm.validation.frequency_expected IS 'expected customers per class: sum over customers of P(X(T_i) = x); 7+ is the rest';
COMMENT ON COLUMN crm.validation.conditional_customers IS 'customers per class of calibration repeat purchases (0..6, 7+)';
COMMENT ON COLUMN crm.validation.conditional_actual IS 'mean actual holdout repeat purchases per class (NULL for an empty class)';
COMMENT ON COLUMN crm.validation.conditional_predicted IS 'mean predicted holdout repeat purchases per class (NULL for an empty class)';
COMMENT ON COLUMN crm.validation.tracking_actual IS 'cumulative repeat purchases of the cohort at the end of each whole period 1, 2, ... since its first purchase, up to the observation end';
COMMENT ON COLUMN crm.validation.tracking_expected IS 'expected cumulative repeat purchases at the end of each period: sum over customers of E[X(time since acquisition)]';

-- The split: plpgsql for the argument checks; reads crm.interactions and
-- follows the session TimeZone (STABLE).
CREATE FUNCTION crm.validation_split(
	calibration_end timestamptz,
	observation_end timestamptz,
	bucket interval DEFAULT '1 day',
	unit interval DEFAULT '7 days')
RETURNS TABLE (
	customer_id bigint,
	frequency float8,
	recency float8,
	t float8,
	frequency_holdout float8,
	duration_holdout float8,
	acquired float8,
	repeat_times float8[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	IF calibration_end IS NULL OR observation_end IS NULL OR bucket IS NULL OR unit IS NULL THEN
		RAISE EXCEPTION 'calibration_end, observation_end, bucket and unit must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT calibration_end < observation_end THEN
		RAISE EXCEPTION 'calibration_end must be before observation_end'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('calibration_end is %s and observation_end is %s.', calibration_end, observation_end);
	END IF;
	IF pg_catalog.date_part('month', bucket) <> 0 OR pg_catalog.date_part('year', bucket) <> 0
	   OR pg_catalog.date_part('month', unit) <> 0 OR pg_catalog.date_part('year', unit) <> 0 THEN
		RAISE EXCEPTION 'validation needs buckets and units of a fixed length'
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = pg_catalog.format('bucket is %s and unit is %s.', bucket, unit),
				  HINT = 'Use days or hours, e.g. bucket ''1 day'' and unit ''7 days''.';
	END IF;
	IF NOT (bucket > interval '0' AND unit > interval '0') THEN
		RAISE EXCEPTION 'bucket and unit must be positive'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('bucket is %s and unit is %s.', bucket, unit);
	END IF;
	RETURN QUERY
	WITH h AS (
		-- the calibration summary (NULL: first purchase after calibration_end)
		SELECT i.customer_id,
			   crm.rfm_calibration_holdout(i.occurred_at, i.amount, calibration_end, observation_end, bucket, unit) AS s
		FROM crm.interactions i
		WHERE i.kind IN ('purchase', 'refund')
		GROUP BY i.customer_id
	), k AS (
		-- purchase buckets, aligned as in crm.rfm_*: local time, Monday 2000-01-03
		SELECT i.customer_id,
			   pg_catalog.floor(pg_catalog.date_part('epoch', i.occurred_at::timestamp - '2000-01-03 00:00'::timestamp)
								/ pg_catalog.date_part('epoch', bucket)) AS k
		FROM crm.interactions i
		WHERE i.kind = 'purchase' AND i.occurred_at IS NOT NULL AND i.amount IS NOT NULL
		GROUP BY 1, 2
	), e AS (
		SELECT pg_catalog.floor(pg_catalog.date_part('epoch', calibration_end::timestamp - '2000-01-03 00:00'::timestamp)
								/ pg_catalog.date_part('epoch', bucket)) AS kc,
			   pg_catalog.floor(pg_catalog.date_part('epoch', observation_end::timestamp - '2000-01-03 00:00'::timestamp)
								/ pg_catalog.date_part('epoch', bucket)) AS ko,
			   pg_catalog.date_part('epoch', bucket) / pg_catalog.date_part('epoch', unit) AS bu
	), first AS (
		SELECT k.customer_id, pg_catalog.min(k.k) AS k1
		FROM k GROUP BY k.customer_id
	), cohort AS (
		SELECT h.customer_id, h.s, f.k1
		FROM h JOIN first f ON f.customer_id = h.customer_id
		WHERE h.s IS NOT NULL
	), start AS (
		SELECT pg_catalog.min(c.k1) AS k0 FROM cohort c
	), rep AS (
		SELECT c.customer_id, pg_catalog.array_agg((k.k - start.k0) * e.bu ORDER BY k.k) AS times
		FROM cohort c CROSS JOIN start CROSS JOIN e
		JOIN k ON k.customer_id = c.customer_id AND k.k > c.k1 AND k.k <= e.ko
		GROUP BY c.customer_id
	)
	SELECT c.customer_id,
		   (c.s).frequency_cal::float8,
		   (c.s).recency_cal,
		   (c.s).t_cal,
		   (c.s).frequency_holdout::float8,
		   (c.s).duration_holdout,
		   (c.k1 - start.k0) * e.bu,
		   rep.times
	FROM cohort c CROSS JOIN start CROSS JOIN e
	LEFT JOIN rep ON rep.customer_id = c.customer_id;
END
$$;

COMMENT ON FUNCTION crm.validation_split(timestamptz, timestamptz, interval, interval) IS
'the calibration/holdout split of crm.interactions used by crm.validate: one row per customer whose first purchase is up to calibration_end, with frequency, recency, t (calibration), frequency_holdout, duration_holdout (units), acquired (time of the first purchase since the cohort''s first, in units) and repeat_times (times of the repeat purchase buckets up to observation_end, same origin)';

-- Validate one model (any of crm.bgnbd, crm.mbgnbd, crm.pareto_nbd, fitted
-- or given).  Polymorphic: the prediction functions are resolved for the
-- model's type at run time (plpgsql keeps a plan per argument type).
CREATE FUNCTION crm.validate_model(
	model anyelement,
	calibration_end timestamptz,
	observation_end timestamptz,
	bucket interval DEFAULT '1 day',
	unit interval DEFAULT '7 days')
RETURNS crm.validation
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $body$
#variable_conflict use_column
DECLARE
	kind text;
	result crm.validation;
BEGIN
	SELECT ty.typname INTO kind
	FROM pg_catalog.pg_type ty
	WHERE ty.oid = pg_catalog.pg_typeof($1) AND ty.typnamespace = 'crm'::regnamespace;
	IF kind IS NULL OR kind NOT IN ('bgnbd', 'mbgnbd', 'pareto_nbd') THEN
		RAISE EXCEPTION 'cannot validate a model of type %', pg_catalog.pg_typeof($1)
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Validation compares repeat purchases in continuous time: it supports crm.bgnbd, crm.mbgnbd and crm.pareto_nbd.',
				  HINT = 'Fit one of these models, e.g. crm.fit_bgnbd(frequency, recency, t).';
	END IF;
	WITH s AS MATERIALIZED (
	SELECT * FROM crm.validation_split($2, $3, $4, $5)
), g AS (
	SELECT pg_catalog.count(*) AS n,
		   pg_catalog.max(s.t + s.acquired) AS cal_last,
		   pg_catalog.max(s.duration_holdout) AS hold,
		   pg_catalog.date_part('epoch', $4) / pg_catalog.date_part('epoch', $5) AS bu
	FROM s
), p AS MATERIALIZED (
	SELECT s.frequency, s.frequency_holdout,
		   crm.conditional_expected_purchases($1, s.duration_holdout, s.frequency, s.recency, s.t) AS pred
	FROM s
), ages AS (
	SELECT s.t, pg_catalog.count(*)::float8 AS n FROM s GROUP BY s.t
), fe AS (
	-- expected customers with x = 0..6 repeat purchases, each at their own age
	SELECT x.x, pg_catalog.sum(ages.n * crm.prob_purchases($1, x.x, ages.t)) AS expected
	FROM ages CROSS JOIN pg_catalog.generate_series(0, 6) AS x(x)
	GROUP BY x.x
), freq AS (
	SELECT c.c,
		   (SELECT pg_catalog.count(*) FROM s WHERE least(s.frequency, 7) = c.c)::float8 AS actual,
		   CASE WHEN c.c < 7 THEN (SELECT fe.expected FROM fe WHERE fe.x = c.c)
				ELSE (SELECT g.n FROM g) - (SELECT pg_catalog.sum(fe.expected) FROM fe) END AS expected
	FROM pg_catalog.generate_series(0, 7) AS c(c)
), cond AS (
	SELECT c.c,
		   pg_catalog.count(p.frequency)::float8 AS customers,
		   pg_catalog.avg(p.frequency_holdout) AS actual,
		   pg_catalog.avg(p.pred) AS predicted
	FROM pg_catalog.generate_series(0, 7) AS c(c)
	LEFT JOIN p ON least(p.frequency, 7) = c.c
	GROUP BY c.c
), acq AS (
	SELECT s.acquired, pg_catalog.count(*)::float8 AS n FROM s GROUP BY s.acquired
), periods AS (
	-- period j ends with the bucket at time j - bucket/unit since the start;
	-- whole periods only (a last partial one would look like a collapse)
	SELECT j.j, j.j - g.bu AS tau
	FROM g, pg_catalog.generate_series(1, pg_catalog.floor(g.cal_last + g.hold + g.bu + 1e-9)::int) AS j(j)
), ra AS (
	-- repeat purchases per period: the bucket at time r is in period ceil(r + bucket/unit)
	SELECT pg_catalog.ceil(r.r + g.bu - 1e-9)::int AS j, pg_catalog.count(*)::float8 AS n
	FROM s, pg_catalog.unnest(s.repeat_times) AS r(r), g
	GROUP BY 1
), track AS (
	SELECT periods.j,
		   pg_catalog.sum(coalesce(ra.n, 0)) OVER (ORDER BY periods.j) AS actual,
		   (SELECT pg_catalog.sum(acq.n * crm.expected_purchases($1, periods.tau - acq.acquired))
			FROM acq WHERE acq.acquired < periods.tau) AS expected
	FROM periods LEFT JOIN ra ON ra.j = periods.j
), totals AS (
	SELECT pg_catalog.sum(p.frequency_holdout) AS actual, pg_catalog.sum(p.pred) AS predicted,
		   pg_catalog.avg(pg_catalog.abs(p.pred - p.frequency_holdout)) AS mae,
		   pg_catalog.sqrt(pg_catalog.avg((p.pred - p.frequency_holdout) ^ 2)) AS rmse,
		   pg_catalog.corr(p.pred, p.frequency_holdout) AS correlation,
		   pg_catalog.sum(p.frequency) AS cal_actual
	FROM p
), calexp AS (
	SELECT pg_catalog.sum(ages.n * crm.expected_purchases($1, ages.t)) AS expected FROM ages
), nparams AS (
	SELECT pg_catalog.count(*)::int AS k
	FROM pg_catalog.jsonb_object_keys(pg_catalog.to_jsonb($1)) AS key(key)
	WHERE key.key NOT IN ('loglik', 'n_customers', 'iterations', 'converged')
)
SELECT
	kind,
	pg_catalog.to_jsonb($1),
	g.n,
	$5,
	g.cal_last + g.bu,
	g.hold,
	totals.cal_actual,
	calexp.expected,
	totals.actual,
	totals.predicted,
	CASE WHEN totals.actual > 0 THEN 100 * (totals.predicted - totals.actual) / totals.actual END,
	totals.mae,
	totals.rmse,
	totals.correlation,
	(SELECT pg_catalog.sum((freq.actual - freq.expected) ^ 2 / freq.expected) FROM freq WHERE freq.expected > 0),
	7 - nparams.k,
	ARRAY['0', '1', '2', '3', '4', '5', '6', '7+'],
	(SELECT pg_catalog.array_agg(freq.actual ORDER BY freq.c) FROM freq),
	(SELECT pg_catalog.array_agg(freq.expected ORDER BY freq.c) FROM freq),
	(SELECT pg_catalog.array_agg(cond.customers ORDER BY cond.c) FROM cond),
	(SELECT pg_catalog.array_agg(cond.actual ORDER BY cond.c) FROM cond),
	(SELECT pg_catalog.array_agg(cond.predicted ORDER BY cond.c) FROM cond),
	(SELECT pg_catalog.array_agg(track.actual ORDER BY track.j) FROM track),
	(SELECT pg_catalog.array_agg(coalesce(track.expected, 0) ORDER BY track.j) FROM track)
INTO result
FROM g, totals, calexp, nparams
WHERE g.n > 0;
	RETURN result;
END
$body$;

COMMENT ON FUNCTION crm.validate_model(anyelement, timestamptz, timestamptz, interval, interval) IS
'validate a given purchase model (crm.bgnbd, crm.mbgnbd or crm.pareto_nbd value, e.g. fitted with a penalizer) on the calibration/holdout split of crm.interactions; NULL when no customer has a purchase up to calibration_end (0A000 for other model types)';

-- Fit BG/NBD, MBG/NBD and Pareto/NBD on the calibration summary and
-- validate each.  Reads crm.interactions (STABLE).
CREATE FUNCTION crm.validate(
	calibration_end timestamptz,
	observation_end timestamptz,
	bucket interval DEFAULT '1 day',
	unit interval DEFAULT '7 days')
RETURNS SETOF crm.validation
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH s AS (
	SELECT * FROM crm.validation_split($1, $2, $3, $4)
), f AS (
	SELECT crm.fit_bgnbd(s.frequency, s.recency, s.t) AS bgnbd,
		   crm.fit_mbgnbd(s.frequency, s.recency, s.t) AS mbgnbd,
		   crm.fit_pareto_nbd(s.frequency, s.recency, s.t) AS pareto_nbd
	FROM s
)
SELECT v.* FROM f, LATERAL crm.validate_model(f.bgnbd, $1, $2, $3, $4) AS v WHERE f.bgnbd IS NOT NULL
UNION ALL
SELECT v.* FROM f, LATERAL crm.validate_model(f.mbgnbd, $1, $2, $3, $4) AS v WHERE f.mbgnbd IS NOT NULL
UNION ALL
SELECT v.* FROM f, LATERAL crm.validate_model(f.pareto_nbd, $1, $2, $3, $4) AS v WHERE f.pareto_nbd IS NOT NULL
$$;

COMMENT ON FUNCTION crm.validate(timestamptz, timestamptz, interval, interval) IS
'split crm.interactions at calibration_end (holdout up to observation_end; buckets and unit as in crm.rfm_calibration_holdout, fixed lengths only), fit BG/NBD, MBG/NBD and Pareto/NBD on the calibration summary and validate each (one crm.validation row per model): holdout totals and errors, frequency histogram with chi-square, conditional expectations, tracking series';

-- Tables of a validation (pure functions of the value).
CREATE FUNCTION crm.validation_frequency(v crm.validation)
RETURNS TABLE (repeat_purchases text, actual float8, expected float8)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT u.l, u.a, u.e
FROM ROWS FROM (pg_catalog.unnest(($1).frequency_labels), pg_catalog.unnest(($1).frequency_actual),
				pg_catalog.unnest(($1).frequency_expected)) AS u(l, a, e)
$$;

COMMENT ON FUNCTION crm.validation_frequency(crm.validation) IS
'the calibration frequency histogram of a validation: customers with 0..6, 7+ repeat purchases, actual and expected';

CREATE FUNCTION crm.validation_conditional(v crm.validation)
RETURNS TABLE (repeat_purchases text, customers float8, actual float8, predicted float8)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT u.l, u.c, u.a, u.p
FROM ROWS FROM (pg_catalog.unnest(($1).frequency_labels), pg_catalog.unnest(($1).conditional_customers),
				pg_catalog.unnest(($1).conditional_actual), pg_catalog.unnest(($1).conditional_predicted)) AS u(l, c, a, p)
$$;

COMMENT ON FUNCTION crm.validation_conditional(crm.validation) IS
'the conditional expectations of a validation: by calibration repeat purchases (0..6, 7+), customers and their mean actual and predicted holdout repeat purchases';

CREATE FUNCTION crm.validation_tracking(v crm.validation)
RETURNS TABLE (period int, actual float8, expected float8, actual_cumulative float8, expected_cumulative float8)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT u.j::int,
	   u.a - coalesce(pg_catalog.lag(u.a) OVER w, 0),
	   u.e - coalesce(pg_catalog.lag(u.e) OVER w, 0),
	   u.a, u.e
FROM ROWS FROM (pg_catalog.unnest(($1).tracking_actual), pg_catalog.unnest(($1).tracking_expected))
	WITH ORDINALITY AS u(a, e, j)
WINDOW w AS (ORDER BY u.j)
ORDER BY u.j
$$;

COMMENT ON FUNCTION crm.validation_tracking(crm.validation) IS
'the tracking series of a validation: repeat purchases of the cohort per period since its first purchase (1 = the first unit), actual and expected, and their running totals';

-- ---------------------------------------------------------------------------
-- Charts of validations (pure functions of their arguments).  The array
-- forms overlay several models; actual data come from the first element.
-- ---------------------------------------------------------------------------

-- display name of a model type
CREATE FUNCTION crm.model_label(model text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE $1 WHEN 'bgnbd' THEN 'BG/NBD' WHEN 'mbgnbd' THEN 'MBG/NBD' WHEN 'pareto_nbd' THEN 'Pareto/NBD'
	WHEN 'bgbb' THEN 'BG/BB' WHEN 'gamma_gamma' THEN 'Gamma-Gamma' WHEN 'sbg' THEN 'sBG' ELSE $1 END
$$;

COMMENT ON FUNCTION crm.model_label(text) IS
'display name of a model type name (bgnbd -> BG/NBD, pareto_nbd -> Pareto/NBD, ...), for chart legends';

-- name of a time unit in axis titles
CREATE FUNCTION crm.unit_label(unit interval)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE $1 WHEN interval '7 days' THEN 'weeks' WHEN interval '1 day' THEN 'days'
	WHEN interval '1 hour' THEN 'hours' WHEN interval '1 mon' THEN 'months' WHEN interval '1 year' THEN 'years'
	ELSE 'units of ' || CASE
		-- spelled out here: interval output depends on IntervalStyle
		-- (constants of the operands' types: pg_catalog's operators match exactly)
		WHEN pg_catalog.date_part('month', $1) <> 0::float8 OR pg_catalog.date_part('year', $1) <> 0::float8
			THEN (pg_catalog.date_part('year', $1) * 12::float8 + pg_catalog.date_part('month', $1))::bigint::text || ' months'
		WHEN pg_catalog.date_part('epoch', $1)::numeric % 86400::numeric = 0::numeric
			THEN (pg_catalog.date_part('epoch', $1)::numeric / 86400::numeric)::bigint::text || ' days'
		WHEN pg_catalog.date_part('epoch', $1)::numeric % 3600::numeric = 0::numeric
			THEN (pg_catalog.date_part('epoch', $1)::numeric / 3600::numeric)::bigint::text || ' hours'
		WHEN pg_catalog.date_part('epoch', $1)::numeric % 60::numeric = 0::numeric
			THEN (pg_catalog.date_part('epoch', $1)::numeric / 60::numeric)::bigint::text || ' minutes'
		ELSE pg_catalog.date_part('epoch', $1)::text || ' seconds' END END
$$;

COMMENT ON FUNCTION crm.unit_label(interval) IS
'name of a time unit for axis titles: weeks for 7 days, days, hours, months, years, else "units of N days" (months, hours, minutes, seconds), whatever the IntervalStyle';

CREATE FUNCTION crm.plot_tracking(v crm.validation[], cumulative boolean DEFAULT true)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
WITH m AS (
	SELECT u.ordinality AS ord, crm.model_label(u.model) AS label, u.tracking_expected AS e
	FROM pg_catalog.unnest($1) WITH ORDINALITY AS u
), series AS (
	SELECT 0::bigint AS ord, 'actual'::text AS label, ($1[1]).tracking_actual AS y
	UNION ALL
	SELECT m.ord, m.label, m.e FROM m
), inc AS (
	-- per-period values when not cumulative
	SELECT series.ord, series.label,
		   CASE WHEN $2 THEN series.y
				ELSE (SELECT pg_catalog.array_agg(y.v - coalesce(y.p, 0) ORDER BY y.j)
					  FROM (SELECT t.v, pg_catalog.lag(t.v) OVER (ORDER BY t.j) AS p, t.j
							FROM pg_catalog.unnest(series.y) WITH ORDINALITY AS t(v, j)) AS y) END AS y
	FROM series
)
SELECT crm.svg_line_chart(
	CASE WHEN $2 THEN 'Tracking cumulative repeat purchases' ELSE 'Repeat purchases per period' END,
	(SELECT pg_catalog.array_agg(j::float8 ORDER BY j)
	 FROM pg_catalog.generate_series(1, pg_catalog.cardinality(($1[1]).tracking_actual)) AS j),
	(SELECT pg_catalog.array_agg(inc.label ORDER BY inc.ord) FROM inc),
	(SELECT pg_catalog.array_agg(inc.y ORDER BY inc.ord) FROM inc),
	'time since the cohort''s first purchase (' || crm.unit_label(($1[1]).unit) || ')',
	CASE WHEN $2 THEN 'cumulative repeat purchases' ELSE 'repeat purchases' END,
	($1[1]).calibration_periods, 'end of calibration')
WHERE pg_catalog.cardinality($1) > 0
$$;

COMMENT ON FUNCTION crm.plot_tracking(crm.validation[], boolean) IS
'SVG line chart of the cohort''s repeat purchases per period since its first purchase, actual and each validated model (cumulative by default), with the calibration end marked (Fader, Hardie & Lee 2005, figures 2 and 3)';

CREATE FUNCTION crm.plot_tracking(v crm.validation, cumulative boolean DEFAULT true)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT crm.plot_tracking(ARRAY[$1], $2) $$;

COMMENT ON FUNCTION crm.plot_tracking(crm.validation, boolean) IS
'SVG tracking chart of one validated model (see crm.plot_tracking(crm.validation[], boolean))';

CREATE FUNCTION crm.plot_frequency(v crm.validation[])
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
WITH series AS (
	SELECT 0::bigint AS ord, 'actual'::text AS label, ($1[1]).frequency_actual AS y
	UNION ALL
	SELECT u.ordinality AS ord, crm.model_label(u.model), u.frequency_expected
	FROM pg_catalog.unnest($1) WITH ORDINALITY AS u
)
SELECT crm.svg_bar_chart('Repeat purchases in the calibration period', ($1[1]).frequency_labels,
	(SELECT pg_catalog.array_agg(series.label ORDER BY series.ord) FROM series),
	(SELECT pg_catalog.array_agg(series.y ORDER BY series.ord) FROM series),
	'repeat purchases', 'customers')
WHERE pg_catalog.cardinality($1) > 0
$$;

COMMENT ON FUNCTION crm.plot_frequency(crm.validation[]) IS
'SVG bar chart of the calibration frequency histogram: customers with 0..6, 7+ repeat purchases, actual and expected by each validated model';

CREATE FUNCTION crm.plot_frequency(v crm.validation)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT crm.plot_frequency(ARRAY[$1]) $$;

COMMENT ON FUNCTION crm.plot_frequency(crm.validation) IS
'SVG frequency histogram of one validated model (see crm.plot_frequency(crm.validation[]))';

CREATE FUNCTION crm.plot_calibration_holdout(v crm.validation[])
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
WITH series AS (
	SELECT 0::bigint AS ord, 'actual'::text AS label, ($1[1]).conditional_actual AS y
	UNION ALL
	SELECT u.ordinality AS ord, crm.model_label(u.model), u.conditional_predicted
	FROM pg_catalog.unnest($1) WITH ORDINALITY AS u
)
SELECT crm.svg_line_chart('Calibration vs holdout purchases',
	ARRAY[0, 1, 2, 3, 4, 5, 6, 7]::float8[],
	(SELECT pg_catalog.array_agg(series.label ORDER BY series.ord) FROM series),
	(SELECT pg_catalog.array_agg(series.y ORDER BY series.ord) FROM series),
	'repeat purchases in the calibration period (7 = 7 or more)',
	'mean repeat purchases in the holdout period')
WHERE pg_catalog.cardinality($1) > 0
$$;

COMMENT ON FUNCTION crm.plot_calibration_holdout(crm.validation[]) IS
'SVG line chart of the conditional expectations: by calibration repeat purchases (0..6, 7+), the mean actual holdout repeat purchases and each validated model''s mean prediction (Fader, Hardie & Lee 2005, figure 4)';

CREATE FUNCTION crm.plot_calibration_holdout(v crm.validation)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT crm.plot_calibration_holdout(ARRAY[$1]) $$;

COMMENT ON FUNCTION crm.plot_calibration_holdout(crm.validation) IS
'SVG conditional expectations chart of one validated model (see crm.plot_calibration_holdout(crm.validation[]))';

-- P(alive) over frequency x recency for customers of age t: polymorphic
-- over the continuous-time models (crm.p_alive(model, x, t_x, t)).
CREATE FUNCTION crm.plot_p_alive_matrix(
	model anyelement,
	t float8,
	max_frequency int DEFAULT 20,
	recency_steps int DEFAULT 30)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- refuse a grid the heat map cannot draw before computing its cells
	IF max_frequency < 0 OR recency_steps < 1 THEN
		RAISE EXCEPTION 'invalid grid for crm.plot_p_alive_matrix'
			USING ERRCODE = '22023',
				  DETAIL = format('max_frequency = %s and recency_steps = %s; max_frequency must be >= 0 and recency_steps >= 1.',
								  max_frequency, recency_steps);
	END IF;
	IF (max_frequency::bigint + 1) * (recency_steps::bigint + 1) > 40000 THEN
		RAISE EXCEPTION 'P(alive) matrix too large'
			USING ERRCODE = '54000',
				  DETAIL = format('%s rows by %s columns is %s cells; a heat map holds at most 40000.',
								  max_frequency::bigint + 1, recency_steps::bigint + 1,
								  (max_frequency::bigint + 1) * (recency_steps::bigint + 1)),
				  HINT = 'Lower max_frequency or recency_steps.';
	END IF;
	RETURN (
WITH cols AS (
	SELECT c.c, $2 * CAST(c.c AS float8) / CAST($4 AS float8) AS r FROM pg_catalog.generate_series(0, $4) AS c(c)
), cells AS (
	-- a customer without repeat purchases has recency 0: other cells of row 0 are empty
	SELECT f.f, cols.c,
		   CASE WHEN f.f = 0 AND cols.c > 0 THEN NULL
				ELSE crm.p_alive($1, f.f::float8, cols.r, $2) END AS p
	FROM pg_catalog.generate_series(0, $3) AS f(f) CROSS JOIN cols
), rows AS (
	SELECT cells.f, pg_catalog.array_agg(cells.p ORDER BY cells.c) AS v FROM cells GROUP BY cells.f
)
SELECT crm.svg_heatmap(
	'Probability alive (' || crm.model_label((SELECT ty.typname::text FROM pg_catalog.pg_type ty
											  WHERE ty.oid = pg_catalog.pg_typeof($1))) || '), age ' || $2::text,
	(SELECT pg_catalog.array_agg(rows.f::text ORDER BY rows.f) FROM rows),
	(SELECT pg_catalog.array_agg(pg_catalog.round(cols.r::numeric, 1)::text ORDER BY cols.c) FROM cols),
	(SELECT pg_catalog.array_agg(rows.v ORDER BY rows.f) FROM rows),
	'recency: time from the first to the last purchase', 'repeat purchases', 'P(alive)', 0, 1));
END
$$;

COMMENT ON FUNCTION crm.plot_p_alive_matrix(anyelement, float8, int, int) IS
'SVG heat map of P(alive) of a crm.bgnbd, crm.mbgnbd or crm.pareto_nbd model for customers of age t: repeat purchases 0..max_frequency (rows) by recency 0..t in recency_steps steps (columns); at most 40000 cells (else 54000)';

CREATE FUNCTION crm.plot_clv_distribution(clv float8[], title text DEFAULT 'Customer lifetime value',
	value_label text DEFAULT 'CLV')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT crm.svg_histogram($2, $1, $3, 'customers', NULL, 0.99) $$;

COMMENT ON FUNCTION crm.plot_clv_distribution(float8[], text, text) IS
'SVG histogram of customer lifetime values (NULLs skipped) with the median and mean marked and the top 1% gathered in the last bar';
