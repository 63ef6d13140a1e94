-- bench/bench.sql: helpers of the benchmark (schema bench), loaded by bench/run.sh.
--
-- Times are measured on the server: EXPLAIN (ANALYZE, TIMING OFF) runs the
-- whole plan (final functions and projections included) without sending rows
-- to the client, and its "Execution Time" leaves out parsing and planning.
-- A case and its floor run interleaved (case, floor, case, floor, ...) so that
-- load from other processes on the machine hits both alike; the ratio is the
-- ratio of the medians (min_ratio, the ratio of the fastest runs, is the
-- other estimate of the unloaded cost; with a target, pass = ratio <= target).  Not part of the extension.

CREATE SCHEMA IF NOT EXISTS bench;

-- One row per measurement; run.sh prints the table and writes the JSON from it.
CREATE TABLE IF NOT EXISTS bench.results (
	seq serial,
	section text NOT NULL,
	name text NOT NULL,
	unit text NOT NULL DEFAULT 'ms',
	value float8,
	floor_value float8,
	ratio float8,
	min_ratio float8,
	target float8,
	result text NOT NULL,
	runs float8[],
	floor_runs float8[],
	query text,
	floor_query text,
	detail jsonb NOT NULL DEFAULT '{}'
);

-- Apply "name=value;name=value" settings for the rest of the transaction.
CREATE OR REPLACE FUNCTION bench.apply_settings(settings text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	item text;
BEGIN
	FOREACH item IN ARRAY string_to_array(coalesce(settings, ''), ';')
	LOOP
		CONTINUE WHEN btrim(item) = '';
		PERFORM set_config(btrim(split_part(item, '=', 1)), btrim(split_part(item, '=', 2)), true);
	END LOOP;
END
$$;

-- EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) of q: the plan with run-time figures.
CREATE OR REPLACE FUNCTION bench.explain_analyze(q text)
RETURNS json
LANGUAGE plpgsql
AS $$
DECLARE
	p json;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, BUFFERS OFF, FORMAT JSON) ' || q INTO p;
	RETURN p -> 0;
END
$$;

-- Execution time (ms) of one run of q with the given settings.
CREATE OR REPLACE FUNCTION bench.run_ms(q text, settings text DEFAULT '')
RETURNS float8
LANGUAGE plpgsql
AS $$
BEGIN
	PERFORM bench.apply_settings(settings);
	RETURN (bench.explain_analyze(q) ->> 'Execution Time')::float8;
END
$$;

CREATE OR REPLACE FUNCTION bench.median(v float8[])
RETURNS float8
LANGUAGE sql IMMUTABLE
AS $$
	SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(v) AS x
$$;

-- The plan's node types, partial modes and strategies, flattened to one text
-- (for the checks "Partial Aggregate ... Finalize" and "HashAggregate").
CREATE OR REPLACE FUNCTION bench.plan_shape(plan json)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT string_agg(m[1], ' ' ORDER BY n)
	FROM regexp_matches(plan::text,
		'"(?:Node Type|Partial Mode|Strategy)": "([^"]*)"', 'g') WITH ORDINALITY AS t(m, n)
$$;

-- Sum of a numeric key over every node of the plan (e.g. "Workers Launched",
-- "HashAgg Batches", "Disk Usage").
CREATE OR REPLACE FUNCTION bench.plan_sum(plan json, key text)
RETURNS float8
LANGUAGE sql IMMUTABLE
AS $$
	SELECT coalesce(sum(m[1]::float8), 0)
	FROM regexp_matches(plan::text, '"' || key || '": ([0-9.]+)', 'g') AS m
$$;

-- Run q and floor_q alternately reps times (each with its own settings),
-- store medians and ratio in bench.results and return the row's seq.
-- target NULL = informational (result "info").
CREATE OR REPLACE FUNCTION bench.compare(section text, name text, q text, floor_q text,
	reps int, target float8, settings text DEFAULT '', floor_settings text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	runs float8[] := '{}';
	floor_runs float8[] := '{}';
	p json;
	fp json;
	med float8;
	fmed float8;
	r float8;
	id int;
	i int;
BEGIN
	FOR i IN 1..reps LOOP
		PERFORM bench.apply_settings(settings);
		p := bench.explain_analyze(q);
		runs := runs || (p ->> 'Execution Time')::float8;
		PERFORM bench.apply_settings(coalesce(floor_settings, settings));
		fp := bench.explain_analyze(floor_q);
		floor_runs := floor_runs || (fp ->> 'Execution Time')::float8;
	END LOOP;
	med := bench.median(runs);
	fmed := bench.median(floor_runs);
	r := med / nullif(fmed, 0);
	INSERT INTO bench.results AS res (section, name, value, floor_value, ratio, min_ratio, target, result,
		runs, floor_runs, query, floor_query, detail)
	VALUES (section, name, med, fmed, r,
		(SELECT min(x) FROM unnest(runs) AS x) / nullif((SELECT min(x) FROM unnest(floor_runs) AS x), 0), target,
		CASE WHEN target IS NULL THEN 'info' WHEN r <= target THEN 'pass' ELSE 'MISS' END,
		runs, floor_runs, q, floor_q,
		jsonb_build_object('plan', bench.plan_shape(p), 'floor_plan', bench.plan_shape(fp),
			'workers_launched', bench.plan_sum(p, 'Workers Launched'),
			'floor_workers_launched', bench.plan_sum(fp, 'Workers Launched'),
			'settings', settings, 'floor_settings', coalesce(floor_settings, settings)))
	RETURNING res.seq INTO id;
	RETURN id;
END
$$;

-- This backend's memory figures from /proc/self/status, in kB (NULL when
-- the file cannot be read: not Linux, or not a superuser).
CREATE OR REPLACE FUNCTION bench.proc_status()
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
	s text;
BEGIN
	BEGIN
		s := pg_read_file('/proc/self/status');
	EXCEPTION WHEN OTHERS THEN
		RETURN NULL;
	END;
	RETURN (SELECT jsonb_object_agg(m[1], m[2]::bigint)
			FROM regexp_matches(s, '(VmHWM|VmRSS|RssAnon|RssFile|RssShmem):\s+([0-9]+) kB', 'g') AS m);
END
$$;

-- Peak private memory of one run of q in this backend (run it in a fresh
-- connection: VmHWM is the high-water mark of the process's whole life).
-- Private = VmHWM - RssFile - RssShmem at the end: shared buffers and mapped
-- files only grow while the query runs, so this is a lower bound of the
-- private (palloc) peak, and a tight one when the peak is at the end (as for
-- a hash aggregate).  Returns that peak less the private memory of the idle
-- backend before the run (baseline), in MB, and the run's execution time.
CREATE OR REPLACE FUNCTION bench.peak_memory(q text, settings text DEFAULT '',
	OUT peak_mb float8, OUT baseline_mb float8, OUT ms float8, OUT plan json)
LANGUAGE plpgsql
AS $$
DECLARE
	s0 jsonb;
	s1 jsonb;
BEGIN
	PERFORM bench.apply_settings(settings);
	s0 := bench.proc_status();
	plan := bench.explain_analyze(q);
	ms := (plan ->> 'Execution Time')::float8;
	s1 := bench.proc_status();
	IF s1 IS NOT NULL THEN
		baseline_mb := (s0 ->> 'RssAnon')::float8 / 1024;
		peak_mb := ((s1 ->> 'VmHWM')::float8 - (s1 ->> 'RssFile')::float8 - (s1 ->> 'RssShmem')::float8) / 1024
			- baseline_mb;
	END IF;
END
$$;

-- Order-independent checksum of a query's rows (to compare two runs of it).
CREATE OR REPLACE FUNCTION bench.checksum(q text, settings text DEFAULT '')
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	c text;
BEGIN
	PERFORM bench.apply_settings(settings);
	EXECUTE 'SELECT count(*)::text || '':'' || sum(hashtextextended(s::text, 0)::numeric)::text FROM ('
		|| q || ') AS s' INTO c;
	RETURN c;
END
$$;
