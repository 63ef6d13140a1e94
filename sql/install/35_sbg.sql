
-- ---------------------------------------------------------------------------
-- Shifted Beta-Geometric model of contractual retention (Fader & Hardie
-- 2007): each customer churns at the end of any period with probability p,
-- p ~ Beta(alpha, beta) across customers.  Periods are whole numbers (years,
-- months, billing cycles).  src/fn_sbg.c, src/core/sbg.c.
-- ---------------------------------------------------------------------------

CREATE TYPE crm.sbg AS (
	alpha float8,
	beta float8,
	loglik float8,
	n_customers float8,
	iterations int,
	converged boolean
);

COMMENT ON TYPE crm.sbg IS
'shifted Beta-Geometric retention model (Fader & Hardie 2007): churn probability per period ~ Beta(alpha, beta); made by crm.sbg(alpha, beta) or crm.fit_sbg(...)';
COMMENT ON COLUMN crm.sbg.alpha IS 'Beta shape alpha (> 0) of the per-period churn probability';
COMMENT ON COLUMN crm.sbg.beta IS 'Beta shape beta (> 0) of the per-period churn probability';
COMMENT ON COLUMN crm.sbg.loglik IS 'total log-likelihood of the fitted data (NULL when not fitted)';
COMMENT ON COLUMN crm.sbg.n_customers IS 'sum of the weights of the fitted customers (NULL when not fitted)';
COMMENT ON COLUMN crm.sbg.iterations IS 'likelihood evaluations the optimizer used (NULL when not fitted)';
COMMENT ON COLUMN crm.sbg.converged IS 'whether the optimizer met its tolerance (NULL when not fitted)';

CREATE FUNCTION crm.sbg(alpha float8, beta float8)
RETURNS crm.sbg
AS 'MODULE_PATHNAME', 'sbg'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.sbg(float8, float8) IS
'an sBG model from its parameters alpha, beta (finite, > 0); the fit fields are NULL';

-- fit: one row per customer (or per group of identical customers, with a weight)
CREATE FUNCTION crm.fit_sbg_sfunc(state crm.fit_state, periods int, churned boolean)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_sbg_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_sbg_sfunc(state crm.fit_state, periods int, churned boolean,
	weight float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_sbg_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_sbg_sfunc(state crm.fit_state, periods int, churned boolean,
	weight float8, penalizer float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_sbg_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_sbg_sfunc(state crm.fit_state, periods int, churned boolean,
	weight float8, penalizer float8, start float8[])
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_sbg_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_sbg_final(crm.fit_state)
RETURNS crm.sbg
AS 'MODULE_PATHNAME', 'fit_sbg_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.fit_sbg_sfunc(crm.fit_state, int, boolean) IS
'transition function of crm.fit_sbg(periods, churned)';
COMMENT ON FUNCTION crm.fit_sbg_sfunc(crm.fit_state, int, boolean, float8) IS
'transition function of crm.fit_sbg(periods, churned, weight)';
COMMENT ON FUNCTION crm.fit_sbg_sfunc(crm.fit_state, int, boolean, float8, float8) IS
'transition function of crm.fit_sbg(periods, churned, weight, penalizer)';
COMMENT ON FUNCTION crm.fit_sbg_sfunc(crm.fit_state, int, boolean, float8, float8, float8[]) IS
'transition function of crm.fit_sbg(periods, churned, weight, penalizer, start)';
COMMENT ON FUNCTION crm.fit_sbg_final(crm.fit_state) IS
'final function of crm.fit_sbg: maximum-likelihood fit of the accumulated data';

CREATE AGGREGATE crm.fit_sbg(periods int, churned boolean) (
	SFUNC = crm.fit_sbg_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_sbg_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_sbg(periods int, churned boolean, weight float8) (
	SFUNC = crm.fit_sbg_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_sbg_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_sbg(periods int, churned boolean, weight float8, penalizer float8) (
	SFUNC = crm.fit_sbg_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_sbg_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_sbg(periods int, churned boolean, weight float8, penalizer float8,
	start float8[]) (
	SFUNC = crm.fit_sbg_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_sbg_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.fit_sbg(int, boolean) IS
'fit the sBG model by maximum likelihood; one row per customer: churned = true when the customer cancelled in period "periods" (>= 1), false when still active after "periods" periods (>= 0, censored); NULL rows skipped, no rows -> NULL';
COMMENT ON AGGREGATE crm.fit_sbg(int, boolean, float8) IS
'fit the sBG model; weight (> 0, NULL skips the row) counts identical customers, e.g. a cohort table (periods, churned, customers)';
COMMENT ON AGGREGATE crm.fit_sbg(int, boolean, float8, float8) IS
'fit the sBG model with an L2 penalizer (maximise loglik/N - penalizer * (alpha^2 + beta^2); NULL = 0), the same in every row';
COMMENT ON AGGREGATE crm.fit_sbg(int, boolean, float8, float8, float8[]) IS
'fit the sBG model from the starting point start = ARRAY[alpha, beta] (NULL = automatic), the same in every row';

-- predictions
CREATE FUNCTION crm.retention_rate(model crm.sbg, period int)
RETURNS float8
AS 'MODULE_PATHNAME', 'retention_rate_sbg'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.retention_rate(crm.sbg, int) IS
'sBG retention rate r_t = P(renew in period t | active in period t-1) = (beta+t-1)/(alpha+beta+t-1), period t >= 1';

CREATE FUNCTION crm.survival(model crm.sbg, period int)
RETURNS float8
AS 'MODULE_PATHNAME', 'survival_sbg'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.survival(crm.sbg, int) IS
'sBG survival S(t) = P(a new customer is still active after t periods) = B(alpha, beta+t)/B(alpha, beta), period t >= 0';

CREATE FUNCTION crm.churn_probability(model crm.sbg, periods_survived int)
RETURNS float8
AS 'MODULE_PATHNAME', 'churn_probability_sbg'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.churn_probability(crm.sbg, int) IS
'sBG probability that a customer who has survived t periods (t >= 0) churns in the next one: 1 - r_(t+1) = alpha/(alpha+beta+t)';

CREATE FUNCTION crm.del(model crm.sbg, discount_rate float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'del_sbg'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.del(crm.sbg, float8) IS
'sBG discounted expected lifetime of a new customer, in payments: sum over t >= 0 of S(t)/(1+d)^t, the first payment undiscounted; d = discount rate per period (> 0, e.g. 0.1); multiply by the payment for a CLV';

CREATE FUNCTION crm.derl(model crm.sbg, discount_rate float8, renewals int)
RETURNS float8
AS 'MODULE_PATHNAME', 'derl_sbg'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.derl(crm.sbg, float8, int) IS
'sBG discounted expected residual lifetime, in payments, of a customer who has made k renewals (k >= 0), standing just before the next renewal decision (whose payment is undiscounted): (beta+k)/(alpha+beta+k) * 2F1(1, beta+k+1; alpha+beta+k+1; 1/(1+d)); d = discount rate per period (> 0)';
