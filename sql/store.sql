-- The model store crm.models, its helpers and crm.refresh.
SET extra_float_digits = 0;
-- start from empty tables whatever earlier tests left
TRUNCATE crm.models, crm.interactions, crm.customers RESTART IDENTITY;
\set VERBOSITY terse

-- nothing stored: the active models are NULL
SELECT * FROM crm.active_models();
SELECT crm.active_bgnbd() IS NULL AS no_bgnbd;

-- store two BG/NBD models and a Gamma-Gamma; the last stored is active
SELECT crm.store_model(crm.bgnbd(0.25, 4, 0.8, 2.5), '2025-01-01', '7 days', note => 'first') AS id1;
SELECT crm.store_model(crm.bgnbd(0.3, 5, 0.9, 3), '2025-02-01', '7 days') AS id2;
SELECT crm.store_model(crm.gamma_gamma(6, 4, 15)) AS id3;
SELECT crm.store_model(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), activate => false) AS id4;
SELECT model_id, kind, bgnbd, gamma_gamma, pareto_nbd, calibration_end, time_unit, is_active, source, note
FROM crm.models ORDER BY model_id;
SELECT (crm.active_models()).bgnbd, (crm.active_models()).gamma_gamma, (crm.active_models()).pareto_nbd,
	   (crm.active_models()).purchase_time_unit;
SELECT crm.active_bgnbd(), crm.active_gamma_gamma(), crm.active_pareto_nbd(), crm.active_mbgnbd(),
	   crm.active_bgbb(), crm.active_sbg();
-- activate the first again: one active BG/NBD
SELECT crm.activate_model(1);
SELECT model_id, is_active FROM crm.models WHERE kind = 'bgnbd' ORDER BY model_id;
-- fit statistics come from the model value
SELECT crm.store_model(crm.fit_sbg(p, c), activate => true) AS id5
FROM (VALUES (1, true), (2, true), (3, false), (3, false), (1, true), (2, false)) v(p, c);
SELECT kind, round(n_customers) AS n, round(loglik::numeric, 6) AS loglik, converged
FROM crm.models WHERE kind = 'sbg';

-- errors
SELECT crm.store_model(42);
SELECT crm.store_model(NULL::crm.bgnbd);
SELECT crm.activate_model(999);
INSERT INTO crm.models (kind, bgnbd) VALUES ('pareto_nbd', crm.bgnbd(1, 1, 1, 1));
INSERT INTO crm.models (kind) VALUES ('bgnbd');
INSERT INTO crm.models (kind, bgnbd, gamma_gamma) VALUES ('bgnbd', crm.bgnbd(1, 1, 1, 1), crm.gamma_gamma(1, 2, 3));
INSERT INTO crm.models (kind, bgnbd, time_unit) VALUES ('bgnbd', crm.bgnbd(1, 1, 1, 1), '1 month');
INSERT INTO crm.models (kind, bgnbd, is_active) VALUES ('bgnbd', crm.bgnbd(1, 1, 1, 1), true);
INSERT INTO crm.models (kind, bgnbd, n_customers) VALUES ('bgnbd', crm.bgnbd(1, 1, 1, 1), 5);
\set VERBOSITY default
TRUNCATE crm.models;

-- refresh on simulated data: fits, stores, activates, materialises
SELECT * FROM crm.generate_demo_data(400, 11);
SET client_min_messages = warning;	-- the NOTICEs carry timings
CALL crm.refresh();
RESET client_min_messages;
SELECT model_id, kind, round(n_customers) AS n, converged, is_active, source, calibration_end, time_unit
FROM crm.models ORDER BY model_id;
SELECT round((bgnbd).r::numeric, 3) AS r, round((bgnbd).alpha::numeric, 2) AS alpha,
	   round((bgnbd).a::numeric, 2) AS a, round((bgnbd).b::numeric, 2) AS b
FROM crm.models WHERE kind = 'bgnbd';
SELECT count(*) AS mat_rows, (SELECT count(*) FROM crm.customers) AS customers
FROM crm.customer_value_mat;
-- idempotent: the same data stores nothing new and keeps one active model per kind
SET client_min_messages = warning;
CALL crm.refresh();
CALL crm.refresh();
RESET client_min_messages;
SELECT kind, count(*) AS stored, count(*) FILTER (WHERE is_active) AS active
FROM crm.models GROUP BY kind ORDER BY kind;
-- new data: new models, the old ones kept inactive
INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount)
SELECT c.customer_id, '2024-12-30 12:00+00', 'purchase', 25
FROM crm.customers c WHERE c.customer_id % 3 = 0;
SET client_min_messages = warning;
CALL crm.refresh(observation_end => '2024-12-31 23:00+00');
RESET client_min_messages;
SELECT kind, count(*) AS stored, count(*) FILTER (WHERE is_active) AS active,
	   max(calibration_end) FILTER (WHERE is_active) AS active_end
FROM crm.models GROUP BY kind ORDER BY kind;
-- the materialised view matches the view
SELECT count(*) AS differ
FROM crm.customer_value v FULL JOIN crm.customer_value_mat m USING (customer_id)
WHERE (v.*)::text IS DISTINCT FROM (m.*)::text;
-- another purchase model
UPDATE crm.settings SET value = 'pareto_nbd' WHERE name = 'value.purchase_model';
SET client_min_messages = warning;
CALL crm.refresh(materialize => false);
RESET client_min_messages;
SELECT kind, count(*) FILTER (WHERE is_active) AS active FROM crm.models GROUP BY kind ORDER BY kind;
UPDATE crm.settings SET value = 'sbg' WHERE name = 'value.purchase_model';
\set VERBOSITY terse
CALL crm.refresh();
\set VERBOSITY default
UPDATE crm.settings SET value = 'bgnbd' WHERE name = 'value.purchase_model';
-- procedure, volatility of the helpers
SELECT p.oid::regprocedure AS routine, p.prokind, p.provolatile, p.proparallel
FROM pg_proc p
WHERE p.pronamespace = 'crm'::regnamespace
  AND (p.proname LIKE 'active%' OR p.proname IN ('store_model', 'activate_model', 'refresh'))
ORDER BY p.oid;
