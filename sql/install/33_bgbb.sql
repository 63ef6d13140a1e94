-- ---------------------------------------------------------------------------
-- BG/BB model of discrete-time non-contractual purchasing (Fader, Hardie &
-- Shang 2010): in each of n transaction opportunities (periods) an alive
-- customer transacts with probability p, p ~ Beta(alpha, beta), and after
-- each period dies with probability theta, theta ~ Beta(gamma, delta).  A
-- customer's history is (frequency, recency, n_periods): the number of
-- periods with a repeat transaction, the last such period (0 if none) and
-- the number of opportunities; whole numbers with
-- 0 <= frequency <= recency <= n_periods, recency = 0 exactly when
-- frequency = 0, 1 <= n_periods <= 1000000.  src/fn_bgbb.c, src/core/bgbb.c.
-- ---------------------------------------------------------------------------

CREATE TYPE crm.bgbb AS (
	alpha float8,
	beta float8,
	gamma float8,
	delta float8,
	loglik float8,
	n_customers float8,
	iterations int,
	converged boolean
);

COMMENT ON TYPE crm.bgbb IS
'BG/BB model (Fader, Hardie & Shang 2010): transaction probability per period ~ Beta(alpha, beta), dropout probability per period ~ Beta(gamma, delta); made by crm.bgbb(alpha, beta, gamma, delta) or crm.fit_bgbb(...)';
COMMENT ON COLUMN crm.bgbb.alpha IS 'Beta shape alpha (> 0) of the per-period transaction probability p';
COMMENT ON COLUMN crm.bgbb.beta IS 'Beta shape beta (> 0) of the per-period transaction probability p';
COMMENT ON COLUMN crm.bgbb.gamma IS 'Beta shape gamma (> 0) of the per-period dropout probability theta';
COMMENT ON COLUMN crm.bgbb.delta IS 'Beta shape delta (> 0) of the per-period dropout probability theta';
COMMENT ON COLUMN crm.bgbb.loglik IS 'total log-likelihood of the fitted data (NULL when not fitted)';
COMMENT ON COLUMN crm.bgbb.n_customers IS 'sum of the weights of the fitted customers (NULL when not fitted)';
COMMENT ON COLUMN crm.bgbb.iterations IS 'likelihood evaluations the optimizer used (NULL when not fitted)';
COMMENT ON COLUMN crm.bgbb.converged IS 'whether the optimizer met its tolerance (NULL when not fitted)';

CREATE FUNCTION crm.bgbb(alpha float8, beta float8, gamma float8, delta float8)
RETURNS crm.bgbb
AS 'MODULE_PATHNAME', 'bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.bgbb(float8, float8, float8, float8) IS
'a BG/BB model from its parameters alpha, beta, gamma, delta (finite, > 0); the fit fields are NULL';

-- fit: one row per customer (or per group of identical customers, with a weight)
CREATE FUNCTION crm.fit_bgbb_sfunc(state crm.fit_state, frequency int, recency int,
	n_periods int)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_bgbb_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_bgbb_sfunc(state crm.fit_state, frequency int, recency int,
	n_periods int, weight float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_bgbb_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_bgbb_sfunc(state crm.fit_state, frequency int, recency int,
	n_periods int, weight float8, penalizer float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_bgbb_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_bgbb_sfunc(state crm.fit_state, frequency int, recency int,
	n_periods int, weight float8, penalizer float8, start float8[])
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_bgbb_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_bgbb_final(crm.fit_state)
RETURNS crm.bgbb
AS 'MODULE_PATHNAME', 'fit_bgbb_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.fit_bgbb_sfunc(crm.fit_state, int, int, int) IS
'transition function of crm.fit_bgbb(frequency, recency, n_periods)';
COMMENT ON FUNCTION crm.fit_bgbb_sfunc(crm.fit_state, int, int, int, float8) IS
'transition function of crm.fit_bgbb(frequency, recency, n_periods, weight)';
COMMENT ON FUNCTION crm.fit_bgbb_sfunc(crm.fit_state, int, int, int, float8, float8) IS
'transition function of crm.fit_bgbb(frequency, recency, n_periods, weight, penalizer)';
COMMENT ON FUNCTION crm.fit_bgbb_sfunc(crm.fit_state, int, int, int, float8, float8, float8[]) IS
'transition function of crm.fit_bgbb(frequency, recency, n_periods, weight, penalizer, start)';
COMMENT ON FUNCTION crm.fit_bgbb_final(crm.fit_state) IS
'final function of crm.fit_bgbb: maximum-likelihood fit of the accumulated data';

CREATE AGGREGATE crm.fit_bgbb(frequency int, recency int, n_periods int) (
	SFUNC = crm.fit_bgbb_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_bgbb_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_bgbb(frequency int, recency int, n_periods int, weight float8) (
	SFUNC = crm.fit_bgbb_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_bgbb_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_bgbb(frequency int, recency int, n_periods int, weight float8,
	penalizer float8) (
	SFUNC = crm.fit_bgbb_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_bgbb_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_bgbb(frequency int, recency int, n_periods int, weight float8,
	penalizer float8, start float8[]) (
	SFUNC = crm.fit_bgbb_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_bgbb_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.fit_bgbb(int, int, int) IS
'fit the BG/BB model by maximum likelihood; one row per customer: frequency = periods with a repeat transaction, recency = the last such period (0 if none), n_periods = transaction opportunities; NULL rows skipped, no rows -> NULL';
COMMENT ON AGGREGATE crm.fit_bgbb(int, int, int, float8) IS
'fit the BG/BB model; weight (> 0, NULL skips the row) counts identical customers, e.g. a table of (frequency, recency, n_periods, customers) patterns';
COMMENT ON AGGREGATE crm.fit_bgbb(int, int, int, float8, float8) IS
'fit the BG/BB model with an L2 penalizer (maximise loglik/N - penalizer * (alpha^2 + beta^2 + gamma^2 + delta^2); NULL = 0), the same in every row';
COMMENT ON AGGREGATE crm.fit_bgbb(int, int, int, float8, float8, float8[]) IS
'fit the BG/BB model from the starting point start = ARRAY[alpha, beta, gamma, delta] (NULL = automatic), the same in every row';

-- predictions
CREATE FUNCTION crm.p_alive(model crm.bgbb, frequency int, recency int, n_periods int)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive(crm.bgbb, int, int, int) IS
'BG/BB probability that a customer with this history (frequency, recency, n_periods) is alive in period n_periods (1 when recency = n_periods)';

CREATE FUNCTION crm.p_alive_in_period(model crm.bgbb, frequency int, recency int,
	n_periods int, m int)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_in_period_bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive_in_period(crm.bgbb, int, int, int, int) IS
'BG/BB probability that a customer with this history is alive in period n_periods + m (m >= 0; m = 1 is the paper''s "P(alive in 2002)"; lifetimes'' conditional_probability_alive(m))';

CREATE FUNCTION crm.p_alive_future(model crm.bgbb, frequency int, recency int,
	n_periods int, m int)
RETURNS float8
AS 'MODULE_PATHNAME', 'p_alive_future_bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.p_alive_future(crm.bgbb, int, int, int, int) IS
'BG/BB probability that the customer is alive in period n_periods + m if no transaction is seen until then: P(alive | frequency, recency, n_periods + m), m >= 0';

CREATE FUNCTION crm.expected_purchases(model crm.bgbb, n_periods int)
RETURNS float8
AS 'MODULE_PATHNAME', 'expected_purchases_bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.expected_purchases(crm.bgbb, int) IS
'BG/BB expected number of repeat transactions of a new customer in n_periods (>= 0) opportunities: alpha/(alpha+beta) * sum over t = 1..n of B(gamma, delta+t)/B(gamma, delta)';

CREATE FUNCTION crm.conditional_expected_purchases(model crm.bgbb, m int, frequency int,
	recency int, n_periods int)
RETURNS float8
AS 'MODULE_PATHNAME', 'conditional_expected_purchases_bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.conditional_expected_purchases(crm.bgbb, int, int, int, int) IS
'BG/BB expected number of transactions in periods n_periods+1 .. n_periods+m (m >= 0) of a customer with this history (FHS 2010 eq. 13)';

CREATE FUNCTION crm.prob_purchases(model crm.bgbb, x int, n_periods int)
RETURNS float8
AS 'MODULE_PATHNAME', 'prob_purchases_bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.prob_purchases(crm.bgbb, int, int) IS
'BG/BB probability that a new customer makes repeat transactions in exactly x (>= 0) of n_periods (0 .. 1000000) opportunities (FHS 2010 eq. 7; 0 when x > n_periods)';

CREATE FUNCTION crm.dert(model crm.bgbb, discount_rate float8, frequency int, recency int,
	n_periods int)
RETURNS float8
AS 'MODULE_PATHNAME', 'dert_bgbb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.dert(crm.bgbb, float8, int, int, int) IS
'BG/BB discounted expected residual transactions (FHS 2010 eq. 14) of a customer with this history: a transaction in period n_periods + k counts (1 + d)^-k, d = discount rate per period (> 0, e.g. 0.1); multiply by the value of a transaction for a residual CLV';
