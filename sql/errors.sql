-- errors: the bad-input matrix.  Every SQL function and aggregate of schema
-- crm is called with a valid baseline and then with one argument at a time
-- replaced by a nasty value (NULL, NaN, +-Infinity, -0, 0, -1, fractions,
-- 1e308, -1e308, 1e-308, 10^6, extreme integers and timestamps, bad
-- intervals, bad arrays, model values with bad or missing fields, malformed
-- and corrupted fit states); aggregates get the value in every row.  Each
-- outcome is "ok", "null" (STRICT functions: NULL in, NULL out; aggregates:
-- no rows that count) or the SQLSTATE.
--
-- Part 1 lists the outcomes for the functions present when this test was
-- written (one line per function argument, then every distinct error
-- message).  Part 2 runs the same matrix over *every* function in schema
-- crm, including ones added later, and prints only anomalies: an SQLSTATE
-- outside the expected classes (XX000 above all), a NaN returned silently,
-- or a non-NULL result from a STRICT function given NULL.  It must print
-- no rows.
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET statement_timeout = '300s';
-- one backend does all the calls (forced parallel mode would start a worker
-- for each of the thousands of small queries)
SET max_parallel_workers = 0;
SET client_min_messages = error;
CREATE SCHEMA errtest;

-- A valid model value: the type's constructor (crm.<type>) with every
-- parameter 2.
CREATE FUNCTION errtest.good_model(typ regtype) RETURNS text
LANGUAGE sql AS $$
	SELECT format('%s(%s)', typ, (SELECT string_agg('2', ',') FROM generate_series(1, p.pronargs)))
	FROM pg_proc p JOIN pg_type t ON t.oid = typ
	WHERE p.pronamespace = 'crm'::regnamespace AND p.proname = t.typname AND p.prorettype = typ
	ORDER BY p.pronargs LIMIT 1;
$$;

-- Valid value of an argument, by the argument's name and type; for
-- aggregates (agg = true) some vary with the row number v.i (1..4).
CREATE FUNCTION errtest.baseline(argname text, typ regtype, agg boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	t text := typ::text;
	n text := coalesce(lower(argname), '');
BEGIN
	IF t IN ('crm.sbg', 'crm.bgbb', 'crm.pareto_nbd', 'crm.gamma_gamma') OR t LIKE 'crm.%' AND
		EXISTS (SELECT 1 FROM pg_type WHERE oid = typ AND typtype = 'c') THEN
		-- the constructor of the model type, all parameters 2
		RETURN coalesce(errtest.good_model(typ), 'NULL::' || t);
	ELSIF t = 'anyelement' THEN
		RETURN errtest.good_model('crm.pareto_nbd');
	ELSIF t = 'text' THEN
		RETURN '''x''::text';
	ELSIF t = 'crm.fit_state' THEN
		RETURN 'crm.fit_sbg_sfunc(NULL, 3, true)';
	ELSIF t = 'cstring' THEN
		RETURN 'crm.fit_sbg_sfunc(NULL, 3, true)::text::cstring';
	ELSIF t IN ('double precision', 'integer', 'bigint', 'numeric', 'real', 'smallint') THEN
		RETURN CASE
			WHEN n = 'frequency' THEN CASE WHEN agg THEN 'v.i' ELSE '2' END
			WHEN n = 'recency' THEN CASE WHEN agg THEN '(v.i * 2)' ELSE '5' END
			WHEN n IN ('t', 'n_periods') THEN '10'
			WHEN n = 'periods' THEN CASE WHEN agg THEN 'v.i' ELSE '3' END
			WHEN n = 'monetary' THEN CASE WHEN agg THEN '(10 * v.i)' ELSE '20' END
			WHEN n IN ('discount_rate', 'continuous_rate') THEN '0.1'
			WHEN n = 'penalizer' THEN '0'
			WHEN n IN ('customers') THEN '3'
			WHEN n = 'amount' THEN '10'
			ELSE '1' END || '::' || t;
	ELSIF t = 'boolean' THEN
		RETURN CASE WHEN agg THEN '(v.i < 3)' ELSE 'true' END;
	ELSIF t = 'timestamp with time zone' THEN
		IF n = 'occurred_at' OR (agg AND n = '') THEN
			RETURN '(timestamptz ''2020-01-01'' + v.i * interval ''9 days'')';
		END IF;
		RETURN CASE WHEN n LIKE 'calibration%' THEN '''2020-02-01''::timestamptz' ELSE '''2020-12-31''::timestamptz' END;
	ELSIF t = 'interval' THEN
		RETURN '''1 day''::interval';
	ELSIF t = 'double precision[]' THEN
		RETURN 'NULL::float8[]';
	END IF;
	RETURN 'NULL::' || t;
END $$;

-- Nasty values of a type (SQL expressions), with a short label each.
CREATE FUNCTION errtest.nasty(typ regtype, OUT label text, OUT expr text) RETURNS SETOF record
LANGUAGE plpgsql AS $$
DECLARE
	t text := typ::text;
	natts int;
	v text;
	good text;
	bytes bytea;
BEGIN
	label := 'NULL'; expr := 'NULL::' || t; RETURN NEXT;
	IF t IN ('double precision', 'real') THEN
		FOREACH v IN ARRAY ARRAY['NaN', 'Infinity', '-Infinity', '-0', '0', '-1', '0.5', '1e308', '-1e308', '1e-308', '1000000'] LOOP
			label := v; expr := format('%L::%s', v, t); RETURN NEXT;
		END LOOP;
	ELSIF t IN ('integer', 'smallint', 'bigint') THEN
		FOREACH v IN ARRAY ARRAY['0', '-1', '1000000', 'max', 'min'] LOOP
			label := v;
			expr := CASE v
				WHEN 'max' THEN CASE t WHEN 'integer' THEN '2147483647' WHEN 'smallint' THEN '32767' ELSE '9223372036854775807' END
				WHEN 'min' THEN CASE t WHEN 'integer' THEN '(-2147483648)' WHEN 'smallint' THEN '(-32768)' ELSE '(-9223372036854775808)' END
				ELSE v END || '::' || t;
			RETURN NEXT;
		END LOOP;
	ELSIF t = 'numeric' THEN
		FOREACH v IN ARRAY ARRAY['NaN', 'Infinity', '-1', '0', '1e20', '0.0000000000001'] LOOP
			label := v; expr := format('%L::numeric', v); RETURN NEXT;
		END LOOP;
	ELSIF t = 'timestamp with time zone' THEN
		FOREACH v IN ARRAY ARRAY['infinity', '-infinity', '4713-01-01 BC', '294276-12-31'] LOOP
			label := v; expr := format('%L::timestamptz', v); RETURN NEXT;
		END LOOP;
	ELSIF t = 'interval' THEN
		FOREACH v IN ARRAY ARRAY['0', '-1 day', '1 mon 1 day', '200000000 days'] LOOP
			label := v; expr := format('%L::interval', v); RETURN NEXT;
		END LOOP;
	ELSIF t = 'double precision[]' THEN
		FOREACH v IN ARRAY ARRAY['{}', '{NaN,1,1,1}', '{-1,1,1,1}', '{0,1,1,1}', '{Infinity,1,1,1}', '{1}', '{1,1,1,1,1,1,1}', '{NULL,1,1,1}', '{{1,1},{1,1}}', '[0:3]={1,1,1,1}'] LOOP
			label := v; expr := format('%L::float8[]', v); RETURN NEXT;
		END LOOP;
	ELSIF t IN ('crm.fit_state', 'cstring') THEN
		good := crm.fit_sbg_sfunc(NULL, 3, true)::text;
		bytes := decode(rpad(translate(split_part(good, ':', 2), '-_', '+/'),
			(length(split_part(good, ':', 2)) + 3) / 4 * 4, '='), 'base64');
		FOREACH v IN ARRAY ARRAY['', 'garbage', 'fitstate', 'fitstate:', 'fitstate:A', 'fitstate:!!!!',
			'fitstate:AAAA', 'rfm:' || split_part(good, ':', 2), left(good, length(good) / 2), good || 'AAAA'] LOOP
			label := CASE WHEN v = left(good, length(good) / 2) THEN 'truncated' WHEN v = good || 'AAAA' THEN 'trailing bytes'
				WHEN v LIKE 'rfm:%' THEN 'wrong prefix' ELSE quote_literal(v) END;
			expr := format('%L::%s', v, t); RETURN NEXT;
		END LOOP;
		-- wrong version, wrong tag, unknown kind, wrong option count, bad entry count
		-- (byte 20; byte 12 is the row count, which any value >= the entries may have)
		FOREACH natts IN ARRAY ARRAY[0, 1, 2, 3, 20] LOOP
			label := 'byte ' || natts || ' corrupted';
			expr := format('%L::%s', 'fitstate:' || rtrim(translate(encode(
				set_byte(bytes, natts, (get_byte(bytes, natts) + 99) % 256), 'base64'), '+/', '-_'), '='), t);
			RETURN NEXT;
		END LOOP;
	ELSIF t LIKE 'crm.%' AND EXISTS (SELECT 1 FROM pg_type WHERE oid = typ AND typtype = 'c') THEN
		-- a valid value's text (all fields NULL for a type without a
		-- constructor) with its first field replaced
		IF errtest.good_model(typ) IS NOT NULL THEN
			EXECUTE 'SELECT (' || errtest.good_model(typ) || ')::text' INTO good;
		ELSE
			good := '(' || repeat(',', (SELECT count(*)::int - 1 FROM pg_attribute WHERE attrelid =
				(SELECT typrelid FROM pg_type WHERE oid = typ) AND attnum > 0 AND NOT attisdropped)) || ')';
		END IF;
		FOREACH v IN ARRAY ARRAY['', 'NaN', 'Infinity', '-Infinity', '-1', '0', '1e308', '1e-308'] LOOP
			label := '(' || v || ',2..)';
			expr := format('%L::%s', regexp_replace(good, '^\(([^,]*)', '(' || v), t); RETURN NEXT;
		END LOOP;
		label := 'all fields NULL'; expr := format('%L::%s', regexp_replace(good, '[^,()]', '', 'g'), t); RETURN NEXT;
		label := 'too few fields'; expr := format('%L::%s', '(2)', t); RETURN NEXT;
		label := 'too many fields'; expr := format('%L::%s', rtrim(good, ')') || ',2)', t); RETURN NEXT;
		label := 'not a row'; expr := format('%L::%s', 'garbage', t); RETURN NEXT;
	END IF;
END $$;

-- Run one SQL text; the outcome as 'ok', 'null', 'nan' (a NaN in the
-- result) or the SQLSTATE, and the error message.
CREATE FUNCTION errtest.try(sql text, OUT outcome text, OUT message text)
LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE sql INTO r;
	outcome := CASE WHEN r IS NULL THEN 'null'
		WHEN r ~ '(^|[(,{"])NaN($|[),}"])' THEN 'nan' ELSE 'ok' END;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS outcome = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
END $$;

-- The functions to test: callable from SQL, not trigger/support functions,
-- not writers (VOLATILE).
CREATE VIEW errtest.funcs AS
SELECT p.oid, p.oid::regprocedure::text AS sig, p.proname, p.prokind, p.proretset, p.proisstrict,
	p.pronargs, p.proargnames,
	(SELECT array_agg(t::regtype ORDER BY o) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o)) AS argtypes
FROM pg_proc p
WHERE p.pronamespace = 'crm'::regnamespace AND p.prokind IN ('f', 'a') AND p.provolatile <> 'v'
	AND NOT 'internal'::regtype = ANY (p.proargtypes::oid[])
	AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype, 'internal'::regtype)
	AND p.proname NOT LIKE '%\_sfunc' AND p.proname NOT LIKE '%\_final';

-- SQL text of a call with the given argument expressions.
CREATE FUNCTION errtest.call_sql(f errtest.funcs, args text[]) RETURNS text
LANGUAGE sql AS $$
	SELECT CASE
		WHEN f.prokind = 'a' THEN format('SELECT crm.%I(%s)::text FROM generate_series(1, 4) v(i)',
			f.proname, array_to_string(args, ', '))
		WHEN f.proretset THEN format('SELECT count(*)::text FROM (SELECT * FROM crm.%I(%s) LIMIT 50) s',
			f.proname, array_to_string(args, ', '))
		ELSE format('SELECT crm.%I(%s)::text', f.proname, array_to_string(args, ', '))
	END;
$$;

-- The matrix: the baseline call, then each argument replaced by each nasty value.
CREATE TABLE errtest.matrix AS
WITH base AS (
	SELECT f, f.sig, f.proisstrict, f.prokind,
		array(SELECT errtest.baseline(f.proargnames[k], f.argtypes[k], f.prokind = 'a')
			FROM generate_subscripts(f.argtypes, 1) k ORDER BY k) AS args
	FROM errtest.funcs f
), calls AS (
	SELECT sig, 0 AS argno, NULL::text AS argname, 'baseline' AS label, proisstrict, prokind, (f).proretset,
		errtest.call_sql(f, args) AS sql
	FROM base
	UNION ALL
	SELECT b.sig, k, coalesce((b.f).proargnames[k], '$' || k), n.label, b.proisstrict, b.prokind, (b.f).proretset,
		errtest.call_sql(b.f, b.args[:k - 1] || n.expr || b.args[k + 1:])
	FROM base b, generate_subscripts(b.args, 1) k,
		-- a polymorphic model argument gets the values of crm.pareto_nbd
		errtest.nasty(CASE WHEN (b.f).argtypes[k] = 'anyelement'::regtype THEN 'crm.pareto_nbd'::regtype
			ELSE (b.f).argtypes[k] END) n
	-- simulating 10^6 or 2^31 customers is valid, only slow; the P(alive)
	-- heat map has no upper bound on its size (10^6 rows take minutes);
	-- clv_discrete allows 10^6 steps (about a minute for BG/NBD)
	WHERE NOT ((b.f).proargnames[k] IN ('customers', 'max_frequency', 'recency_steps', 'steps')
		AND n.label IN ('1000000', 'max'))
)
SELECT c.*, t.outcome, t.message
FROM calls c, LATERAL errtest.try(c.sql) t;

-- Part 1: the functions present when the test was written.
CREATE TABLE errtest.known (sig text PRIMARY KEY);
INSERT INTO errtest.known VALUES
	('crm.extension_version()'),
	('crm.sbg(double precision,double precision)'),
	('crm.retention_rate(crm.sbg,integer)'),
	('crm.survival(crm.sbg,integer)'),
	('crm.churn_probability(crm.sbg,integer)'),
	('crm.del(crm.sbg,double precision)'),
	('crm.derl(crm.sbg,double precision,integer)'),
	('crm.fit_sbg(integer,boolean,double precision,double precision,double precision[])'),
	('crm.bgbb(double precision,double precision,double precision,double precision)'),
	('crm.p_alive(crm.bgbb,integer,integer,integer)'),
	('crm.p_alive_in_period(crm.bgbb,integer,integer,integer,integer)'),
	('crm.p_alive_future(crm.bgbb,integer,integer,integer,integer)'),
	('crm.expected_purchases(crm.bgbb,integer)'),
	('crm.conditional_expected_purchases(crm.bgbb,integer,integer,integer,integer)'),
	('crm.prob_purchases(crm.bgbb,integer,integer)'),
	('crm.dert(crm.bgbb,double precision,integer,integer,integer)'),
	('crm.fit_bgbb(integer,integer,integer,double precision,double precision,double precision[])'),
	('crm.gamma_gamma(double precision,double precision,double precision)'),
	('crm.expected_spend(crm.gamma_gamma,double precision,double precision)'),
	('crm.fit_gamma_gamma(double precision,double precision,double precision,double precision,double precision[])'),
	('crm.pareto_nbd(double precision,double precision,double precision,double precision)'),
	('crm.p_alive(crm.pareto_nbd,double precision,double precision,double precision)'),
	('crm.p_alive_future(crm.pareto_nbd,double precision,double precision,double precision,double precision)'),
	('crm.expected_purchases(crm.pareto_nbd,double precision)'),
	('crm.conditional_expected_purchases(crm.pareto_nbd,double precision,double precision,double precision,double precision)'),
	('crm.prob_purchases(crm.pareto_nbd,integer,double precision)'),
	('crm.conditional_prob_purchases(crm.pareto_nbd,integer,double precision,double precision,double precision,double precision)'),
	('crm.dert(crm.pareto_nbd,double precision,double precision,double precision,double precision)'),
	('crm.fit_pareto_nbd(double precision,double precision,double precision,double precision,double precision,double precision[])'),
	('crm.fit_state_info(crm.fit_state)'),
	('crm.fit_state_in(cstring)'),
	('crm.fit_state_out(crm.fit_state)'),
	('crm.fit_combine(crm.fit_state,crm.fit_state)'),
	('crm.rfm_summary(timestamp with time zone,numeric,timestamp with time zone,interval,interval)'),
	('crm.rfm_calibration_holdout(timestamp with time zone,numeric,timestamp with time zone,timestamp with time zone,interval,interval)'),
	('crm.simulate_customers(integer,bigint,timestamp with time zone,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision)');

-- one line per function and argument: value => outcome, grouped by outcome
SELECT m.sig, coalesce(m.argname, '-') AS arg,
	string_agg(m.outcome || ': ' || m.labels, '; ' ORDER BY m.outcome) AS outcomes
FROM (
	SELECT sig, argno, argname, outcome, string_agg(label, ' ' ORDER BY label) AS labels
	FROM errtest.matrix
	WHERE sig IN (SELECT sig FROM errtest.known)
	GROUP BY sig, argno, argname, outcome
) m
GROUP BY m.sig, m.argno, m.argname
ORDER BY m.sig, m.argno;

-- every distinct error (SQLSTATE and message) seen in part 1, with a count
SELECT outcome AS sqlstate, message, count(*)
FROM errtest.matrix
WHERE sig IN (SELECT sig FROM errtest.known) AND message IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2;

-- Part 2: anomalies over every function of schema crm (must be no rows)
SELECT sig, argname, label, outcome, message
FROM errtest.matrix
WHERE NOT (outcome IN ('ok', 'null')
		OR outcome ~ '^(22|0A000|55000|53|54|57014|42804|42883)')
	OR (outcome <> 'null' AND label = 'NULL' AND proisstrict AND prokind = 'f' AND NOT proretset)
EXCEPT
-- documented: crm.customer_equity sums like sum(float8), NaN in gives NaN
SELECT sig, argname, label, outcome, message FROM errtest.matrix
WHERE sig = 'crm.customer_equity(double precision)' AND label = 'NaN' AND outcome = 'nan'
ORDER BY 1, 2, 3;

-- the baseline of every function of part 1 works (a typo in a baseline
-- would hide the matrix)
SELECT sig, outcome, message FROM errtest.matrix
WHERE label = 'baseline' AND outcome NOT IN ('ok') AND sig IN (SELECT sig FROM errtest.known)
ORDER BY 1;

-- the matrix is not trivially small
SELECT count(*) > 1000 AS many_inputs, count(DISTINCT sig) >= 34 AS all_functions FROM errtest.matrix;

-- Semantic combinations the one-at-a-time matrix does not make
\set VERBOSITY sqlstate
-- recency > T, frequency > 0 with recency 0, fractional frequency, huge x
SELECT crm.p_alive(crm.pareto_nbd(2, 2, 2, 2), 2, 11, 10);
SELECT round(crm.p_alive(crm.pareto_nbd(2, 2, 2, 2), 2, 0, 10)::numeric, 12);  -- 6.42976552788375e-05 (mpmath)
SELECT crm.p_alive(crm.pareto_nbd(2, 2, 2, 2), 2.5, 5, 10);
SELECT crm.p_alive(crm.bgbb(2, 2, 2, 2), 3, 2, 5);
SELECT crm.p_alive(crm.bgbb(2, 2, 2, 2), 6, 6, 5);
SELECT crm.fit_pareto_nbd(x, tx, t) FROM (VALUES (2, 11, 10)) v(x, tx, t);
SELECT crm.fit_pareto_nbd(x, tx, t) FROM (VALUES (2.5, 5, 10)) v(x, tx, t);
SELECT crm.fit_bgbb(x, tx, n) FROM (VALUES (6, 6, 5)) v(x, tx, n);
SELECT round(crm.p_alive(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), 1e6, 38, 39)::numeric, 6);
SELECT round(crm.conditional_expected_purchases(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), 1, 1e6, 38, 39)::numeric, -3);
-- empty input: the fit aggregates give NULL (documented), RFM gives no rows
SELECT crm.fit_pareto_nbd(x, tx, t) IS NULL AS empty_fit FROM (SELECT 1.0, 1.0, 1.0 WHERE false) v(x, tx, t);
SELECT crm.fit_sbg(p, c) IS NULL AS empty_fit FROM (SELECT 1, true WHERE false) v(p, c);
\set VERBOSITY default

DROP SCHEMA errtest CASCADE;
