
-- ---------------------------------------------------------------------------
-- Pareto/NBD model of non-contractual purchasing (Schmittlein, Morrison &
-- Colombo 1987; Fader, Hardie & Lee 2005): while alive a customer buys at
-- Poisson rate lambda ~ Gamma(r, alpha) and dies at exponential rate
-- mu ~ Gamma(s, beta).  Data: frequency (repeat purchases), recency (time of
-- the last purchase since the first) and t (age: time since the first
-- purchase), all in one time unit (weeks for CDNOW); horizons use the same
-- unit.  src/fn_pnbd.c, src/core/pnbd.c.
-- ---------------------------------------------------------------------------

CREATE TYPE crm.pareto_nbd AS (
	r float8,
	alpha float8,
	s float8,
	beta float8,
	loglik float8,
	n_customers float8,
	iterations int,
	converged boolean
);

COMMENT ON TYPE crm.pareto_nbd IS
'Pareto/NBD purchase model: purchase rate ~ Gamma(r, alpha), dropout rate ~ Gamma(s, beta); made by crm.pareto_nbd(r, alpha, s, beta) or crm.fit_pareto_nbd(...)';
COMMENT ON COLUMN crm.pareto_nbd.r IS 'Gamma shape r (> 0) of the purchase rate';
COMMENT ON COLUMN crm.pareto_nbd.alpha IS 'Gamma rate alpha (> 0, in time units) of the purchase rate';
COMMENT ON COLUMN crm.pareto_nbd.s IS 'Gamma shape s (> 0) of the dropout rate';
COMMENT ON COLUMN crm.pareto_nbd.beta IS 'Gamma rate beta (> 0, in time units) of the dropout rate';
COMMENT ON COLUMN crm.pareto_nbd.loglik IS 'total log-likelihood of the fitted data (NULL when not fitted)';
COMMENT ON COLUMN crm.pareto_nbd.n_customers IS 'sum of the weights of the fitted customers (NULL when not fitted)';
COMMENT ON COLUMN crm.pareto_nbd.iterations IS 'likelihood evaluations the optimizer used (NULL when not fitted)';
COMMENT ON COLUMN crm.pareto_nbd.converged IS 'whether the optimizer met its tolerance (NULL when not fitted)';

CREATE FUNCTION crm.pareto_nbd(r float8, alpha float8, s float8, beta float8)
RETURNS crm.pareto_nbd
AS 'MODULE_PATHNAME', 'pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.pareto_nbd(float8, float8, float8, float8) IS
'a Pareto/NBD model from its parameters r, alpha, s, beta (finite, > 0); the fit fields are NULL';

-- fit: one row per customer (or per group of identical customers, with a weight)
CREATE FUNCTION crm.fit_pareto_nbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_pareto_nbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_pareto_nbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_pareto_nbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_pareto_nbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8, penalizer float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_pareto_nbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_pareto_nbd_sfunc(state crm.fit_state, frequency float8,
	recency float8, t float8, weight float8, penalizer float8, start float8[])
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_pareto_nbd_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_pareto_nbd_final(crm.fit_state)
RETURNS crm.pareto_nbd
AS 'MODULE_PATHNAME', 'fit_pareto_nbd_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.fit_pareto_nbd_sfunc(crm.fit_state, float8, float8, float8) IS
'transition function of crm.fit_pareto_nbd(frequency, recency, t)';
COMMENT ON FUNCTION crm.fit_pareto_nbd_sfunc(crm.fit_state, float8, float8, float8, float8) IS
'transition function of crm.fit_pareto_nbd(frequency, recency, t, weight)';
COMMENT ON FUNCTION crm.fit_pareto_nbd_sfunc(crm.fit_state, float8, float8, float8, float8, float8) IS
'transition function of crm.fit_pareto_nbd(frequency, recency, t, weight, penalizer)';
COMMENT ON FUNCTION crm.fit_pareto_nbd_sfunc(crm.fit_state, float8, float8, float8, float8, float8, float8[]) IS
'transition function of crm.fit_pareto_nbd(frequency, recency, t, weight, penalizer, start)';
COMMENT ON FUNCTION crm.fit_pareto_nbd_final(crm.fit_state) IS
'final function of crm.fit_pareto_nbd: maximum-likelihood fit of the accumulated data';

CREATE AGGREGATE crm.fit_pareto_nbd(frequency float8, recency float8, t float8) (
	SFUNC = crm.fit_pareto_nbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_pareto_nbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_pareto_nbd(frequency float8, recency float8, t float8,
	weight float8) (
	SFUNC = crm.fit_pareto_nbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_pareto_nbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_pareto_nbd(frequency float8, recency float8, t float8,
	weight float8, penalizer float8) (
	SFUNC = crm.fit_pareto_nbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_pareto_nbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_pareto_nbd(frequency float8, recency float8, t float8,
	weight float8, penalizer float8, start float8[]) (
	SFUNC = crm.fit_pareto_nbd_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_pareto_nbd_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.fit_pareto_nbd(float8, float8, float8) IS
'fit the Pareto/NBD model by maximum likelihood; one row per customer: frequency = repeat purchases (whole number >= 0), recency = time of the last purchase since the first (0 when frequency = 0), t = age (time since the first purchase, >= recency); NULL rows skipped, no rows -> NULL';
COMMENT ON AGGREGATE crm.fit_pareto_nbd(float8, float8, float8, float8) IS
'fit the Pareto/NBD model; weight (> 0, NULL skips the row) counts identical customers';
COMMENT ON AGGREGATE crm.fit_pareto_nbd(float8, float8, float8, float8, float8) IS
'fit the Pareto/NBD model with an L2 penalizer (maximise loglik/N - penalizer * (r^2 + alpha^2 + s^2 + beta^2); NULL = 0), the same in every row';
COMMENT ON AGGREGATE crm.fit_pareto_nbd(float8, float8, float8, float8, float8, float8[]) IS
'fit the Pareto/NBD model from the starting point start = ARRAY[r, alpha, s, beta] (NULL = automatic), the same in every row';

-- predictions
CREATE FUNCTION crm.p_alive(model crm.pareto_nbd, frequency float8, recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive(crm.pareto_nbd, float8, float8, float8) IS
'Pareto/NBD probability that a customer with this history (frequency, recency, age t) is still alive at t';

CREATE FUNCTION crm.p_alive_future(model crm.pareto_nbd, frequency float8, recency float8,
	t float8, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_future_pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive_future(crm.pareto_nbd, float8, float8, float8, float8) IS
'Pareto/NBD probability that the customer is alive at t + horizon if no purchase is seen until then: P(alive | frequency, recency, t + horizon), horizon >= 0';

CREATE FUNCTION crm.expected_purchases(model crm.pareto_nbd, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'expected_purchases_pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.expected_purchases(crm.pareto_nbd, float8) IS
'Pareto/NBD expected number of repeat purchases of a new customer in (0, horizon]: r beta/(alpha (s-1)) [1 - (beta/(beta+horizon))^(s-1)]';

CREATE FUNCTION crm.conditional_expected_purchases(model crm.pareto_nbd, horizon float8,
	frequency float8, recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'conditional_expected_purchases_pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.conditional_expected_purchases(crm.pareto_nbd, float8, float8, float8, float8) IS
'Pareto/NBD expected number of purchases in (t, t + horizon] of a customer with this history (frequency, recency, age t)';

CREATE FUNCTION crm.prob_purchases(model crm.pareto_nbd, n int, horizon float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'prob_purchases_pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.prob_purchases(crm.pareto_nbd, int, float8) IS
'Pareto/NBD probability that a new customer makes exactly n (>= 0) repeat purchases in (0, horizon]';

CREATE FUNCTION crm.conditional_prob_purchases(model crm.pareto_nbd, n int, horizon float8,
	frequency float8, recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'conditional_prob_purchases_pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.conditional_prob_purchases(crm.pareto_nbd, int, float8, float8, float8, float8) IS
'Pareto/NBD probability that a customer with this history (frequency, recency, age t) makes exactly n (>= 0) purchases in (t, t + horizon] (Fader & Hardie''s conditional pmf)';

CREATE FUNCTION crm.dert(model crm.pareto_nbd, continuous_rate float8, frequency float8,
	recency float8, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'dert_pareto_nbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.dert(crm.pareto_nbd, float8, float8, float8, float8) IS
'Pareto/NBD discounted expected residual transactions (Fader, Hardie & Lee 2005) of a customer with this history, at a continuous discount rate per time unit (> 0, e.g. ln(1.15)/52 for 15% a year with weekly data); multiply by margin x spend for a CLV';
