
-- ---------------------------------------------------------------------------
-- RFM summaries: crm.rfm_summary and crm.rfm_calibration_holdout
--
--   crm.rfm_summary(occurred_at timestamptz, amount numeric,
--                   observation_end timestamptz [, bucket interval [, unit interval]])
--     -> crm.rfm, one per group (GROUP BY customer)
--   crm.rfm_calibration_holdout(occurred_at, amount, calibration_end,
--                               observation_end [, bucket [, unit]])
--     -> crm.rfm_holdout
--
-- This is lifetimes' summary_data_from_transaction_data(freq, freq_multiplier)
-- and calibration_and_holdout_data: bucket '1 day', unit '7 days' is
-- freq='D', freq_multiplier=7; bucket = unit = '7 days' is freq='W'.
--
-- Buckets.  A row's bucket comes from its local wall-clock time in the
-- session TimeZone, like date_trunc on timestamptz; that is why the
-- transition functions are STABLE.  Across a daylight saving change a day
-- bucket still runs from local midnight to local midnight (23 or 25 hours),
-- and the repeated local hour of a fall-back night is one '1 hour' bucket.
--   * fixed-length buckets ('1 day', '7 days', '1 hour', '90 minutes') are
--     aligned to Monday 2000-01-03 00:00 local time, as
--     date_bin(bucket, occurred_at AT TIME ZONE <session zone>, '2000-01-03');
--     so '7 days' buckets are ISO weeks Monday..Sunday (pandas 'W' = 'W-SUN');
--   * buckets in whole months are calendar months counted from January 2000:
--     '1 mon' months, '3 mons' quarters (Jan, Apr, Jul, Oct), '1 year' years;
--   * an interval mixing months with days or time is not supported (0A000);
--     zero, negative, infinite or NULL buckets and units are errors (22023).
-- Default bucket '1 day'; default unit = bucket.  recency and t are the
-- times between bucket starts divided by the unit.  A unit in months needs
-- a bucket in months (0A000: a month has no fixed length, so '1 day' buckets
-- cannot be measured in months; measure in '30 days' if that is meant).  A
-- month bucket measured in a fixed unit uses the real calendar length.
--
-- The cut.  Rows whose bucket is after the bucket of observation_end are
-- ignored: the cut is at bucket granularity, as in lifetimes (which floors
-- observation_period_end to its period), so with '7 days' buckets and
-- observation_end on a Tuesday the rest of that week is kept.  For
-- calibration/holdout, buckets up to the bucket of calibration_end are the
-- calibration period and the later ones up to the bucket of observation_end
-- the holdout.
--
-- Rows.  A row with NULL occurred_at or NULL amount is skipped (as sum()
-- skips NULLs).  amount < 0 is a refund: it makes no purchase bucket and is
-- not in monetary (lifetimes' gross repeat spend); refunds are reported in
-- n_refunds, refund_amount and the net revenue.  amount = 0 is a purchase.
-- NaN or infinite amounts and infinite occurred_at are errors (22023);
-- amounts must be below 10^18 in absolute value with at most 12 non-zero
-- fractional digits (22003): they are summed exactly, so the results do not
-- depend on the order of the rows or on how a parallel plan splits them.
-- Over crm.interactions, keep the rows that carry money, e.g.
--   SELECT customer_id, crm.rfm_summary(occurred_at, amount, now())
--            FILTER (WHERE kind IN ('purchase', 'refund'))
--   FROM crm.interactions GROUP BY customer_id;
-- (other kinds may have amount 0, which would count as a purchase).
--
-- NULL results.  crm.rfm_summary returns NULL for a group without a
-- purchase up to the end (no rows, only rows after the end, only refunds).
-- crm.rfm_calibration_holdout returns NULL for a customer whose first
-- purchase is after calibration_end: such customers are not part of the
-- calibration (lifetimes leaves them out too).
--
-- Parameters.  observation_end, calibration_end, bucket and unit may differ
-- between groups but must be the same for all rows of a group; otherwise,
-- and when partial states built with different parameters are combined,
-- the aggregate raises 22023.  observation_end NULL is an error even for
-- rows that are skipped.
--
-- Holdout figures.  frequency_holdout counts the distinct holdout buckets
-- with a purchase; monetary_value_holdout is the mean of those buckets'
-- summed purchases (lifetimes averages single holdout rows instead, unlike
-- its calibration monetary value; here both use bucket sums);
-- duration_holdout is from the calibration_end bucket to the
-- observation_end bucket, in units.
-- ---------------------------------------------------------------------------

CREATE TYPE crm.rfm AS (
	frequency integer,
	recency double precision,
	t double precision,
	monetary double precision,
	first_at timestamptz,
	last_at timestamptz,
	n_interactions bigint,
	n_refunds bigint,
	refund_amount numeric,
	revenue numeric
);

COMMENT ON TYPE crm.rfm IS
'RFM summary of one customer (result of crm.rfm_summary), as lifetimes'' summary_data_from_transaction_data';
COMMENT ON COLUMN crm.rfm.frequency IS
'number of distinct buckets with a purchase, minus one (repeat purchase periods)';
COMMENT ON COLUMN crm.rfm.recency IS
'time from the first to the last purchase bucket, in units';
COMMENT ON COLUMN crm.rfm.t IS
'customer age: time from the first purchase bucket to the bucket of observation_end, in units';
COMMENT ON COLUMN crm.rfm.monetary IS
'mean over the repeat buckets of each bucket''s summed purchases (first bucket excluded; 0 when frequency = 0)';
COMMENT ON COLUMN crm.rfm.first_at IS
'time of the first purchase (not a refund) up to the end';
COMMENT ON COLUMN crm.rfm.last_at IS
'time of the last purchase (not a refund) up to the end';
COMMENT ON COLUMN crm.rfm.n_interactions IS
'rows counted up to the end: purchases and refunds (rows with a NULL time or amount are skipped)';
COMMENT ON COLUMN crm.rfm.n_refunds IS
'rows with amount < 0 up to the end';
COMMENT ON COLUMN crm.rfm.refund_amount IS
'total refunded up to the end, as a positive number (exact)';
COMMENT ON COLUMN crm.rfm.revenue IS
'net revenue up to the end: purchases minus refunds (exact; scale = largest input scale, at most 12)';

CREATE TYPE crm.rfm_holdout AS (
	frequency_cal integer,
	recency_cal double precision,
	t_cal double precision,
	monetary_value_cal double precision,
	frequency_holdout integer,
	duration_holdout double precision,
	monetary_value_holdout double precision
);

COMMENT ON TYPE crm.rfm_holdout IS
'calibration summary and holdout figures of one customer (result of crm.rfm_calibration_holdout), as lifetimes'' calibration_and_holdout_data';
COMMENT ON COLUMN crm.rfm_holdout.frequency_cal IS
'distinct purchase buckets up to calibration_end, minus one';
COMMENT ON COLUMN crm.rfm_holdout.recency_cal IS
'first to last purchase bucket of the calibration period, in units';
COMMENT ON COLUMN crm.rfm_holdout.t_cal IS
'first purchase bucket to the bucket of calibration_end, in units';
COMMENT ON COLUMN crm.rfm_holdout.monetary_value_cal IS
'mean summed purchases of the repeat buckets of the calibration period (0 when frequency_cal = 0)';
COMMENT ON COLUMN crm.rfm_holdout.frequency_holdout IS
'distinct purchase buckets after the calibration_end bucket, up to the observation_end bucket';
COMMENT ON COLUMN crm.rfm_holdout.duration_holdout IS
'bucket of calibration_end to bucket of observation_end, in units';
COMMENT ON COLUMN crm.rfm_holdout.monetary_value_holdout IS
'mean summed purchases of the holdout buckets (0 when there are none); lifetimes averages single rows instead';

-- Transition functions: STABLE because buckets follow the session TimeZone.
-- Not STRICT: rows with NULLs are skipped inside, and the first call makes
-- the state.
CREATE FUNCTION crm.rfm_summary_sfunc(internal, timestamptz, numeric, timestamptz)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_summary_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION crm.rfm_summary_sfunc(internal, timestamptz, numeric, timestamptz, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_summary_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION crm.rfm_summary_sfunc(internal, timestamptz, numeric, timestamptz, interval, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_summary_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION crm.rfm_summary_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_summary_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.rfm_summary_serial(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'rfm_summary_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION crm.rfm_summary_deserial(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_summary_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION crm.rfm_summary_final(internal)
RETURNS crm.rfm
AS 'MODULE_PATHNAME', 'rfm_summary_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.rfm_summary_sfunc(internal, timestamptz, numeric, timestamptz) IS
'transition function of crm.rfm_summary(occurred_at, amount, observation_end)';
COMMENT ON FUNCTION crm.rfm_summary_sfunc(internal, timestamptz, numeric, timestamptz, interval) IS
'transition function of crm.rfm_summary(occurred_at, amount, observation_end, bucket)';
COMMENT ON FUNCTION crm.rfm_summary_sfunc(internal, timestamptz, numeric, timestamptz, interval, interval) IS
'transition function of crm.rfm_summary(occurred_at, amount, observation_end, bucket, unit)';
COMMENT ON FUNCTION crm.rfm_summary_combine(internal, internal) IS
'combine function of crm.rfm_summary (merges partial states of one customer)';
COMMENT ON FUNCTION crm.rfm_summary_serial(internal) IS
'serialization function of crm.rfm_summary (versioned little-endian bytes)';
COMMENT ON FUNCTION crm.rfm_summary_deserial(bytea, internal) IS
'deserialization function of crm.rfm_summary (checks every length and count)';
COMMENT ON FUNCTION crm.rfm_summary_final(internal) IS
'final function of crm.rfm_summary: the crm.rfm row, NULL without a purchase up to the end';

-- SSPACE: the state is one 232-byte allocation (a 256-byte chunk) unless a
-- customer has more than 4 distinct buckets.
CREATE AGGREGATE crm.rfm_summary(occurred_at timestamptz, amount numeric, observation_end timestamptz) (
	SFUNC = crm.rfm_summary_sfunc,
	STYPE = internal,
	SSPACE = 256,
	FINALFUNC = crm.rfm_summary_final,
	COMBINEFUNC = crm.rfm_summary_combine,
	SERIALFUNC = crm.rfm_summary_serial,
	DESERIALFUNC = crm.rfm_summary_deserial,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.rfm_summary(occurred_at timestamptz, amount numeric, observation_end timestamptz,
								 bucket interval) (
	SFUNC = crm.rfm_summary_sfunc,
	STYPE = internal,
	SSPACE = 256,
	FINALFUNC = crm.rfm_summary_final,
	COMBINEFUNC = crm.rfm_summary_combine,
	SERIALFUNC = crm.rfm_summary_serial,
	DESERIALFUNC = crm.rfm_summary_deserial,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.rfm_summary(occurred_at timestamptz, amount numeric, observation_end timestamptz,
								 bucket interval, unit interval) (
	SFUNC = crm.rfm_summary_sfunc,
	STYPE = internal,
	SSPACE = 256,
	FINALFUNC = crm.rfm_summary_final,
	COMBINEFUNC = crm.rfm_summary_combine,
	SERIALFUNC = crm.rfm_summary_serial,
	DESERIALFUNC = crm.rfm_summary_deserial,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.rfm_summary(timestamptz, numeric, timestamptz) IS
'RFM summary of a customer''s transactions up to observation_end, daily buckets measured in days; NULL without a purchase up to the end';
COMMENT ON AGGREGATE crm.rfm_summary(timestamptz, numeric, timestamptz, interval) IS
'RFM summary of a customer''s transactions up to observation_end in the given buckets, measured in buckets';
COMMENT ON AGGREGATE crm.rfm_summary(timestamptz, numeric, timestamptz, interval, interval) IS
'RFM summary of a customer''s transactions up to observation_end in the given buckets, measured in the given unit (''1 day'', ''7 days'' = lifetimes freq=''D'', freq_multiplier=7)';

CREATE FUNCTION crm.rfm_calibration_holdout_sfunc(internal, timestamptz, numeric, timestamptz, timestamptz)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_calibration_holdout_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION crm.rfm_calibration_holdout_sfunc(internal, timestamptz, numeric, timestamptz, timestamptz,
												  interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_calibration_holdout_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION crm.rfm_calibration_holdout_sfunc(internal, timestamptz, numeric, timestamptz, timestamptz,
												  interval, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_calibration_holdout_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION crm.rfm_calibration_holdout_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_calibration_holdout_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.rfm_calibration_holdout_serial(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'rfm_calibration_holdout_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION crm.rfm_calibration_holdout_deserial(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'rfm_calibration_holdout_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION crm.rfm_calibration_holdout_final(internal)
RETURNS crm.rfm_holdout
AS 'MODULE_PATHNAME', 'rfm_calibration_holdout_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.rfm_calibration_holdout_sfunc(internal, timestamptz, numeric, timestamptz, timestamptz) IS
'transition function of crm.rfm_calibration_holdout(occurred_at, amount, calibration_end, observation_end)';
COMMENT ON FUNCTION crm.rfm_calibration_holdout_sfunc(internal, timestamptz, numeric, timestamptz, timestamptz, interval) IS
'transition function of crm.rfm_calibration_holdout(occurred_at, amount, calibration_end, observation_end, bucket)';
COMMENT ON FUNCTION crm.rfm_calibration_holdout_sfunc(internal, timestamptz, numeric, timestamptz, timestamptz, interval, interval) IS
'transition function of crm.rfm_calibration_holdout(occurred_at, amount, calibration_end, observation_end, bucket, unit)';
COMMENT ON FUNCTION crm.rfm_calibration_holdout_combine(internal, internal) IS
'combine function of crm.rfm_calibration_holdout (merges partial states of one customer)';
COMMENT ON FUNCTION crm.rfm_calibration_holdout_serial(internal) IS
'serialization function of crm.rfm_calibration_holdout (versioned little-endian bytes)';
COMMENT ON FUNCTION crm.rfm_calibration_holdout_deserial(bytea, internal) IS
'deserialization function of crm.rfm_calibration_holdout (checks every length and count)';
COMMENT ON FUNCTION crm.rfm_calibration_holdout_final(internal) IS
'final function of crm.rfm_calibration_holdout: the crm.rfm_holdout row, NULL when the first purchase is after calibration_end';

CREATE AGGREGATE crm.rfm_calibration_holdout(occurred_at timestamptz, amount numeric,
											 calibration_end timestamptz, observation_end timestamptz) (
	SFUNC = crm.rfm_calibration_holdout_sfunc,
	STYPE = internal,
	SSPACE = 256,
	FINALFUNC = crm.rfm_calibration_holdout_final,
	COMBINEFUNC = crm.rfm_calibration_holdout_combine,
	SERIALFUNC = crm.rfm_calibration_holdout_serial,
	DESERIALFUNC = crm.rfm_calibration_holdout_deserial,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.rfm_calibration_holdout(occurred_at timestamptz, amount numeric,
											 calibration_end timestamptz, observation_end timestamptz,
											 bucket interval) (
	SFUNC = crm.rfm_calibration_holdout_sfunc,
	STYPE = internal,
	SSPACE = 256,
	FINALFUNC = crm.rfm_calibration_holdout_final,
	COMBINEFUNC = crm.rfm_calibration_holdout_combine,
	SERIALFUNC = crm.rfm_calibration_holdout_serial,
	DESERIALFUNC = crm.rfm_calibration_holdout_deserial,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.rfm_calibration_holdout(occurred_at timestamptz, amount numeric,
											 calibration_end timestamptz, observation_end timestamptz,
											 bucket interval, unit interval) (
	SFUNC = crm.rfm_calibration_holdout_sfunc,
	STYPE = internal,
	SSPACE = 256,
	FINALFUNC = crm.rfm_calibration_holdout_final,
	COMBINEFUNC = crm.rfm_calibration_holdout_combine,
	SERIALFUNC = crm.rfm_calibration_holdout_serial,
	DESERIALFUNC = crm.rfm_calibration_holdout_deserial,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.rfm_calibration_holdout(timestamptz, numeric, timestamptz, timestamptz) IS
'calibration summary up to calibration_end and holdout figures up to observation_end, daily buckets in days; NULL when the first purchase is after calibration_end';
COMMENT ON AGGREGATE crm.rfm_calibration_holdout(timestamptz, numeric, timestamptz, timestamptz, interval) IS
'calibration summary and holdout figures in the given buckets, measured in buckets';
COMMENT ON AGGREGATE crm.rfm_calibration_holdout(timestamptz, numeric, timestamptz, timestamptz, interval, interval) IS
'calibration summary and holdout figures in the given buckets, measured in the given unit';
