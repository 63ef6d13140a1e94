-- The model-fit framework: the crm.fit_state type, the generic aggregate
-- rules (NULLs, weights, options), parallel plans with partial states,
-- combining and its errors.  sBG is the model used to exercise it.
SET extra_float_digits = 0;

-- deterministic data: 10000 customers in the proportions of the Regular cohort
-- (a plain table: temporary tables are never scanned in parallel)
CREATE TABLE subs AS
SELECT g AS id,
       CASE WHEN g % 1000 < 369 THEN 1 WHEN g % 1000 < 532 THEN 2 WHEN g % 1000 < 618 THEN 3
            WHEN g % 1000 < 674 THEN 4 WHEN g % 1000 < 711 THEN 5 WHEN g % 1000 < 738 THEN 6
            ELSE 7 END AS periods,
       g % 1000 < 759 AS churned
FROM generate_series(1, 10000) g;
ANALYZE subs;

-- the state compresses identical customers: 8 patterns for 10000 rows
SELECT (crm.fit_state_info(s)).*
FROM (SELECT crm.fit_sbg_sfunc(crm.fit_sbg_sfunc(crm.fit_sbg_sfunc(NULL, 3, true), 3, true, 2.5),
                               0, false) AS s) x;

-- fit_state text form: lossless round trip (identical bytes)
CREATE TEMP TABLE states AS
SELECT crm.fit_sbg_sfunc(crm.fit_sbg_sfunc(crm.fit_sbg_sfunc(NULL, 2, true, 0.1, 0.25, '{0.5,2}'),
                                           5, false, 1e-300, 0.25, '{0.5,2}'),
                         2, true, 3.7, 0.25, '{0.5,2}') AS s;
SELECT s::text FROM states;
SELECT s::text::crm.fit_state::text = s::text AS text_round_trip,
       crm.fit_state_send(s::text::crm.fit_state) = crm.fit_state_send(s) AS same_bytes
FROM states;
SELECT (crm.fit_state_info(s)).* FROM states;
-- the same state as crm_ext 1.0 wrote it (format 1: 40 bytes an entry) is still read (and
-- kept as it is); a state made from it is written in format 2
SELECT v1::text = v1_text AS format_1_kept, crm.fit_combine(NULL, v1)::text = s::text AS format_1_read
FROM states, (SELECT text 'fitstate:AUYGAgAAAAAAANA_AAAAAAAA4D8AAAAAAAAAQAMAAAAAAAAAAgAAAAAAAAAAAAAAAAAAQAAAAAAAAPA_AAAAAAAAAABnZmZmZmYOQAAAAAAAAJi8AAAAAAAAFEAAAAAAAAAAAAAAAAAAAAAAWfP4wh9upQEAAAAAAAAAAA' AS v1_text) t,
     LATERAL (SELECT t.v1_text::crm.fit_state AS v1) c;

-- the rules of every fit aggregate
-- no rows -> NULL; rows whose data are all NULL -> NULL
SELECT crm.fit_sbg(periods, churned) IS NULL AS empty_is_null FROM subs WHERE false;
SELECT crm.fit_sbg(NULL::int, churned) IS NULL AS all_null_is_null FROM subs;
-- rows with a NULL data argument or a NULL weight are skipped
SELECT (SELECT crm.fit_sbg(CASE WHEN id % 7 = 0 THEN NULL ELSE periods END, churned) FROM subs)::text
     = (SELECT crm.fit_sbg(periods, churned) FROM subs WHERE id % 7 <> 0)::text AS null_data_skipped;
SELECT (SELECT crm.fit_sbg(periods, churned, CASE WHEN id % 5 = 0 THEN NULL ELSE 1 END) FROM subs)::text
     = (SELECT crm.fit_sbg(periods, churned) FROM subs WHERE id % 5 <> 0)::text AS null_weight_skipped;
-- integer weights are exactly equivalent to repeated rows
SELECT (SELECT crm.fit_sbg(periods, churned, 10) FROM subs)::text
     = (SELECT crm.fit_sbg(periods, churned) FROM subs, generate_series(1, 10))::text AS weight_is_repetition;
SELECT (crm.fit_sbg(periods, churned, 0.5)).n_customers FROM subs;
-- NULL penalizer = 0, NULL start = automatic
SELECT (SELECT crm.fit_sbg(periods, churned, 1, NULL) FROM subs)::text
     = (SELECT crm.fit_sbg(periods, churned) FROM subs)::text AS null_penalizer_is_zero;
SELECT (SELECT crm.fit_sbg(periods, churned, 1, 0, NULL) FROM subs)::text
     = (SELECT crm.fit_sbg(periods, churned) FROM subs)::text AS null_start_is_automatic;
-- the penalizer shrinks the parameters; a start vector reaches the same optimum
SELECT round((m).alpha::numeric, 4) AS alpha, round((m).beta::numeric, 4) AS beta, (m).converged
FROM (SELECT crm.fit_sbg(periods, churned, 1, 0.01) AS m FROM subs) s;
SELECT abs((m).alpha / 0.7040772984735162 - 1) < 1e-9 AS alpha_mle,
       abs((m).beta / 1.1820430262094757 - 1) < 1e-9 AS beta_mle
FROM (SELECT crm.fit_sbg(periods, churned, 1, 0, ARRAY[20, 0.05]) AS m FROM subs) s;
-- unidentified data: converged = false with a WARNING
\set VERBOSITY sqlstate
SELECT (m).converged FROM (SELECT crm.fit_sbg(1, true) AS m) s;
\set VERBOSITY default

-- parallel aggregation: partial states are combined, same result as serial
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT crm.fit_sbg(periods, churned) FROM subs;
SELECT crm.fit_sbg(periods, churned)::text AS parallel_fit FROM subs \gset
SELECT crm.fit_sbg(periods, churned, 1.5, 0.001)::text AS parallel_fit_options FROM subs \gset
CREATE TEMP TABLE par_grouped AS
SELECT id % 3 AS part, crm.fit_sbg(periods, churned, 1.5) AS m FROM subs GROUP BY 1;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT crm.fit_sbg(periods, churned) FROM subs;
SELECT :'parallel_fit' = crm.fit_sbg(periods, churned)::text AS parallel_equals_serial FROM subs;
SELECT :'parallel_fit_options' = crm.fit_sbg(periods, churned, 1.5, 0.001)::text AS parallel_equals_serial_options
FROM subs;
SELECT bool_and(p.m::text = s.m::text) AS grouped_equal
FROM par_grouped p
JOIN (SELECT id % 3 AS part, crm.fit_sbg(periods, churned, 1.5) AS m FROM subs GROUP BY 1) s USING (part);
SELECT round((:'parallel_fit'::crm.sbg).alpha::numeric, 6) AS alpha,
       round((:'parallel_fit'::crm.sbg).beta::numeric, 6) AS beta,
       (:'parallel_fit'::crm.sbg).converged;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- combining partial states by hand (what a Finalize Aggregate or Citus does):
-- an aggregate without a final function returns the state itself
CREATE AGGREGATE pg_temp.sbg_state(int, boolean) (
	SFUNC = crm.fit_sbg_sfunc, STYPE = crm.fit_state, COMBINEFUNC = crm.fit_combine);
CREATE AGGREGATE pg_temp.sbg_state(int, boolean, float8, float8) (
	SFUNC = crm.fit_sbg_sfunc, STYPE = crm.fit_state, COMBINEFUNC = crm.fit_combine);
CREATE TEMP TABLE halves AS
SELECT id <= 4000 AS first, pg_temp.sbg_state(periods, churned) AS s FROM subs GROUP BY 1;
SELECT first, (crm.fit_state_info(s)).row_count, (crm.fit_state_info(s)).patterns FROM halves ORDER BY first;
SELECT crm.fit_sbg_final(crm.fit_combine(a.s, b.s))::text
     = (SELECT crm.fit_sbg(periods, churned) FROM subs)::text AS combined_equals_whole
FROM halves a, halves b WHERE a.first AND NOT b.first;
SELECT crm.fit_combine(NULL, NULL) IS NULL AS both_null;
SELECT (crm.fit_state_info(crm.fit_combine(NULL, s))).row_count AS null_is_empty FROM states;
SELECT (crm.fit_state_info(crm.fit_combine(s, s))).* FROM states;
-- a partial state goes through its text form unchanged (Citus ships it as text)
SELECT crm.fit_sbg_final(crm.fit_combine(a.s::text::crm.fit_state, b.s::text::crm.fit_state))::text
     = crm.fit_sbg_final(crm.fit_combine(a.s, b.s))::text AS text_shipping_lossless
FROM halves a, halves b WHERE a.first AND NOT b.first;

-- errors
\set VERBOSITY sqlstate
-- states built with different options cannot be combined
SELECT crm.fit_combine(a.s, b.s)
FROM (SELECT pg_temp.sbg_state(periods, churned, 1, 0.1) AS s FROM subs) a,
     (SELECT pg_temp.sbg_state(periods, churned, 1, 0.2) AS s FROM subs) b;
SELECT crm.fit_combine(a.s, b.s)
FROM (SELECT pg_temp.sbg_state(periods, churned) AS s FROM subs) a, states b;
-- the options must not change from row to row
SELECT crm.fit_sbg(periods, churned, 1, CASE WHEN id < 5000 THEN 0.1 ELSE 0.2 END) FROM subs;
SELECT crm.fit_sbg(periods, churned, 1, 0, CASE WHEN id < 5000 THEN '{1,1}'::float8[] ELSE '{1,2}' END) FROM subs;
-- bad options and weights
SELECT crm.fit_sbg(periods, churned, 1, -0.5) FROM subs;
SELECT crm.fit_sbg(periods, churned, 1, 'NaN') FROM subs;
SELECT crm.fit_sbg(periods, churned, 1, 0, '{1,2,3}') FROM subs;
SELECT crm.fit_sbg(periods, churned, 1, 0, '{{1,2}}') FROM subs;
SELECT crm.fit_sbg(periods, churned, 1, 0, '{1,NULL}') FROM subs;
SELECT crm.fit_sbg(periods, churned, 1, 0, '{1,-2}') FROM subs;
SELECT crm.fit_sbg(periods, churned, 0) FROM subs;
SELECT crm.fit_sbg(periods, churned, -1) FROM subs;
SELECT crm.fit_sbg(periods, churned, 'Infinity') FROM subs;
-- malformed fit_state text: 22P02
SELECT 'garbage'::crm.fit_state;
SELECT 'fitstate:'::crm.fit_state;
SELECT 'fitstate:!!!!'::crm.fit_state;
SELECT left(s::text, 20)::crm.fit_state FROM states;
SELECT (s::text || 'AAAA')::crm.fit_state FROM states;
SELECT replace(s::text, 'fitstate:AkYG', 'fitstate:A0YG')::crm.fit_state FROM states;
SELECT replace(s::text, 'fitstate:AkYG', 'fitstate:AlIG')::crm.fit_state FROM states;
SELECT replace(s::text, 'fitstate:AkYG', 'fitstate:AkYA')::crm.fit_state FROM states;
-- a state naming an unknown model kind (99) is rejected
SELECT crm.fit_sbg_final(replace(s::text, 'fitstate:AkYG', 'fitstate:AkZj')::crm.fit_state) FROM states;
\set VERBOSITY default
-- one full message, to show its form
SELECT crm.fit_sbg(periods, CASE WHEN id = 77 THEN NULL ELSE churned END, CASE WHEN id = 78 THEN -2 ELSE 1 END) FROM subs;

DROP TABLE subs;
