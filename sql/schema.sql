-- schema: the data model's constraints and triggers, the seeded settings
-- pattern, and the demo-data generator (determinism, sizes, bad arguments).
\pset null '(null)'

-- every rejected statement shows its SQLSTATE and the constraint it violated
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	con text;
	msg text;
BEGIN
	EXECUTE stmt;
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, con = CONSTRAINT_NAME, msg = MESSAGE_TEXT;
	RETURN st || ' ' || coalesce(nullif(con, ''), msg);
END
$$;

-- ---------------------------------------------------------------------------
-- the enum
SELECT pg_catalog.enum_range(NULL::crm.interaction_kind);

-- ---------------------------------------------------------------------------
-- customers: valid rows (own ids, a referral), then each constraint
INSERT INTO crm.customers (customer_id, external_ref, name, email, country, acquired_at,
						   acquisition_channel, acquisition_cost, created_at, updated_at)
VALUES (1001, 'S-1', 'Ann Lee', 'ann@example.com', 'US', '2024-01-05 10:00+00', 'organic', 0,
		'2020-01-01 00:00+00', '2020-01-01 00:00+00'),
	   (1002, 'S-2', 'Bo Li', NULL, 'DE', NULL, 'paid_search', 12.50,
		'2020-01-01 00:00+00', '2020-01-01 00:00+00');
INSERT INTO crm.customers (customer_id, external_ref, referred_by, attributes)
VALUES (1003, 'S-3', 1001, '{"tier": "gold"}');
-- a generated id
INSERT INTO crm.customers (external_ref) VALUES ('S-4');
SELECT count(*) AS generated_ids FROM crm.customers WHERE external_ref = 'S-4' AND customer_id IS NOT NULL;

SELECT t.label, pg_temp.try(t.stmt) AS result
FROM (VALUES
	('duplicate id',            $q$INSERT INTO crm.customers (customer_id) VALUES (1001)$q$),
	('duplicate external_ref',  $q$INSERT INTO crm.customers (external_ref) VALUES ('S-1')$q$),
	('blank external_ref',      $q$INSERT INTO crm.customers (external_ref) VALUES ('  ')$q$),
	('bad email',               $q$INSERT INTO crm.customers (email) VALUES ('ann.example.com')$q$),
	('lower-case country',      $q$INSERT INTO crm.customers (country) VALUES ('us')$q$),
	('country name',            $q$INSERT INTO crm.customers (country) VALUES ('USA')$q$),
	('acquired in 1850',        $q$INSERT INTO crm.customers (acquired_at) VALUES ('1850-01-01')$q$),
	('acquired at infinity',    $q$INSERT INTO crm.customers (acquired_at) VALUES ('infinity')$q$),
	('negative acq. cost',      $q$INSERT INTO crm.customers (acquisition_cost) VALUES (-1)$q$),
	('NaN acq. cost',           $q$INSERT INTO crm.customers (acquisition_cost) VALUES ('NaN')$q$),
	('infinite acq. cost',      $q$INSERT INTO crm.customers (acquisition_cost) VALUES ('Infinity')$q$),
	('self referral',           $q$INSERT INTO crm.customers (customer_id, referred_by) VALUES (1010, 1010)$q$),
	('unknown referrer',        $q$INSERT INTO crm.customers (referred_by) VALUES (999999)$q$),
	('attributes array',        $q$INSERT INTO crm.customers (attributes) VALUES ('[1, 2]')$q$),
	('attributes NULL',         $q$INSERT INTO crm.customers (attributes) VALUES (NULL)$q$),
	('created_at NULL',         $q$INSERT INTO crm.customers (created_at) VALUES (NULL)$q$)
) AS t(label, stmt);

-- updated_at: set by the trigger on a real change, kept on a no-op update
UPDATE crm.customers SET name = name WHERE customer_id = 1002;
SELECT updated_at = '2020-01-01 00:00+00' AS unchanged_after_noop FROM crm.customers WHERE customer_id = 1002;
BEGIN;
UPDATE crm.customers SET region = 'Bavaria' WHERE customer_id = 1002;
SELECT updated_at = now() AS touched, created_at = '2020-01-01 00:00+00' AS created_kept
FROM crm.customers WHERE customer_id = 1002;
COMMIT;

-- ---------------------------------------------------------------------------
-- interactions: valid rows of every kind
INSERT INTO crm.interactions (customer_id, occurred_at, kind, channel, amount, cost, satisfaction,
							  referred_customer_id, source, external_id)
VALUES (1001, '2024-01-05 10:00+00', 'purchase', 'web', 49.90, NULL, NULL, NULL, 'shop', 'T-1'),
	   (1001, '2024-01-09 12:00+00', 'refund', 'web', -10.00, NULL, NULL, NULL, 'shop', 'T-2'),
	   (1001, '2024-02-01 09:00+00', 'call', 'phone', NULL, 4.00, 4, NULL, 'crm', 'C-1'),
	   (1001, '2024-02-02 09:00+00', 'complaint', 'email', NULL, 12.00, 1, NULL, NULL, NULL),
	   (1001, '2024-02-03 09:00+00', 'referral', NULL, NULL, NULL, NULL, 1003, NULL, NULL),
	   (1002, '2024-03-01 09:00+00', 'visit', 'store', 0, NULL, NULL, NULL, NULL, NULL),
	   (1002, '2024-03-02 09:00+00', 'other', NULL, 5.00, 0, 5, NULL, NULL, NULL);

-- idempotent reload by (source, external_id)
INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount, source, external_id)
VALUES (1001, '2024-01-05 10:00+00', 'purchase', 49.90, 'shop', 'T-1')
ON CONFLICT (source, external_id) DO NOTHING;
SELECT kind, count(*) FROM crm.interactions GROUP BY kind ORDER BY kind;

SELECT t.label, pg_temp.try(t.stmt) AS result
FROM (VALUES
	('unknown customer',        $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (999999, now(), 'visit')$q$),
	('no customer',             $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (NULL, now(), 'visit')$q$),
	('no time',                 $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (1001, NULL, 'visit')$q$),
	('in the year 2200',        $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (1001, '2200-01-01', 'visit')$q$),
	('at -infinity',            $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (1001, '-infinity', 'visit')$q$),
	('no kind',                 $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (1001, now(), NULL)$q$),
	('unknown kind',            $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (1001, now(), 'sale')$q$),
	('purchase without amount', $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (1001, now(), 'purchase')$q$),
	('purchase of 0',           $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (1001, now(), 'purchase', 0)$q$),
	('negative purchase',       $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (1001, now(), 'purchase', -5)$q$),
	('positive refund',         $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (1001, now(), 'refund', 5)$q$),
	('refund without amount',   $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind) VALUES (1001, now(), 'refund')$q$),
	('negative visit amount',   $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (1001, now(), 'visit', -1)$q$),
	('NaN purchase',            $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (1001, now(), 'purchase', 'NaN')$q$),
	('infinite purchase',       $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (1001, now(), 'purchase', 'Infinity')$q$),
	('-infinite refund',        $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (1001, now(), 'refund', '-Infinity')$q$),
	('absurd purchase 1e15',    $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (1001, now(), 'purchase', 1e15)$q$),
	('negative cost',           $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, cost) VALUES (1001, now(), 'call', -0.01)$q$),
	('NaN cost',                $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, cost) VALUES (1001, now(), 'call', 'NaN')$q$),
	('satisfaction 0',          $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, satisfaction) VALUES (1001, now(), 'call', 0)$q$),
	('satisfaction 6',          $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, satisfaction) VALUES (1001, now(), 'call', 6)$q$),
	('referred on a visit',     $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, referred_customer_id) VALUES (1001, now(), 'visit', 1002)$q$),
	('referring oneself',       $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, referred_customer_id) VALUES (1001, now(), 'referral', 1001)$q$),
	('referring unknown',       $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, referred_customer_id) VALUES (1001, now(), 'referral', 999999)$q$),
	('external id, no source',  $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, external_id) VALUES (1001, now(), 'visit', 'X')$q$),
	('duplicate external id',   $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount, source, external_id) VALUES (1002, now(), 'purchase', 1, 'shop', 'T-1')$q$),
	('attributes a string',     $q$INSERT INTO crm.interactions (customer_id, occurred_at, kind, attributes) VALUES (1001, now(), 'visit', '"x"')$q$),
	('update to refund +',      $q$UPDATE crm.interactions SET amount = 1 WHERE external_id = 'T-2'$q$),
	-- deleting a customer with history: RESTRICT
	('delete customer 1001',    $q$DELETE FROM crm.customers WHERE customer_id = 1001$q$)
) AS t(label, stmt);

-- deleting a referred customer unlinks the referral (SET NULL), keeps the rows
DELETE FROM crm.customers WHERE customer_id = 1003;
SELECT kind, referred_customer_id FROM crm.interactions WHERE kind = 'referral';
-- deleting a referrer unlinks referred_by
INSERT INTO crm.customers (customer_id, external_ref, referred_by) VALUES (1005, 'S-5', 1002);
DELETE FROM crm.interactions WHERE customer_id = 1002;
DELETE FROM crm.customers WHERE customer_id = 1002;
SELECT customer_id, referred_by FROM crm.customers WHERE customer_id = 1005;

-- ---------------------------------------------------------------------------
-- settings: the seeded-table pattern (the rows as shipped are kept aside and
-- put back at the end)
CREATE TEMP TABLE settings_shipped AS SELECT * FROM crm.settings;
SELECT name, value, is_default FROM crm.settings ORDER BY name;
-- editing a default makes it the user's (dumped: WHERE NOT is_default)
UPDATE crm.settings SET value = '7' WHERE name = 'demo.seed';
-- a no-op update keeps a default a default
UPDATE crm.settings SET value = value WHERE name = 'demo.customers';
-- users cannot mark their rows as defaults
INSERT INTO crm.settings (name, value, is_default) VALUES ('demo.extra', 'x', true);
SELECT name, value, is_default FROM crm.settings ORDER BY name;
-- what pg_dump keeps (the extension's config filter)
SELECT c.relname, x.cond
FROM pg_extension e,
	 unnest(e.extconfig, e.extcondition) AS x(oid, cond)
	 JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'crm_ext'
ORDER BY c.relname;
SELECT name, value FROM crm.settings WHERE NOT is_default ORDER BY name;
-- nor turn a row back into a default by an update
UPDATE crm.settings SET value = '42', is_default = true WHERE name = 'demo.seed';
SELECT name, value, is_default FROM crm.settings WHERE name = 'demo.seed';
-- a restore: CREATE EXTENSION seeds the default (as an upgrade script would,
-- with the trigger disabled), then pg_restore COPYs the dumped row, which
-- replaces the default instead of hitting a duplicate key; an INSERT (here
-- an upsert) of a default's key does the same
ALTER TABLE crm.settings DISABLE TRIGGER settings_seeded_row_update;
UPDATE crm.settings SET is_default = true WHERE name = 'demo.seed';
ALTER TABLE crm.settings ENABLE TRIGGER settings_seeded_row_update;
SELECT name, value, is_default FROM crm.settings ORDER BY name;
COPY crm.settings (name, value, description, is_default) FROM stdin;
demo.seed	7	seed used by the demo (test/demo.sql) for crm.generate_demo_data	f
\.
INSERT INTO crm.settings (name, value) VALUES ('demo.customers', '500')
ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
SELECT name, value, is_default FROM crm.settings ORDER BY name;
SELECT pg_temp.try($q$INSERT INTO crm.settings (name, value) VALUES ('Demo Seed', '1')$q$) AS bad_name;

-- leave the settings as shipped for the tests that follow: put back exactly
-- the rows changed above (demo.seed, demo.customers) and drop the added one
DELETE FROM crm.settings s
WHERE NOT EXISTS (SELECT FROM settings_shipped o WHERE o.name = s.name);
ALTER TABLE crm.settings DISABLE TRIGGER settings_seeded_row_update;
WITH put_back AS (
	UPDATE crm.settings s SET value = o.value, description = o.description, is_default = o.is_default
	FROM settings_shipped o
	WHERE o.name = s.name
	  AND (s.value, s.description, s.is_default) IS DISTINCT FROM (o.value, o.description, o.is_default)
	RETURNING s.name, s.value, s.is_default)
SELECT * FROM put_back ORDER BY name;
ALTER TABLE crm.settings ENABLE TRIGGER settings_seeded_row_update;
SELECT (SELECT count(*) FROM (SELECT * FROM crm.settings EXCEPT SELECT * FROM settings_shipped) d) AS changed,
	   (SELECT count(*) FROM (SELECT * FROM settings_shipped EXCEPT SELECT * FROM crm.settings) d) AS missing;
DROP TABLE settings_shipped;

TRUNCATE crm.interactions, crm.customers;

-- ---------------------------------------------------------------------------
-- the simulator: same arguments, same rows (whatever the plan: the suite
-- runs again under forced parallel mode); another seed, other rows
CREATE TEMP TABLE sim_digest AS
SELECT 'a' AS run, md5(string_agg(s::text, '|' ORDER BY o)) AS digest
FROM crm.simulate_bgnbd(500, 1) WITH ORDINALITY AS s(customer, occurred_at, kind, amount, cost, channel, satisfaction, referred_customer, o)
UNION ALL
SELECT 'b', md5(string_agg(s::text, '|' ORDER BY o))
FROM crm.simulate_bgnbd(500, 1) WITH ORDINALITY AS s(customer, occurred_at, kind, amount, cost, channel, satisfaction, referred_customer, o)
UNION ALL
SELECT 'c', md5(string_agg(s::text, '|' ORDER BY o))
FROM crm.simulate_bgnbd(500, 2) WITH ORDINALITY AS s(customer, occurred_at, kind, amount, cost, channel, satisfaction, referred_customer, o)
UNION ALL
SELECT 'd', md5(string_agg(s::text, '|' ORDER BY s.customer))
FROM crm.simulate_customers(500, 1) AS s
UNION ALL
SELECT 'e', md5(string_agg(s::text, '|' ORDER BY s.customer))
FROM crm.simulate_customers(500, 1) AS s;
SELECT (SELECT digest FROM sim_digest WHERE run = 'a') = (SELECT digest FROM sim_digest WHERE run = 'b') AS same_seed_same_rows,
	   (SELECT digest FROM sim_digest WHERE run = 'a') <> (SELECT digest FROM sim_digest WHERE run = 'c') AS other_seed_other_rows,
	   (SELECT digest FROM sim_digest WHERE run = 'd') = (SELECT digest FROM sim_digest WHERE run = 'e') AS customers_same;

-- the customers' true (x, t_x, T) agree with their simulated purchases
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE c.frequency = p.n - 1
						AND abs(c.recency - p.tx) < 1e-9
						AND abs(c.age - p.age) < 1e-9) AS consistent,
	   count(*) FILTER (WHERE NOT c.alive) AS dropped_out
FROM crm.simulate_customers(500, 1) AS c
JOIN (SELECT s.customer, count(*) AS n,
			 extract(epoch FROM max(s.occurred_at) - min(s.occurred_at)) / 604800 AS tx,
			 extract(epoch FROM '2025-01-01 00:00+00'::timestamptz - min(s.occurred_at)) / 604800 AS age
	  FROM crm.simulate_bgnbd(500, 1) AS s
	  WHERE s.kind = 'purchase'
	  GROUP BY s.customer) AS p ON p.customer = c.customer;

-- every customer's first interaction is its acquisition purchase, inside the window
SELECT min(acquired_at) >= '2025-01-01 00:00+00'::timestamptz - interval '78 weeks' AS after_window_start,
	   max(acquired_at) <= '2025-01-01 00:00+00'::timestamptz - interval '52 weeks' AS before_acquisition_end
FROM crm.simulate_customers(500, 1);

-- bad arguments
\set VERBOSITY sqlstate
SELECT count(*) FROM crm.simulate_bgnbd(-1, 1);
SELECT count(*) FROM crm.simulate_bgnbd(10, 1, r => 0);
SELECT count(*) FROM crm.simulate_bgnbd(10, 1, alpha => 'NaN');
SELECT count(*) FROM crm.simulate_bgnbd(10, 1, v => '-Infinity');
SELECT count(*) FROM crm.simulate_bgnbd(10, 1, window_weeks => 20, acquisition_weeks => 30);
SELECT count(*) FROM crm.simulate_bgnbd(10, 1, window_weeks => 20000);
SELECT count(*) FROM crm.simulate_customers(10, 1, observation_end => 'infinity');
SELECT count(*) FROM crm.simulate_bgnbd(1, 1, r => 1e6, alpha => 1e-3, a => 1e-3, b => 1e3);
\set VERBOSITY default
SELECT count(*) AS no_customers FROM crm.simulate_bgnbd(0, 1);
SELECT count(*) AS null_argument FROM crm.simulate_bgnbd(10, NULL);

-- ---------------------------------------------------------------------------
-- generate_demo_data: sizes, and the same rows again for the same seed
SELECT * FROM crm.generate_demo_data(300, 5);
SELECT kind, count(*), count(amount) AS with_amount, count(cost) AS with_cost,
	   count(satisfaction) AS rated, count(referred_customer_id) AS referrals
FROM crm.interactions GROUP BY kind ORDER BY kind;
SELECT count(*) AS customers, count(referred_by) AS referred,
	   count(DISTINCT acquisition_channel) AS channels, count(DISTINCT country) AS countries
FROM crm.customers;
-- the same seed again is refused (external_ref is unique)
\set VERBOSITY terse
SELECT * FROM crm.generate_demo_data(300, 5);
\set VERBOSITY default

-- digest of the content (ids replaced by external references)
CREATE TEMP TABLE demo_digest (run text, digest text);
CREATE FUNCTION pg_temp.demo_digest() RETURNS text
LANGUAGE sql AS $$
	SELECT md5(string_agg(x, '|' ORDER BY x))
	FROM (SELECT concat_ws(',', c.external_ref, c.name, c.email, c.country, c.acquired_at,
						   c.acquisition_channel, c.acquisition_cost, r.external_ref, c.attributes) AS x
		  FROM crm.customers c LEFT JOIN crm.customers r ON r.customer_id = c.referred_by
		  UNION ALL
		  SELECT concat_ws(',', c.external_ref, i.occurred_at, i.kind, i.channel, i.amount, i.cost,
						   i.satisfaction, rc.external_ref, i.source, i.external_id)
		  FROM crm.interactions i JOIN crm.customers c ON c.customer_id = i.customer_id
		  LEFT JOIN crm.customers rc ON rc.customer_id = i.referred_customer_id) AS rows
$$;
INSERT INTO demo_digest SELECT 'seed 5', pg_temp.demo_digest();
TRUNCATE crm.interactions, crm.customers;
SELECT * FROM crm.generate_demo_data(300, 5);
INSERT INTO demo_digest SELECT 'seed 5 again', pg_temp.demo_digest();
TRUNCATE crm.interactions, crm.customers;
SELECT * FROM crm.generate_demo_data(300, 6);
INSERT INTO demo_digest SELECT 'seed 6', pg_temp.demo_digest();
SELECT count(DISTINCT digest) FILTER (WHERE run LIKE 'seed 5%') = 1 AS same_seed_same_data,
	   count(DISTINCT digest) = 2 AS other_seed_other_data
FROM demo_digest;

-- money columns are rounded to cents
SELECT count(*) FILTER (WHERE amount <> round(amount, 2) OR cost <> round(cost, 2)) AS unrounded
FROM crm.interactions;

TRUNCATE crm.interactions, crm.customers;
