-- bench/data.sql: the benchmark's data, deterministic by seed.
--
-- psql variables: customers, seed, observation_end.
-- bench.tx: purchases and refunds of the simulated customers of
-- crm.simulate_bgnbd (the demo data generator: BG/NBD timing, Gamma-Gamma
-- spend; the same arguments always give the same rows), amounts rounded to
-- cents as crm.generate_demo_data does, in the order of time as an append-only table would hold them.  The
-- parameters give about 10 purchases per customer (1M customers -> ~10M rows).
-- Unlogged and without indexes: the benchmark scans it whole.
-- bench.summary: the weekly RFM summary of bench.tx (input of the fits and
-- predictions).

\set ON_ERROR_STOP on
SET max_parallel_workers_per_gather = 0;
SET work_mem = '1GB';

DROP TABLE IF EXISTS bench.tx, bench.summary, bench.models;

CREATE UNLOGGED TABLE bench.tx AS
SELECT customer AS customer_id, occurred_at,
	CASE kind WHEN 'purchase' THEN greatest(round(amount::numeric, 2), 0.01)
		ELSE least(round(amount::numeric, 2), -0.01) END AS amount
FROM crm.simulate_bgnbd(:customers, :seed, :'observation_end',
	r => 0.8, alpha => 2.8, a => 0.5, b => 4)
WHERE kind IN ('purchase', 'refund')
ORDER BY occurred_at;

VACUUM (FREEZE, ANALYZE) bench.tx;

CREATE UNLOGGED TABLE bench.summary AS
SELECT customer_id, (s).frequency::float8 AS frequency, (s).recency, (s).t, (s).monetary
FROM (SELECT customer_id, crm.rfm_summary(occurred_at, amount, :'observation_end', '1 day', '7 days') AS s
	  FROM bench.tx GROUP BY customer_id) AS q
WHERE s IS NOT NULL;

VACUUM (FREEZE, ANALYZE) bench.summary;

-- fitted models (kind, text of the model composite), used by the prediction cases
CREATE UNLOGGED TABLE bench.models (kind text PRIMARY KEY, model text);
