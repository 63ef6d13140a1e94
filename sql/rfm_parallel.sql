-- rfm_parallel: the RFM aggregates in parallel plans (Partial/Finalize with
-- serialized states) and in partitionwise aggregation (combine without
-- serialization) give results bit-identical to a serial run; combining
-- states built with different parameters is an error.
SET TimeZone = 'UTC';
SET extra_float_digits = 3;

CREATE TABLE rfm_par AS
SELECT (i % 2000) AS customer,
       timestamptz '2020-01-01' + ((i * 7919) % 1009) * interval '1 day' + (i % 24) * interval '1 hour' AS occurred_at,
       (((i / 3) % 997) / 10.0 - 3)::numeric(10, 2) AS amount
FROM generate_series(1, 60000) i;
ANALYZE rfm_par;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;

-- the parallel results are kept in a table: partial states from the workers
-- are serialized, sent, deserialized and combined
EXPLAIN (COSTS OFF)
CREATE TABLE rfm_par_summary AS
SELECT customer, crm.rfm_summary(occurred_at, amount, '2022-06-30', '1 day', '7 days') AS r,
       crm.rfm_calibration_holdout(occurred_at, amount, '2021-06-30', '2022-06-30', '1 day', '7 days') AS h
FROM rfm_par GROUP BY customer;
CREATE TABLE rfm_par_summary AS
SELECT customer, crm.rfm_summary(occurred_at, amount, '2022-06-30', '1 day', '7 days') AS r,
       crm.rfm_calibration_holdout(occurred_at, amount, '2021-06-30', '2022-06-30', '1 day', '7 days') AS h
FROM rfm_par GROUP BY customer;

SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT customer, crm.rfm_summary(occurred_at, amount, '2022-06-30', '1 day', '7 days')
FROM rfm_par GROUP BY customer;

-- every customer's row is the same, to the last bit (compared as text with
-- extra_float_digits = 3)
SELECT count(*) AS customers, count(s.r) AS with_summary, count(s.h) AS with_holdout,
       count(*) FILTER (WHERE p.r::text IS NOT DISTINCT FROM s.r::text) AS same_summary,
       count(*) FILTER (WHERE p.h::text IS NOT DISTINCT FROM s.h::text) AS same_holdout,
       sum((s.r).frequency) AS frequencies, sum((s.r).revenue) AS revenue,
       sum((s.h).frequency_holdout) AS holdout_frequencies
FROM rfm_par_summary p
JOIN (SELECT customer, crm.rfm_summary(occurred_at, amount, '2022-06-30', '1 day', '7 days') AS r,
             crm.rfm_calibration_holdout(occurred_at, amount, '2021-06-30', '2022-06-30', '1 day', '7 days') AS h
      FROM rfm_par GROUP BY customer) s USING (customer);

-- partitionwise aggregation: each partition holds part of every customer's
-- rows, so the partial states of a customer are combined
CREATE TABLE rfm_part (customer int, occurred_at timestamptz, amount numeric, part int) PARTITION BY LIST (part);
CREATE TABLE rfm_part_0 PARTITION OF rfm_part FOR VALUES IN (0);
CREATE TABLE rfm_part_1 PARTITION OF rfm_part FOR VALUES IN (1);
CREATE TABLE rfm_part_2 PARTITION OF rfm_part FOR VALUES IN (2);
INSERT INTO rfm_part SELECT customer, occurred_at, amount, (extract(epoch FROM occurred_at) / 3600)::bigint % 3
FROM rfm_par;
ANALYZE rfm_part;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT customer, crm.rfm_summary(occurred_at, amount, '2022-06-30', '1 day', '7 days')
FROM rfm_part GROUP BY customer;
SELECT count(*) AS customers, count(*) FILTER (WHERE p.r::text IS NOT DISTINCT FROM s.r::text) AS same_summary
FROM rfm_par_summary p
JOIN (SELECT customer, crm.rfm_summary(occurred_at, amount, '2022-06-30', '1 day', '7 days') AS r
      FROM rfm_part GROUP BY customer) s USING (customer);
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT customer, crm.rfm_summary(occurred_at, amount, '2022-06-30', '1 day', '7 days')
FROM rfm_part GROUP BY customer;
SELECT count(*) AS customers, count(*) FILTER (WHERE p.h::text IS NOT DISTINCT FROM s.h::text) AS same_holdout
FROM rfm_par_summary p
JOIN (SELECT customer,
             crm.rfm_calibration_holdout(occurred_at, amount, '2021-06-30', '2022-06-30', '1 day', '7 days') AS h
      FROM rfm_part GROUP BY customer) s USING (customer);

-- partial states built with different parameters cannot be combined: here
-- every partition has its own observation_end (each partition is consistent)
\set VERBOSITY sqlstate
SELECT customer, crm.rfm_summary(occurred_at, amount, timestamptz '2022-06-30' + part * interval '1 day')
FROM rfm_part GROUP BY customer;
SELECT customer, crm.rfm_summary(occurred_at, amount, '2022-06-30', CASE part WHEN 2 THEN interval '7 days' ELSE '1 day' END)
FROM rfm_part GROUP BY customer;
SELECT customer, crm.rfm_calibration_holdout(occurred_at, amount, timestamptz '2021-06-30' + part * interval '1 hour', '2022-06-30')
FROM rfm_part GROUP BY customer;
SET max_parallel_workers_per_gather = 2;
SELECT customer, crm.rfm_summary(occurred_at, amount, timestamptz '2022-06-30' + part * interval '1 day')
FROM rfm_part GROUP BY customer;
\set VERBOSITY default

RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
DROP TABLE rfm_part;
DROP TABLE rfm_par_summary;
DROP TABLE rfm_par;
