
-- ---------------------------------------------------------------------------
-- Model fitting framework (src/fit_state.c, src/agg_fit.c, src/model_glue.c)
--
-- Every model has a composite type (crm.sbg, crm.bgnbd, ...) holding its
-- parameters in order, then loglik, n_customers, iterations and converged;
-- a constructor crm.<model>(params...); a fit aggregate crm.fit_<model>(data
-- ... [, weight [, penalizer [, start]]]); and predictions overloaded on the
-- model type.  All fit aggregates share the transition type crm.fit_state
-- and the combine function crm.fit_combine, and follow the same rules:
--   * rows with a NULL data argument or a NULL weight are skipped;
--   * weight (default 1) must be finite and > 0;
--   * penalizer (NULL = 0) adds lifetimes' L2 penalty: the fit maximises
--     loglik/N - penalizer * sum(parameter^2), N = sum of weights;
--   * start (NULL = the model's own) is the optimizer's starting point, one
--     positive value per parameter in the type's order;
--   * penalizer and start must be the same in every row;
--   * no rows -> NULL; a fit that does not converge returns
--     converged = false and raises a WARNING.
-- ---------------------------------------------------------------------------

CREATE TYPE crm.fit_state;

CREATE FUNCTION crm.fit_state_in(cstring)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION crm.fit_state_out(crm.fit_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'fit_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION crm.fit_state_recv(internal)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION crm.fit_state_send(crm.fit_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'fit_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE crm.fit_state (
	INPUT = crm.fit_state_in,
	OUTPUT = crm.fit_state_out,
	RECEIVE = crm.fit_state_recv,
	SEND = crm.fit_state_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = extended
);

COMMENT ON TYPE crm.fit_state IS
'transition state of the crm.fit_* aggregates: the model kind, the fit options and one (pattern, summed weight) entry per distinct observation; text form "fitstate:<base64url>" round-trips the exact bytes (for Citus push-down)';
COMMENT ON FUNCTION crm.fit_state_in(cstring) IS
'text input of crm.fit_state: "fitstate:" and base64url of the encoded state, fully validated';
COMMENT ON FUNCTION crm.fit_state_out(crm.fit_state) IS
'text output of crm.fit_state: "fitstate:" and base64url of the encoded state';
COMMENT ON FUNCTION crm.fit_state_recv(internal) IS
'binary input of crm.fit_state: the encoded state, fully validated';
COMMENT ON FUNCTION crm.fit_state_send(crm.fit_state) IS
'binary output of crm.fit_state: the encoded state';

CREATE FUNCTION crm.fit_combine(crm.fit_state, crm.fit_state)
RETURNS crm.fit_state
AS 'MODULE_PATHNAME', 'fit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.fit_combine(crm.fit_state, crm.fit_state) IS
'combine function of every crm.fit_* aggregate: merges two partial states of the same model with the same penalizer and start (error 22023 otherwise); NULL is the empty state';

CREATE FUNCTION crm.fit_state_info(state crm.fit_state,
	OUT model text, OUT row_count bigint, OUT patterns bigint,
	OUT total_weight float8, OUT penalizer float8, OUT start float8[])
RETURNS record
AS 'MODULE_PATHNAME', 'fit_state_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.fit_state_info(crm.fit_state) IS
'what a fit state holds: model name, rows accumulated, distinct observation patterns, total weight, penalizer and start vector (NULL when none)';
