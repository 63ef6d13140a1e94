-- ---------------------------------------------------------------------------
-- Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005b;
-- Colombo & Jiang 1999): a customer's transaction values are Gamma(p, nu)
-- around a customer-specific nu ~ Gamma(q, v) (v is the scale, gamma in the
-- papers).  A customer is (frequency, monetary): the number of repeat
-- purchases and their mean value.  Pair it with a transaction model for a
-- CLV.  src/fn_gg.c, src/core/gg.c.
-- ---------------------------------------------------------------------------

CREATE TYPE crm.gamma_gamma AS (
	p float8,
	q float8,
	v float8,
	loglik float8,
	n_customers float8,
	iterations int,
	converged boolean
);

COMMENT ON TYPE crm.gamma_gamma IS
'Gamma-Gamma spend model (Fader, Hardie & Lee 2005b): transaction values ~ Gamma(p, nu), nu ~ Gamma(q, v) across customers; made by crm.gamma_gamma(p, q, v) or crm.fit_gamma_gamma(...)';
COMMENT ON COLUMN crm.gamma_gamma.p IS 'shape p (> 0) of a customer''s transaction values';
COMMENT ON COLUMN crm.gamma_gamma.q IS 'shape q (> 0) of the rate nu across customers; the mean spend exists only for q > 1';
COMMENT ON COLUMN crm.gamma_gamma.v IS 'scale v (> 0) of the rate nu across customers (gamma in the papers)';
COMMENT ON COLUMN crm.gamma_gamma.loglik IS 'total log-likelihood of the fitted repeat customers (NULL when not fitted)';
COMMENT ON COLUMN crm.gamma_gamma.n_customers IS 'sum of the weights of the repeat customers the fit used (those with frequency 0 are skipped; NULL when not fitted)';
COMMENT ON COLUMN crm.gamma_gamma.iterations IS 'likelihood evaluations the optimizer used (NULL when not fitted)';
COMMENT ON COLUMN crm.gamma_gamma.converged IS 'whether the optimizer met its tolerance (NULL when not fitted)';

CREATE FUNCTION crm.gamma_gamma(p float8, q float8, v float8)
RETURNS crm.gamma_gamma
AS 'MODULE_PATHNAME', 'gamma_gamma'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.gamma_gamma(float8, float8, float8) IS
'a Gamma-Gamma model from its parameters p, q, v (finite, > 0); the fit fields are NULL';

-- fit: one row per customer; customers with frequency 0 are skipped
CREATE FUNCTION crm.fit_gamma_gamma_sfunc(state crm.fit_state, frequency float8,
	monetary float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_gamma_gamma_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_gamma_gamma_sfunc(state crm.fit_state, frequency float8,
	monetary float8, weight float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_gamma_gamma_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_gamma_gamma_sfunc(state crm.fit_state, frequency float8,
	monetary float8, weight float8, penalizer float8)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_gamma_gamma_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_gamma_gamma_sfunc(state crm.fit_state, frequency float8,
	monetary float8, weight float8, penalizer float8, start float8[])
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_gamma_gamma_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION crm.fit_gamma_gamma_final(crm.fit_state)
RETURNS crm.gamma_gamma
AS 'MODULE_PATHNAME', 'fit_gamma_gamma_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.fit_gamma_gamma_sfunc(crm.fit_state, float8, float8) IS
'transition function of crm.fit_gamma_gamma(frequency, monetary)';
COMMENT ON FUNCTION crm.fit_gamma_gamma_sfunc(crm.fit_state, float8, float8, float8) IS
'transition function of crm.fit_gamma_gamma(frequency, monetary, weight)';
COMMENT ON FUNCTION crm.fit_gamma_gamma_sfunc(crm.fit_state, float8, float8, float8, float8) IS
'transition function of crm.fit_gamma_gamma(frequency, monetary, weight, penalizer)';
COMMENT ON FUNCTION crm.fit_gamma_gamma_sfunc(crm.fit_state, float8, float8, float8, float8, float8[]) IS
'transition function of crm.fit_gamma_gamma(frequency, monetary, weight, penalizer, start)';
COMMENT ON FUNCTION crm.fit_gamma_gamma_final(crm.fit_state) IS
'final function of crm.fit_gamma_gamma: maximum-likelihood fit of the accumulated repeat customers';

CREATE AGGREGATE crm.fit_gamma_gamma(frequency float8, monetary float8) (
	SFUNC = crm.fit_gamma_gamma_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_gamma_gamma_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_gamma_gamma(frequency float8, monetary float8, weight float8) (
	SFUNC = crm.fit_gamma_gamma_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_gamma_gamma_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_gamma_gamma(frequency float8, monetary float8, weight float8,
	penalizer float8) (
	SFUNC = crm.fit_gamma_gamma_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_gamma_gamma_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

CREATE AGGREGATE crm.fit_gamma_gamma(frequency float8, monetary float8, weight float8,
	penalizer float8, start float8[]) (
	SFUNC = crm.fit_gamma_gamma_sfunc,
	STYPE = crm.fit_state,
	FINALFUNC = crm.fit_gamma_gamma_final,
	COMBINEFUNC = crm.fit_combine,
	SSPACE = 1024,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE crm.fit_gamma_gamma(float8, float8) IS
'fit the Gamma-Gamma spend model by maximum likelihood; one row per customer: frequency = repeat purchases (whole number), monetary = their mean value (> 0 when frequency >= 1); customers with frequency 0 carry no spend information and are skipped (n_customers counts those used); NULL rows skipped, no usable rows -> NULL';
COMMENT ON AGGREGATE crm.fit_gamma_gamma(float8, float8, float8) IS
'fit the Gamma-Gamma spend model; weight (> 0, NULL skips the row) counts identical customers';
COMMENT ON AGGREGATE crm.fit_gamma_gamma(float8, float8, float8, float8) IS
'fit the Gamma-Gamma spend model with an L2 penalizer (maximise loglik/N - penalizer * (p^2 + q^2 + v^2); NULL = 0), the same in every row';
COMMENT ON AGGREGATE crm.fit_gamma_gamma(float8, float8, float8, float8, float8[]) IS
'fit the Gamma-Gamma spend model from the starting point start = ARRAY[p, q, v] (NULL = automatic), the same in every row';

-- prediction
CREATE FUNCTION crm.expected_spend(model crm.gamma_gamma, frequency float8, monetary float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'expected_spend_gamma_gamma'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.expected_spend(crm.gamma_gamma, float8, float8) IS
'Gamma-Gamma expected value of a customer''s future transactions given frequency repeat purchases of mean value monetary: p (v + x m)/(p x + q - 1); for frequency 0 the population mean p v/(q - 1) (monetary ignored); needs q > 1';
