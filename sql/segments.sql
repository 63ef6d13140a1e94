-- segments: crm.customer_summary and crm.customer_rfm on a small fixed data
-- set (scores checked by hand, with ties and prospects), the default
-- observation end, the segment rules table (125 cells, editing, seeding)
-- and row-level security through security_invoker views.
SET TimeZone = 'UTC';
\pset null '(null)'

-- ---------------------------------------------------------------------------
-- the tie rule: 1 + floor(5 (rank - 1) / n); NULL outside 1..n
SELECT n, rank, crm.rfm_quintile(rank, n) AS score
FROM (VALUES (10, 1), (10, 2), (10, 3), (10, 9), (10, 10), (7, 1), (7, 2), (7, 3), (7, 7),
			 (1, 1), (10, 0), (10, 11), (0, 1)) AS v(n, rank)
ORDER BY n, rank;

-- ---------------------------------------------------------------------------
-- data: 12 customers; the end is the latest interaction, a visit of
-- customer 11 on Sunday 2024-03-31 18:00 (bucket 1 day, unit 7 days).
-- Per customer: purchase days (amounts), and what the hand calculation
-- gives (F = purchase days - 1, since = days from the last purchase day to
-- 2024-03-31 / 7, revenue = net spend):
--   1: Jan 1 (10)                                 F 0  since 90/7   rev  10
--   2: Mar 31 (50)                                F 0  since 0      rev  50
--   3: Mar 17 (20)                                F 0  since 2      rev  20
--   4: Feb 4 (30)                                 F 0  since 8      rev  30
--   5: Jan 15, Mar 17 (40 each)                   F 1  since 2      rev  80
--   6: Feb 1, Feb 4 (25 each), refund Feb 10 (-20) F 1  since 8      rev  30
--   7: Jan 8, Feb 5, Mar 24 (15 each)             F 2  since 1      rev  45
--   8: Jan 2, 9, 16, 23 (100 each)                F 3  since 68/7   rev 400
--   9: Mar 1, 8, 15, 22 (5 each, twice on Mar 22) F 3  since 9/7    rev  25
--  10: Feb 26..Mar 1 (5 days), Mar 31 (60 each)   F 5  since 0      rev 360
--  11: a visit only (prospect)
--  12: nothing (prospect)
-- Scores over the 10 buyers, n = 10: score = 1 + floor((rank - 1) / 2).
--   F ascending: F 0 x4 rank 1 -> 1; F 1 x2 rank 5 -> 3; F 2 rank 7 -> 4;
--     F 3 x2 rank 8 -> 4; F 5 rank 10 -> 5 (score 2 is skipped by the tie)
--   R by since descending: 1 (12.86) r1 -> 1; 8 (9.71) r2 -> 1;
--     4, 6 (8) r3 -> 2; 3, 5 (2) r5 -> 3; 9 (1.29) r7 -> 4; 7 (1) r8 -> 4;
--     2, 10 (0) r9 -> 5
--   M ascending: 1 (10) r1 -> 1; 3 (20) r2 -> 1; 9 (25) r3 -> 2;
--     4, 6 (30) r4 -> 2; 7 (45) r6 -> 3; 2 (50) r7 -> 4; 5 (80) r8 -> 4;
--     10 (360) r9 -> 5; 8 (400) r10 -> 5
-- Cells and segments (R-F map): 1 '111' Lost, 2 '514' New Customers,
--   3 '311' About To Sleep, 4 '212' Hibernating, 5 '334' Need Attention,
--   6 '232' At Risk, 7 '443' Loyal Customers, 8 '145' At Risk,
--   9 '442' Loyal Customers, 10 '555' Champions.
INSERT INTO crm.customers (customer_id, external_ref, acquisition_channel)
SELECT g, 'SEG-' || g, CASE WHEN g % 2 = 0 THEN 'organic' ELSE 'paid' END
FROM generate_series(1, 12) g;

INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount)
SELECT v.customer_id, (v.day || ' 10:00+00')::timestamptz, 'purchase', v.amount
FROM (VALUES
	(1, '2024-01-01', 10.00),
	(2, '2024-03-31', 50.00),
	(3, '2024-03-17', 20.00),
	(4, '2024-02-04', 30.00),
	(5, '2024-01-15', 40.00), (5, '2024-03-17', 40.00),
	(6, '2024-02-01', 25.00), (6, '2024-02-04', 25.00),
	(7, '2024-01-08', 15.00), (7, '2024-02-05', 15.00), (7, '2024-03-24', 15.00),
	(8, '2024-01-02', 100.00), (8, '2024-01-09', 100.00), (8, '2024-01-16', 100.00),
	(8, '2024-01-23', 100.00),
	(9, '2024-03-01', 5.00), (9, '2024-03-08', 5.00), (9, '2024-03-15', 5.00),
	(9, '2024-03-22', 5.00), (9, '2024-03-22', 5.00),
	(10, '2024-02-26', 60.00), (10, '2024-02-27', 60.00), (10, '2024-02-28', 60.00),
	(10, '2024-02-29', 60.00), (10, '2024-03-01', 60.00), (10, '2024-03-31', 60.00)
) AS v(customer_id, day, amount);
INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES
	(6, '2024-02-10 10:00+00', 'refund', -20.00),
	(11, '2024-03-31 18:00+00', 'visit', NULL);

-- ---------------------------------------------------------------------------
-- the default observation end: setting summary.observation_end is empty,
-- so the end is the latest interaction (the visit)
SELECT name, value, is_default FROM crm.settings WHERE name LIKE 'summary.%' ORDER BY name;
SELECT * FROM crm.summary_parameters();

-- the summary: one row per customer, prospects with NULL figures and zeros
SELECT customer_id AS id, external_ref, is_prospect, frequency, round(recency::numeric, 4) AS recency,
	   round(t::numeric, 4) AS t, round(monetary::numeric, 2) AS monetary,
	   first_purchase_at::date AS first, last_purchase_at::date AS last,
	   n_interactions AS n, n_refunds, refund_amount, revenue, as_of, bucket_width, time_unit
FROM crm.customer_summary
ORDER BY customer_id;

-- the scores, cells and segments worked out above
SELECT customer_id AS id, frequency AS f, round(since_last_purchase::numeric, 4) AS since, revenue,
	   r_score AS r, f_score, m_score AS m, rfm_cell, segment
FROM crm.customer_rfm
ORDER BY customer_id;

-- the view is the function with the settings
SELECT (SELECT count(*) FROM crm.customer_rfm) AS view_rows,
	   (SELECT count(*) FROM (SELECT * FROM crm.customer_rfm
							  EXCEPT ALL
							  SELECT * FROM crm.customer_rfm_at('2024-03-31 18:00+00', '1 day', '7 days')) d)
	   AS rows_differing;

-- 'latest' is the same as empty
UPDATE crm.settings SET value = 'latest' WHERE name = 'summary.observation_end';
SELECT observation_end FROM crm.summary_parameters();

-- a fixed end: customers whose first purchase is later become prospects,
-- the scores are recomputed over the 6 remaining buyers
UPDATE crm.settings SET value = '2024-02-04 12:00+00' WHERE name = 'summary.observation_end';
SELECT customer_id AS id, is_prospect, frequency AS f, round(since_last_purchase::numeric, 4) AS since,
	   revenue, n_refunds, rfm_cell, segment, as_of
FROM crm.customer_rfm
ORDER BY customer_id;

-- 'today' is the start of the current day in the session time zone,
-- 'now' the transaction time
UPDATE crm.settings SET value = 'today' WHERE name = 'summary.observation_end';
SELECT observation_end = date_trunc('day', now()) AS today_is_midnight FROM crm.summary_parameters();
UPDATE crm.settings SET value = 'now' WHERE name = 'summary.observation_end';
SELECT observation_end = now() AS now_is_now FROM crm.summary_parameters();

-- a value that is not a time is an error
UPDATE crm.settings SET value = 'soon' WHERE name = 'summary.observation_end';
\set VERBOSITY sqlstate
SELECT * FROM crm.summary_parameters();
\set VERBOSITY default

-- without any interaction, empty means the start of today
UPDATE crm.settings SET value = '' WHERE name = 'summary.observation_end';
BEGIN;
DELETE FROM crm.interactions;
SELECT observation_end = date_trunc('day', now()) AS empty_table_today FROM crm.summary_parameters();
SELECT count(*) AS customers, count(*) FILTER (WHERE is_prospect) AS prospects FROM crm.customer_rfm;
ROLLBACK;

-- other buckets through the function: weekly buckets in weeks
-- (ISO weeks; customer 8: weeks of Jan 1, 8, 15, 22, age Jan 1 -> Mar 25
-- = 12; 9: weeks of Feb 26 .. Mar 18, age 4; 10: Feb 26 .. Mar 1 is one
-- week, then Mar 31 (a Sunday) in the week of Mar 25)
SELECT customer_id AS id, frequency, recency, t
FROM crm.customer_rfm_at('2024-03-31', '7 days', '7 days')
WHERE customer_id IN (8, 9, 10)
ORDER BY customer_id;

-- ---------------------------------------------------------------------------
-- the shipped rules: every one of the 125 cells is held by exactly one rule
SELECT count(*) AS cells, count(*) FILTER (WHERE n_rules = 1) AS one_rule,
	   count(segment) AS with_segment, count(DISTINCT segment) AS segments
FROM crm.rfm_segment_map;
SELECT name, priority, r_min, r_max, f_min, f_max, m_min, m_max, is_default
FROM crm.rfm_segments ORDER BY priority;
-- the map over R (rows) and F (columns); M never changes the shipped segment
SELECT r_score AS r,
	   max(segment) FILTER (WHERE f_score = 1) AS f1,
	   max(segment) FILTER (WHERE f_score = 2) AS f2,
	   max(segment) FILTER (WHERE f_score = 3) AS f3,
	   max(segment) FILTER (WHERE f_score = 4) AS f4,
	   max(segment) FILTER (WHERE f_score = 5) AS f5,
	   bool_and(segment = crm.rfm_segment(r_score, f_score, 1)) AS m_ignored
FROM crm.rfm_segment_map
GROUP BY r_score ORDER BY r_score DESC;
SELECT crm.rfm_segment(5, 5, 5) AS s555, crm.rfm_segment(1, 1, 1) AS s111,
	   crm.rfm_segment(NULL, 1, 1) AS s_null;

-- bad rules
\set VERBOSITY sqlstate
INSERT INTO crm.rfm_segments (name, priority, r_min) VALUES ('Bad', 1, 0);
INSERT INTO crm.rfm_segments (name, priority, f_min, f_max) VALUES ('Bad', 1, 4, 3);
INSERT INTO crm.rfm_segments (name, priority, m_max) VALUES ('Bad', 1, 6);
INSERT INTO crm.rfm_segments (name, priority) VALUES (' ', 1);
INSERT INTO crm.rfm_segments (name) VALUES ('Bad');
\set VERBOSITY default

-- editing a rule changes the segment: Can't Lose Them now also takes F 4
-- (before At Risk by priority), so customer 8 ('145') moves
UPDATE crm.rfm_segments SET f_min = 4 WHERE name = 'Can''t Lose Them';
SELECT customer_id AS id, rfm_cell, segment FROM crm.customer_rfm WHERE customer_id IN (6, 8) ORDER BY 1;
SELECT name, is_default FROM crm.rfm_segments WHERE name IN ('Can''t Lose Them', 'At Risk') ORDER BY name;
-- overlapping rules are resolved by priority; the map shows the overlaps
SELECT count(*) FILTER (WHERE n_rules = 2) AS two_rules, count(segment) AS with_segment
FROM crm.rfm_segment_map;

-- a rule of one's own, on M, with the highest priority
INSERT INTO crm.rfm_segments (name, priority, m_min, description)
VALUES ('Big Spenders', 1, 5, 'top fifth by net revenue');
SELECT customer_id AS id, rfm_cell, segment FROM crm.customer_rfm WHERE m_score = 5 ORDER BY 1;

-- inserting a shipped name replaces the default row (seeded-row pattern)
INSERT INTO crm.rfm_segments (name, priority, r_min, r_max, f_min, f_max, description)
VALUES ('Lost', 110, 1, 1, 1, 2, 'gone');
SELECT name, description, is_default FROM crm.rfm_segments WHERE name = 'Lost';
SELECT count(*) AS rules, count(*) FILTER (WHERE is_default) AS defaults FROM crm.rfm_segments;

-- a cell no rule covers has no segment: Lost without F 1 leaves R 1, F 1
-- uncovered (but for 115, which Big Spenders holds)
UPDATE crm.rfm_segments SET f_min = 2 WHERE name = 'Lost';
SELECT rfm_cell FROM crm.rfm_segment_map WHERE segment IS NULL ORDER BY 1;
SELECT customer_id AS id, rfm_cell, segment FROM crm.customer_rfm WHERE customer_id = 1;

-- back to the shipped rules
DELETE FROM crm.rfm_segments WHERE name = 'Big Spenders';
ALTER TABLE crm.rfm_segments DISABLE TRIGGER rfm_segments_seeded_row_update;
UPDATE crm.rfm_segments SET f_min = 5, is_default = true WHERE name = 'Can''t Lose Them';
UPDATE crm.rfm_segments SET f_min = 1, is_default = true,
	description = 'fewest purchases, longest ago: revive interest with a campaign or let them go'
WHERE name = 'Lost';
ALTER TABLE crm.rfm_segments ENABLE TRIGGER rfm_segments_seeded_row_update;
SELECT count(*) FILTER (WHERE n_rules = 1) AS one_rule FROM crm.rfm_segment_map;

-- ---------------------------------------------------------------------------
-- row-level security: the views run with the querying role's rights
-- (security_invoker), so a reader limited by policies to customers 1..5
-- gets their summaries only, scored among themselves (n = 5:
-- score = 1 + (rank - 1)), and the end is the latest interaction it can see
-- (customer 2's purchase on Mar 31: the same day bucket)
CREATE ROLE regress_crm_reader;
CREATE ROLE regress_crm_nogrant;
GRANT USAGE ON SCHEMA crm TO regress_crm_reader, regress_crm_nogrant;
GRANT SELECT ON crm.customers, crm.interactions, crm.settings, crm.rfm_segments TO regress_crm_reader;
GRANT SELECT ON crm.customer_summary, crm.customer_rfm TO regress_crm_reader, regress_crm_nogrant;
ALTER TABLE crm.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.interactions ENABLE ROW LEVEL SECURITY;
CREATE POLICY regress_crm_reader_customers ON crm.customers FOR SELECT TO regress_crm_reader
	USING (customer_id <= 5);
CREATE POLICY regress_crm_reader_interactions ON crm.interactions FOR SELECT TO regress_crm_reader
	USING (customer_id <= 5);

SET ROLE regress_crm_reader;
SELECT count(*) AS summary_rows FROM crm.customer_summary;
SELECT customer_id AS id, frequency AS f, round(since_last_purchase::numeric, 4) AS since, revenue,
	   rfm_cell, segment, as_of
FROM crm.customer_rfm
ORDER BY customer_id;
RESET ROLE;

-- a role with SELECT on the views but not on the tables is refused
SET ROLE regress_crm_nogrant;
SELECT count(*) FROM crm.customer_rfm;
RESET ROLE;

-- the owner (superuser) still sees everyone
SELECT count(*) AS summary_rows FROM crm.customer_summary;

DROP POLICY regress_crm_reader_customers ON crm.customers;
DROP POLICY regress_crm_reader_interactions ON crm.interactions;
ALTER TABLE crm.customers DISABLE ROW LEVEL SECURITY;
ALTER TABLE crm.interactions DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON crm.customer_summary, crm.customer_rfm FROM regress_crm_reader, regress_crm_nogrant;
REVOKE ALL ON crm.customers, crm.interactions, crm.settings, crm.rfm_segments FROM regress_crm_reader;
REVOKE USAGE ON SCHEMA crm FROM regress_crm_reader, regress_crm_nogrant;
DROP ROLE regress_crm_reader;
DROP ROLE regress_crm_nogrant;

-- ---------------------------------------------------------------------------
-- clean up (the setting back to its shipped state)
ALTER TABLE crm.settings DISABLE TRIGGER settings_seeded_row_update;
UPDATE crm.settings SET is_default = true WHERE name = 'summary.observation_end' AND value = '';
ALTER TABLE crm.settings ENABLE TRIGGER settings_seeded_row_update;
SELECT name, value, is_default FROM crm.settings WHERE name LIKE 'summary.%' ORDER BY name;
SELECT count(*) AS changed_rules FROM crm.rfm_segments WHERE NOT is_default;
DELETE FROM crm.interactions;
DELETE FROM crm.customers;
