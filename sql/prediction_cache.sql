-- Per-call-site memo of the predictions (src/core/predcache.c): a query over
-- repeated and alternating customers, with the model changing from row to
-- row, gives exactly (float8 =) the value of a call made on its own (a
-- fresh call site, through EXECUTE), and a bad row still fails after good
-- rows with the same (frequency, t) were memoized.
-- (shortest exact float8 text, so that the EXECUTEd calls get the same values)
SET extra_float_digits = 3;

-- 30 distinct customers of a weekly summary (whole frequency, recency and
-- age in days / 7, some bought in the last period) that share their
-- (frequency, t) in groups, each appearing 8 times in a shuffled order:
-- 240 rows
CREATE TEMP TABLE pc_cust AS
SELECT i AS id, x AS frequency,
       CASE WHEN x = 0 THEN 0 WHEN i % 7 = 0 THEN t ELSE floor(t * 7 * ((i * 37) % 100) / 100.0) / 7 END AS recency,
       t
FROM (SELECT i, ((i * 13) % 4)::float8 AS x, (10 + 61 * ((i * 7) % 3)) / 7.0 AS t
      FROM generate_series(1, 30) AS i) q;
CREATE TEMP TABLE pc_rows AS
SELECT row_number() OVER (ORDER BY (c.id * 7919 + k * 104729) % 241, k) AS n, c.*
FROM pc_cust c, generate_series(1, 8) AS k;
SELECT count(*) AS rows, count(DISTINCT id) AS customers,
       count(DISTINCT (frequency, recency)) AS distinct_x_tx,
       count(DISTINCT (frequency, t)) AS distinct_x_t FROM pc_rows;

-- three models of each kind; row n uses model n % 3 (alternating)
CREATE TEMP TABLE pc_models (k int, bg crm.bgnbd, mbg crm.mbgnbd, pn crm.pareto_nbd);
INSERT INTO pc_models VALUES
 (0, crm.bgnbd(0.243, 4.414, 0.793, 2.426), crm.mbgnbd(0.243, 4.414, 0.793, 2.426),
     crm.pareto_nbd(0.553, 10.578, 0.606, 11.669)),
 (1, crm.bgnbd(0.823, 3.076, 0.507, 4.006), crm.mbgnbd(1.043, 3.713, 0.723, 7.122),
     crm.pareto_nbd(1.077, 4.568, 0.683, 31.763)),
 (2, crm.bgnbd(0.5, 12, 1.5, 5), crm.mbgnbd(0.5, 12, 1.5, 5),
     crm.pareto_nbd(0.5, 12, 0.6, 5));	-- alpha >= beta

-- the value of one call on its own: a new plan, so a new call site
CREATE FUNCTION pg_temp.single(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	v float8;
BEGIN
	EXECUTE q INTO v;
	RETURN v;
END $$;

-- every row of one query against its single call; one line per function
CREATE TEMP TABLE pc_check (fn text, rows int, mismatches int);
INSERT INTO pc_check
SELECT 'p_alive(pareto_nbd)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.p_alive(%L::crm.pareto_nbd, %s, %s, %s)', pn, frequency, recency, t)))
FROM (SELECT r.*, m.pn, crm.p_alive(m.pn, frequency, recency, t) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = r.n % 3) q;
INSERT INTO pc_check
SELECT 'p_alive_future(pareto_nbd, 10)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.p_alive_future(%L::crm.pareto_nbd, %s, %s, %s, 10)', pn, frequency, recency, t)))
FROM (SELECT r.*, m.pn, crm.p_alive_future(m.pn, frequency, recency, t, 10) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = r.n % 3) q;
INSERT INTO pc_check
SELECT 'conditional_expected_purchases(pareto_nbd, 52)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.conditional_expected_purchases(%L::crm.pareto_nbd, 52, %s, %s, %s)', pn, frequency, recency, t)))
FROM (SELECT r.*, m.pn, crm.conditional_expected_purchases(m.pn, 52, frequency, recency, t) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = r.n % 3) q;
INSERT INTO pc_check
SELECT 'conditional_prob_purchases(pareto_nbd, 0..2, 26)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.conditional_prob_purchases(%L::crm.pareto_nbd, %s, 26, %s, %s, %s)', pn, n % 3, frequency, recency, t)))
FROM (SELECT r.*, m.pn, crm.conditional_prob_purchases(m.pn, (r.n % 3)::int, 26, frequency, recency, t) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = (r.n - 1) / 80) q;
INSERT INTO pc_check
SELECT 'dert(pareto_nbd)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.dert(%L::crm.pareto_nbd, 0.0027, %s, %s, %s)', pn, frequency, recency, t)))
FROM (SELECT r.*, m.pn, crm.dert(m.pn, 0.0027, frequency, recency, t) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = r.n % 3) q;
INSERT INTO pc_check
SELECT 'conditional_expected_purchases(bgnbd, 52 or 13)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.conditional_expected_purchases(%L::crm.bgnbd, %s, %s, %s, %s)', bg, h, frequency, recency, t)))
FROM (SELECT r.*, m.bg, CASE WHEN r.n % 2 = 0 THEN 52 ELSE 13 END AS h,
             crm.conditional_expected_purchases(m.bg, CASE WHEN r.n % 2 = 0 THEN 52 ELSE 13 END, frequency, recency, t) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = r.n % 3) q;
INSERT INTO pc_check
SELECT 'conditional_expected_purchases(mbgnbd, 52)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.conditional_expected_purchases(%L::crm.mbgnbd, 52, %s, %s, %s)', mbg, frequency, recency, t)))
FROM (SELECT r.*, m.mbg, crm.conditional_expected_purchases(m.mbg, 52, frequency, recency, t) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = r.n % 3) q;
INSERT INTO pc_check
SELECT 'dert(bgnbd)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.dert(%L::crm.bgnbd, 0.0027, %s, %s, %s)', bg, frequency, recency, t)))
FROM (SELECT r.*, m.bg, crm.dert(m.bg, 0.0027, frequency, recency, t) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = r.n % 3 WHERE r.n % 4 = 0) q;
INSERT INTO pc_check
SELECT 'dert(mbgnbd)', count(*), count(*) FILTER (WHERE v IS DISTINCT FROM pg_temp.single(
         format('SELECT crm.dert(%L::crm.mbgnbd, 0.0027, %s, %s, %s)', mbg, frequency, recency, t)))
FROM (SELECT r.*, m.mbg, crm.dert(m.mbg, 0.0027, frequency, recency, t) AS v
      FROM pc_rows r JOIN pc_models m ON m.k = r.n % 3 WHERE r.n % 4 = 0) q;
SELECT fn, rows, mismatches FROM pc_check ORDER BY fn;

-- two call sites in one query, every model for every row: the same bits
SELECT count(*) FILTER (WHERE a IS DISTINCT FROM b) AS mismatches
FROM (SELECT crm.p_alive(m.pn, frequency, recency, t) AS a, crm.p_alive(m.pn, frequency, recency, t) AS b
      FROM pc_rows r, pc_models m) q;

-- a bad row after good ones with the same (frequency, t) still fails
\set VERBOSITY terse
SELECT crm.conditional_expected_purchases(m.bg, 52, f, r, t)
FROM pc_models m, (VALUES (2.0, 1.0, 10.0), (2.0, 3.0, 10.0), (2.0, 11.0, 10.0)) AS v(f, r, t)
WHERE m.k = 0;
SELECT crm.p_alive(m.pn, f, r, t)
FROM pc_models m, (VALUES (2.0, 1.0, 10.0), (2.0, 3.0, 10.0), (2.5, 3.0, 10.0)) AS v(f, r, t)
WHERE m.k = 0;
SELECT crm.dert(m.pn, d, 2, 1, 10)
FROM pc_models m, (VALUES (0.0027), (0.0027), (0)) AS v(d)
WHERE m.k = 0;
\set VERBOSITY default
