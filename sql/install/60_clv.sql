
-- ===========================================================================
-- 60_clv: customer lifetime value (src/fn_clv.c, src/core/clv.c).
--
-- CLV = present value of the future net revenue a customer brings:
--   margin x E[spend per purchase] x discounted expected purchases.
-- Two methods:
--   * crm.clv_discrete: lifetimes' GammaGammaFitter.customer_lifetime_value,
--     a step sum with end-of-step discounting in the model's own time steps
--     (defaults: 12 steps of 4.345 weeks at 1% per step); for parity.
--   * crm.clv: continuous discounting with explicit units.  time_unit is the
--     model's time unit as a fixed-length interval; horizon an interval or
--     NULL (infinite); months in a horizon are mean Gregorian months
--     (365.2425/12 days) -- never PostgreSQL's 30-day interval arithmetic;
--     the effective annual discount rate becomes the continuous rate
--     delta = ln(1 + rate) x unit_days / 365.2425 per time unit.  Finite
--     horizon: integral of e^(-delta t) dE[Y(t)] (by parts, adaptive
--     Gauss-Kronrod, ~1e-11 relative); infinite: the model's DERT (Pareto/NBD:
--     Fader, Hardie & Lee 2005 with the Tricomi U function; BG/BB: Fader,
--     Hardie & Shang 2010; BG/NBD and MBG/NBD: numerical integration of the
--     Beta mixture, no closed form).  BG/BB is discrete: (1 + rate)^(period
--     length / year) per period.
-- ===========================================================================

CREATE FUNCTION crm.discount_rate_per_unit(annual_discount_rate float8, time_unit interval)
RETURNS float8
AS 'MODULE_PATHNAME', 'discount_rate_per_unit'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.discount_rate_per_unit(float8, interval) IS
'continuous discount rate per time unit from an effective annual rate: ln(1 + annual_discount_rate) x days(time_unit)/365.2425 (time_unit fixed-length; the continuous_rate argument of crm.dert)';

CREATE FUNCTION crm.clv_discrete(purchase_model crm.pareto_nbd, spend_model crm.gamma_gamma,
	frequency float8, recency float8, t float8, monetary float8,
	steps int DEFAULT 12, step_length float8 DEFAULT 4.345, rate_per_step float8 DEFAULT 0.01)
RETURNS float8
AS 'MODULE_PATHNAME', 'clv_discrete_pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.clv_discrete(crm.pareto_nbd, crm.gamma_gamma, float8, float8, float8, float8, int, float8, float8) IS
'lifetimes'' customer_lifetime_value with the Pareto/NBD purchase model: sum over k = 1..steps of E[spend] x (E[Y(k f)] - E[Y((k-1) f)]) / (1 + rate_per_step)^k, f = step_length model time units; E[spend] from the Gamma-Gamma model (population mean when frequency = 0); customer: frequency, recency, age t in the model''s time unit; no margin; defaults = lifetimes'' 12 steps of 4.345 weeks at 1% per step';

CREATE FUNCTION crm.clv(purchase_model crm.pareto_nbd, spend_model crm.gamma_gamma,
	frequency float8, recency float8, t float8, monetary float8,
	time_unit interval, horizon interval DEFAULT NULL,
	annual_discount_rate float8 DEFAULT 0.10, margin float8 DEFAULT 1)
RETURNS float8
AS 'MODULE_PATHNAME', 'clv_pareto_nbd'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.clv(crm.pareto_nbd, crm.gamma_gamma, float8, float8, float8, float8, interval, interval, float8, float8) IS
'customer lifetime value with the Pareto/NBD purchase model and Gamma-Gamma spend: margin x E[spend] x discounted expected purchases over horizon (NULL = infinite); time_unit = the model''s time unit as a fixed interval (''7 days'' for weekly data; months refused); horizon may use months/years (mean Gregorian month 365.2425/12 days); annual_discount_rate effective per year, converted to ln(1 + rate) x unit_days/365.2425 per unit; margin <= 1 (fraction of revenue); NULL in any other argument gives NULL';

CREATE FUNCTION crm.discounted_purchases(model crm.pareto_nbd,
	frequency float8, recency float8, t float8,
	time_unit interval, horizon interval DEFAULT NULL, annual_discount_rate float8 DEFAULT 0.10)
RETURNS float8
AS 'MODULE_PATHNAME', 'discounted_purchases_pareto_nbd'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.discounted_purchases(crm.pareto_nbd, float8, float8, float8, interval, interval, float8) IS
'Pareto/NBD discounted expected future purchases of a customer over horizon (NULL = infinite: the model''s DERT, closed form); finite: e^(-dH) E[Y(H)] + d x integral of e^(-dt) E[Y(t)] dt (adaptive Gauss-Kronrod); units as in crm.clv; NULL in any other argument gives NULL';

CREATE FUNCTION crm.clv_discrete(purchase_model crm.bgbb, spend_model crm.gamma_gamma,
	frequency float8, recency float8, t float8, monetary float8,
	steps int DEFAULT 12, step_length float8 DEFAULT 4.345, rate_per_step float8 DEFAULT 0.01)
RETURNS float8
AS 'MODULE_PATHNAME', 'clv_discrete_bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.clv_discrete(crm.bgbb, crm.gamma_gamma, float8, float8, float8, float8, int, float8, float8) IS
'lifetimes'' customer_lifetime_value with the BG/BB purchase model: sum over k = 1..steps of E[spend] x (E[Y(k f)] - E[Y((k-1) f)]) / (1 + rate_per_step)^k, f = step_length model time units (whole periods); E[spend] from the Gamma-Gamma model (population mean when frequency = 0); customer: frequency = periods with a repeat transaction, recency = the last such period, t = n, the number of opportunities (whole numbers); no margin; defaults = lifetimes'' 12 steps of 4.345 weeks at 1% per step';

CREATE FUNCTION crm.clv(purchase_model crm.bgbb, spend_model crm.gamma_gamma,
	frequency float8, recency float8, t float8, monetary float8,
	time_unit interval, horizon interval DEFAULT NULL,
	annual_discount_rate float8 DEFAULT 0.10, margin float8 DEFAULT 1)
RETURNS float8
AS 'MODULE_PATHNAME', 'clv_bgbb'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.clv(crm.bgbb, crm.gamma_gamma, float8, float8, float8, float8, interval, interval, float8, float8) IS
'customer lifetime value with the BG/BB purchase model and Gamma-Gamma spend: margin x E[spend] x discounted expected purchases over horizon (NULL = infinite); time_unit = the model''s time unit as a fixed interval (''7 days'' for weekly data; months refused); horizon may use months/years (mean Gregorian month 365.2425/12 days); annual_discount_rate effective per year, converted to ln(1 + rate) x unit_days/365.2425 per unit; margin <= 1 (fraction of revenue); NULL in any other argument gives NULL';

CREATE FUNCTION crm.discounted_purchases(model crm.bgbb,
	frequency float8, recency float8, t float8,
	time_unit interval, horizon interval DEFAULT NULL, annual_discount_rate float8 DEFAULT 0.10)
RETURNS float8
AS 'MODULE_PATHNAME', 'discounted_purchases_bgbb'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.discounted_purchases(crm.bgbb, float8, float8, float8, interval, interval, float8) IS
'BG/BB discounted expected future purchases of a customer over horizon (NULL = infinite: the model''s DERT, closed form); discrete periods: a purchase in period n + k is discounted by (1 + annual rate)^(-k x period/year), the horizon rounded down to whole periods; units as in crm.clv; NULL in any other argument gives NULL';


CREATE FUNCTION crm.clv_discrete(purchase_model crm.bgnbd, spend_model crm.gamma_gamma,
	frequency float8, recency float8, t float8, monetary float8,
	steps int DEFAULT 12, step_length float8 DEFAULT 4.345, rate_per_step float8 DEFAULT 0.01)
RETURNS float8
AS 'MODULE_PATHNAME', 'clv_discrete_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.clv_discrete(crm.bgnbd, crm.gamma_gamma, float8, float8, float8, float8, int, float8, float8) IS
'lifetimes'' customer_lifetime_value with the BG/NBD purchase model: sum over k = 1..steps of E[spend] x (E[Y(k f)] - E[Y((k-1) f)]) / (1 + rate_per_step)^k, f = step_length model time units; E[spend] from the Gamma-Gamma model (population mean when frequency = 0); customer: frequency, recency, age t in the model''s time unit; no margin; defaults = lifetimes'' 12 steps of 4.345 weeks at 1% per step';

CREATE FUNCTION crm.clv(purchase_model crm.bgnbd, spend_model crm.gamma_gamma,
	frequency float8, recency float8, t float8, monetary float8,
	time_unit interval, horizon interval DEFAULT NULL,
	annual_discount_rate float8 DEFAULT 0.10, margin float8 DEFAULT 1)
RETURNS float8
AS 'MODULE_PATHNAME', 'clv_bgnbd'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.clv(crm.bgnbd, crm.gamma_gamma, float8, float8, float8, float8, interval, interval, float8, float8) IS
'customer lifetime value with the BG/NBD purchase model and Gamma-Gamma spend: margin x E[spend] x discounted expected purchases over horizon (NULL = infinite); time_unit = the model''s time unit as a fixed interval (''7 days'' for weekly data; months refused); horizon may use months/years (mean Gregorian month 365.2425/12 days); annual_discount_rate effective per year, converted to ln(1 + rate) x unit_days/365.2425 per unit; margin <= 1 (fraction of revenue); NULL in any other argument gives NULL';

CREATE FUNCTION crm.discounted_purchases(model crm.bgnbd,
	frequency float8, recency float8, t float8,
	time_unit interval, horizon interval DEFAULT NULL, annual_discount_rate float8 DEFAULT 0.10)
RETURNS float8
AS 'MODULE_PATHNAME', 'discounted_purchases_bgnbd'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.discounted_purchases(crm.bgnbd, float8, float8, float8, interval, interval, float8) IS
'BG/NBD discounted expected future purchases of a customer over horizon (NULL = infinite: the model''s DERT, by numerical integration) ; finite: e^(-dH) E[Y(H)] + d x integral of e^(-dt) E[Y(t)] dt (adaptive Gauss-Kronrod); units as in crm.clv; NULL in any other argument gives NULL';

CREATE FUNCTION crm.clv_discrete(purchase_model crm.mbgnbd, spend_model crm.gamma_gamma,
	frequency float8, recency float8, t float8, monetary float8,
	steps int DEFAULT 12, step_length float8 DEFAULT 4.345, rate_per_step float8 DEFAULT 0.01)
RETURNS float8
AS 'MODULE_PATHNAME', 'clv_discrete_mbgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.clv_discrete(crm.mbgnbd, crm.gamma_gamma, float8, float8, float8, float8, int, float8, float8) IS
'lifetimes'' customer_lifetime_value with the MBG/NBD purchase model: sum over k = 1..steps of E[spend] x (E[Y(k f)] - E[Y((k-1) f)]) / (1 + rate_per_step)^k, f = step_length model time units; E[spend] from the Gamma-Gamma model (population mean when frequency = 0); customer: frequency, recency, age t in the model''s time unit; no margin; defaults = lifetimes'' 12 steps of 4.345 weeks at 1% per step';

CREATE FUNCTION crm.clv(purchase_model crm.mbgnbd, spend_model crm.gamma_gamma,
	frequency float8, recency float8, t float8, monetary float8,
	time_unit interval, horizon interval DEFAULT NULL,
	annual_discount_rate float8 DEFAULT 0.10, margin float8 DEFAULT 1)
RETURNS float8
AS 'MODULE_PATHNAME', 'clv_mbgnbd'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.clv(crm.mbgnbd, crm.gamma_gamma, float8, float8, float8, float8, interval, interval, float8, float8) IS
'customer lifetime value with the MBG/NBD purchase model and Gamma-Gamma spend: margin x E[spend] x discounted expected purchases over horizon (NULL = infinite); time_unit = the model''s time unit as a fixed interval (''7 days'' for weekly data; months refused); horizon may use months/years (mean Gregorian month 365.2425/12 days); annual_discount_rate effective per year, converted to ln(1 + rate) x unit_days/365.2425 per unit; margin <= 1 (fraction of revenue); NULL in any other argument gives NULL';

CREATE FUNCTION crm.discounted_purchases(model crm.mbgnbd,
	frequency float8, recency float8, t float8,
	time_unit interval, horizon interval DEFAULT NULL, annual_discount_rate float8 DEFAULT 0.10)
RETURNS float8
AS 'MODULE_PATHNAME', 'discounted_purchases_mbgnbd'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.discounted_purchases(crm.mbgnbd, float8, float8, float8, interval, interval, float8) IS
'MBG/NBD discounted expected future purchases of a customer over horizon (NULL = infinite: the model''s DERT, by numerical integration) ; finite: e^(-dH) E[Y(H)] + d x integral of e^(-dt) E[Y(t)] dt (adaptive Gauss-Kronrod); units as in crm.clv; NULL in any other argument gives NULL';


CREATE FUNCTION crm.interval_days(i interval)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CAST((pg_catalog.date_part('year', $1) * 12 + pg_catalog.date_part('month', $1)) * (365.2425 / 12)
			+ pg_catalog.date_part('day', $1)
			+ (pg_catalog.date_part('hour', $1) * 3600 + pg_catalog.date_part('minute', $1) * 60
			   + pg_catalog.date_part('second', $1)) / 86400 AS float8)
$$;

COMMENT ON FUNCTION crm.interval_days(interval) IS
'length of an interval in days with months of 365.2425/12 days (the mean Gregorian month; PostgreSQL''s own interval arithmetic uses 30-day months and extract(epoch) 365.25/12)';

CREATE AGGREGATE crm.customer_equity(clv float8) (
	SFUNC = pg_catalog.float8pl,
	STYPE = float8,
	COMBINEFUNC = pg_catalog.float8pl,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.customer_equity(float8) IS
'customer equity: the sum of the customers'' CLV over a customer base (NULLs skipped; NULL when there is none); use with GROUP BY segment, stage, channel or cohort';
