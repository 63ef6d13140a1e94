
-- ---------------------------------------------------------------------------
-- BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel &
-- Filiztekin 2007) models of non-contractual purchasing: while alive a
-- customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase
-- (MBG/NBD: also at the first purchase) he drops out with probability
-- p ~ Beta(a, b).  Data: frequency (repeat purchases), recency (time of the
-- last purchase since the first) and t (age: time since the first purchase),
-- all in one time unit (weeks for CDNOW); horizons use the same unit.
-- src/fn_bgnbd.c, src/core/bgnbd.c.
-- ---------------------------------------------------------------------------

CREATE TYPE crm.bgnbd AS (
	r float8,
	alpha float8,
	a float8,
	b float8,
	loglik float8,
	n_customers float8,
	iterations int,
	converged boolean
);

COMMENT ON TYPE crm.bgnbd IS
'BG/NBD purchase model: purchase rate ~ Gamma(r, alpha), dropout probability (after each purchase) ~ Beta(a, b); made by crm.bgnbd(r, alpha, a, b) or crm.fit_bgnbd(...)';
COMMENT ON COLUMN crm.bgnbd.r IS 'Gamma shape r (> 0) of the purchase rate';
COMMENT ON COLUMN crm.bgnbd.alpha IS 'Gamma rate alpha (> 0, in time units) of the purchase rate';
COMMENT ON COLUMN crm.bgnbd.a IS 'Beta shape a (> 0) of the dropout probability';
COMMENT ON COLUMN crm.bgnbd.b IS 'Beta shape b (> 0) of the dropout probability';
COMMENT ON COLUMN crm.bgnbd.loglik IS 'total log-likelihood of the fitted data (NULL when not fitted)';
COMMENT ON COLUMN crm.bgnbd.n_customers IS 'sum of the weights of the fitted customers (NULL when not fitted)';
COMMENT ON COLUMN crm.bgnbd.iterations IS 'likelihood evaluations the optimizer used (NULL when not fitted)';
COMMENT ON COLUMN crm.bgnbd.converged IS 'whether the optimizer met its tolerance (NULL when not fitted)';

CREATE FUNCTION crm.bgnbd(r float8, alpha float8, a float8, b float8)
RETURNS crm.bgnbd
AS 'MODULE_PATHNAME', 'bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.bgnbd(float8, float8, float8, float8) IS
'a BG/NBD model from its parameters r, alpha, a, b (finite, > 0); the fit fields are NULL';

-- fit: one row per customer (or per group of identical customers, with a weight)
CREATE FUNCTION crm.fit_bgnbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_bgnbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_bgnbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_bgnbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_bgnbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8, penalizer float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_bgnbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_bgnbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8, penalizer float8, start float8[])
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_bgnbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_bgnbd_final(crm.fit_state)
RETURNS crm.bgnbd
AS 'MODULE_PATHNAME', 'fit_bgnbd_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.fit_bgnbd_sfunc(crm.fit_state, float8, float8, float8) IS
'transition function of crm.fit_bgnbd(frequency, recency, t)';
COMMENT ON FUNCTION crm.fit_bgnbd_sfunc(crm.fit_state, float8, float8, float8, float8) IS
'transition function of crm.fit_bgnbd(frequency, recency, t, weight)';
COMMENT ON FUNCTION crm.fit_bgnbd_sfunc(crm.fit_state, float8, float8, float8, float8, float8) IS
'transition function of crm.fit_bgnbd(frequency, recency, t, weight, penalizer)';
COMMENT ON FUNCTION crm.fit_bgnbd_sfunc(crm.fit_state, float8, float8, float8, float8, float8, float8[]) IS
'transition function of crm.fit_bgnbd(frequency, recency, t, weight, penalizer, start)';
COMMENT ON FUNCTION crm.fit_bgnbd_final(crm.fit_state) IS
'final function of crm.fit_bgnbd: maximum-likelihood fit of the accumulated data';

CREATE AGGREGATE crm.fit_bgnbd(frequency float8, recency float8, t float8) (
	SFUNC = crm.fit_bgnbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_bgnbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_bgnbd(frequency float8, recency float8, t float8,
	weight float8) (
	SFUNC = crm.fit_bgnbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_bgnbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_bgnbd(frequency float8, recency float8, t float8,
	weight float8, penalizer float8) (
	SFUNC = crm.fit_bgnbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_bgnbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_bgnbd(frequency float8, recency float8, t float8,
	weight float8, penalizer float8, start float8[]) (
	SFUNC = crm.fit_bgnbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_bgnbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.fit_bgnbd(float8, float8, float8) IS
'fit the BG/NBD model by maximum likelihood; one row per customer: frequency = repeat purchases (whole number >= 0), recency = time of the last purchase since the first (0 when frequency = 0), t = age (time since the first purchase, >= recency); NULL rows skipped, no rows -> NULL; needs at least one repeat purchase';
COMMENT ON AGGREGATE crm.fit_bgnbd(float8, float8, float8, float8) IS
'fit the BG/NBD model; weight (> 0, NULL skips the row) counts identical customers';
COMMENT ON AGGREGATE crm.fit_bgnbd(float8, float8, float8, float8, float8) IS
'fit the BG/NBD model with an L2 penalizer (maximise loglik/N - penalizer * (r^2 + alpha^2 + a^2 + b^2); NULL = 0), the same in every row';
COMMENT ON AGGREGATE crm.fit_bgnbd(float8, float8, float8, float8, float8, float8[]) IS
'fit the BG/NBD model from the starting point start = ARRAY[r, alpha, a, b] (NULL = automatic), the same in every row';

-- predictions
CREATE FUNCTION crm.p_alive(model crm.bgnbd, frequency float8, recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive(crm.bgnbd, float8, float8, float8) IS
'BG/NBD probability that a customer with this history (frequency, recency, age t) is still alive at t; a customer with no repeat purchase is alive for sure';

CREATE FUNCTION crm.p_alive_future(model crm.bgnbd, frequency float8, recency float8,
	t float8, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_future_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive_future(crm.bgnbd, float8, float8, float8, float8) IS
'BG/NBD probability that the customer is alive at t + horizon if no purchase is seen until then: P(alive | frequency, recency, t + horizon), horizon >= 0';

CREATE FUNCTION crm.expected_purchases(model crm.bgnbd, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'expected_purchases_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.expected_purchases(crm.bgnbd, float8) IS
'BG/NBD expected number of repeat purchases of a new customer in (0, horizon]';

CREATE FUNCTION crm.conditional_expected_purchases(model crm.bgnbd, horizon float8,
	frequency float8, recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'conditional_expected_purchases_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.conditional_expected_purchases(crm.bgnbd, float8, float8, float8, float8) IS
'BG/NBD expected number of purchases in (t, t + horizon] of a customer with this history (frequency, recency, age t); accurate for a near 1 and frequencies in the thousands';

CREATE FUNCTION crm.prob_purchases(model crm.bgnbd, n int, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'prob_purchases_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.prob_purchases(crm.bgnbd, int, float8) IS
'BG/NBD probability that a new customer makes exactly n (>= 0) repeat purchases in (0, horizon]';

CREATE FUNCTION crm.dert(model crm.bgnbd, continuous_rate float8, frequency float8,
	recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'dert_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.dert(crm.bgnbd, float8, float8, float8, float8) IS
'BG/NBD discounted expected residual transactions of a customer with this history, at a continuous discount rate per time unit (> 0, e.g. ln(1.15)/52 for 15% a year with weekly data): the integral of exp(-rate * s) dE[purchases in (t, t + s]]; multiply by margin x spend for a CLV';

-- MBG/NBD: as BG/NBD, but a customer may also drop out at his first purchase,
-- so P(alive) < 1 even without repeat purchases.

CREATE TYPE crm.mbgnbd AS (
	r float8,
	alpha float8,
	a float8,
	b float8,
	loglik float8,
	n_customers float8,
	iterations int,
	converged boolean
);

COMMENT ON TYPE crm.mbgnbd IS
'MBG/NBD purchase model: purchase rate ~ Gamma(r, alpha), dropout probability (at the first and after each purchase) ~ Beta(a, b); made by crm.mbgnbd(r, alpha, a, b) or crm.fit_mbgnbd(...)';
COMMENT ON COLUMN crm.mbgnbd.r IS 'Gamma shape r (> 0) of the purchase rate';
COMMENT ON COLUMN crm.mbgnbd.alpha IS 'Gamma rate alpha (> 0, in time units) of the purchase rate';
COMMENT ON COLUMN crm.mbgnbd.a IS 'Beta shape a (> 0) of the dropout probability';
COMMENT ON COLUMN crm.mbgnbd.b IS 'Beta shape b (> 0) of the dropout probability';
COMMENT ON COLUMN crm.mbgnbd.loglik IS 'total log-likelihood of the fitted data (NULL when not fitted)';
COMMENT ON COLUMN crm.mbgnbd.n_customers IS 'sum of the weights of the fitted customers (NULL when not fitted)';
COMMENT ON COLUMN crm.mbgnbd.iterations IS 'likelihood evaluations the optimizer used (NULL when not fitted)';
COMMENT ON COLUMN crm.mbgnbd.converged IS 'whether the optimizer met its tolerance (NULL when not fitted)';

CREATE FUNCTION crm.mbgnbd(r float8, alpha float8, a float8, b float8)
RETURNS crm.mbgnbd
AS 'MODULE_PATHNAME', 'mbgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.mbgnbd(float8, float8, float8, float8) IS
'an MBG/NBD model from its parameters r, alpha, a, b (finite, > 0); the fit fields are NULL';

-- fit: one row per customer (or per group of identical customers, with a weight)
CREATE FUNCTION crm.fit_mbgnbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_mbgnbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_mbgnbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_mbgnbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_mbgnbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8, penalizer float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_mbgnbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_mbgnbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8, penalizer float8, start float8[])
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_mbgnbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_mbgnbd_final(crm.fit_state)
RETURNS crm.mbgnbd
AS 'MODULE_PATHNAME', 'fit_mbgnbd_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.fit_mbgnbd_sfunc(crm.fit_state, float8, float8, float8) IS
'transition function of crm.fit_mbgnbd(frequency, recency, t)';
COMMENT ON FUNCTION crm.fit_mbgnbd_sfunc(crm.fit_state, float8, float8, float8, float8) IS
'transition function of crm.fit_mbgnbd(frequency, recency, t, weight)';
COMMENT ON FUNCTION crm.fit_mbgnbd_sfunc(crm.fit_state, float8, float8, float8, float8, float8) IS
'transition function of crm.fit_mbgnbd(frequency, recency, t, weight, penalizer)';
COMMENT ON FUNCTION crm.fit_mbgnbd_sfunc(crm.fit_state, float8, float8, float8, float8, float8, float8[]) IS
'transition function of crm.fit_mbgnbd(frequency, recency, t, weight, penalizer, start)';
COMMENT ON FUNCTION crm.fit_mbgnbd_final(crm.fit_state) IS
'final function of crm.fit_mbgnbd: maximum-likelihood fit of the accumulated data';

CREATE AGGREGATE crm.fit_mbgnbd(frequency float8, recency float8, t float8) (
	SFUNC = crm.fit_mbgnbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_mbgnbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_mbgnbd(frequency float8, recency float8, t float8,
	weight float8) (
	SFUNC = crm.fit_mbgnbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_mbgnbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_mbgnbd(frequency float8, recency float8, t float8,
	weight float8, penalizer float8) (
	SFUNC = crm.fit_mbgnbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_mbgnbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_mbgnbd(frequency float8, recency float8, t float8,
	weight float8, penalizer float8, start float8[]) (
	SFUNC = crm.fit_mbgnbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_mbgnbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.fit_mbgnbd(float8, float8, float8) IS
'fit the MBG/NBD model by maximum likelihood; one row per customer: frequency = repeat purchases (whole number >= 0), recency = time of the last purchase since the first (0 when frequency = 0), t = age (time since the first purchase, >= recency); NULL rows skipped, no rows -> NULL; needs at least one repeat purchase';
COMMENT ON AGGREGATE crm.fit_mbgnbd(float8, float8, float8, float8) IS
'fit the MBG/NBD model; weight (> 0, NULL skips the row) counts identical customers';
COMMENT ON AGGREGATE crm.fit_mbgnbd(float8, float8, float8, float8, float8) IS
'fit the MBG/NBD model with an L2 penalizer (maximise loglik/N - penalizer * (r^2 + alpha^2 + a^2 + b^2); NULL = 0), the same in every row';
COMMENT ON AGGREGATE crm.fit_mbgnbd(float8, float8, float8, float8, float8, float8[]) IS
'fit the MBG/NBD model from the starting point start = ARRAY[r, alpha, a, b] (NULL = automatic), the same in every row';

-- predictions
CREATE FUNCTION crm.p_alive(model crm.mbgnbd, frequency float8, recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_mbgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive(crm.mbgnbd, float8, float8, float8) IS
'MBG/NBD probability that a customer with this history (frequency, recency, age t) is still alive at t';

CREATE FUNCTION crm.p_alive_future(model crm.mbgnbd, frequency float8, recency float8,
	t float8, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_future_mbgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive_future(crm.mbgnbd, float8, float8, float8, float8) IS
'MBG/NBD probability that the customer is alive at t + horizon if no purchase is seen until then: P(alive | frequency, recency, t + horizon), horizon >= 0';

CREATE FUNCTION crm.expected_purchases(model crm.mbgnbd, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'expected_purchases_mbgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.expected_purchases(crm.mbgnbd, float8) IS
'MBG/NBD expected number of repeat purchases of a new customer in (0, horizon]';

CREATE FUNCTION crm.conditional_expected_purchases(model crm.mbgnbd, horizon float8,
	frequency float8, recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'conditional_expected_purchases_mbgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.conditional_expected_purchases(crm.mbgnbd, float8, float8, float8, float8) IS
'MBG/NBD expected number of purchases in (t, t + horizon] of a customer with this history (frequency, recency, age t); accurate for a near 1 and frequencies in the thousands';

CREATE FUNCTION crm.prob_purchases(model crm.mbgnbd, n int, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'prob_purchases_mbgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.prob_purchases(crm.mbgnbd, int, float8) IS
'MBG/NBD probability that a new customer makes exactly n (>= 0) repeat purchases in (0, horizon]';

CREATE FUNCTION crm.dert(model crm.mbgnbd, continuous_rate float8, frequency float8,
	recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'dert_mbgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.dert(crm.mbgnbd, float8, float8, float8, float8) IS
'MBG/NBD discounted expected residual transactions of a customer with this history, at a continuous discount rate per time unit (> 0, e.g. ln(1.15)/52 for 15% a year with weekly data): the integral of exp(-rate * s) dE[purchases in (t, t + s]]; multiply by margin x spend for a CLV';
