
-- ===========================================================================
-- 40_segments: customer summaries over crm.interactions, RFM quintile
-- scores, and named segments from an editable table of rules.
--
--   crm.summary_parameters()                 the defaults (settings summary.*)
--   crm.customer_summary_at(end, bucket, unit)  one row per customer
--   crm.customer_summary                     the same with the defaults
--   crm.rfm_quintile(rank, n)                the tie rule, usable on any set
--   crm.rfm_segments                         segment rules (seeded, editable)
--   crm.rfm_segment(r, f, m)                 first matching rule by priority
--   crm.rfm_segment_map                      the 125 cells and their segment
--   crm.customer_rfm_at(end, bucket, unit)   summary + scores + cell + segment
--   crm.customer_rfm                         the same with the defaults
--
-- Observation end.  Setting summary.observation_end: empty (the default) or
-- 'latest' means the time of the latest interaction of any kind in
-- crm.interactions that the current role can see (the data are taken to be
-- complete up to their newest row, so a historical load or the demo data,
-- which ends on 2025-01-01, is summarised at its own end and not at today,
-- which would make everyone look lapsed); with no interactions at all it is
-- the start of the current day.  Any other value is cast to timestamptz, so
-- a fixed time ('2025-01-01 00:00+00') or PostgreSQL's special values work:
-- 'today' is the start of the current day in the session time zone, 'now'
-- the transaction time.  As in crm.rfm_summary the cut is at bucket
-- granularity: the whole bucket (day) containing the end is included.
-- summary.bucket ('1 day') and summary.time_unit ('7 days') are the
-- aggregate's bucket and unit: recency, t and since_last_purchase are in
-- weeks by default.
--
-- Customers without a purchase up to the end ("prospects") are included:
-- is_prospect is true, the RFM figures are NULL, the counts and the revenue
-- are 0 (a customer with only refunds counts as a prospect, and those
-- refunds are not reported), and they get no scores, cell or segment.
--
-- RFM scores (1..5, higher is better), computed across all non-prospect
-- customers of the result (after row-level security):
--   R  on since_last_purchase = t - recency (time from the last purchase
--      bucket to the end bucket; fewer is better), rounded to 9 decimals so
--      equal buckets tie exactly;
--   F  on frequency (purchase buckets - 1; more is better);
--   M  on revenue: net total spend up to the end (purchases minus refunds,
--      first purchase included).  Not crm.rfm.monetary, the BTYD mean of the
--      repeat buckets: it is 0 for every one-time buyer, which would tie
--      most customers at the bottom and say nothing about what they spent.
-- Tie rule: over the ascending order of goodness (worst first),
--   score = 1 + floor(5 * (rank() - 1) / n)
-- (crm.rfm_quintile), so tied customers share the lowest quintile their
-- group reaches and the result does not depend on row order.  With heavy
-- ties scores are skipped: if 60 % bought once they all get F = 1 and the
-- next group (rank 0.6 n + 1) gets F = 4; F = 1 then always means "the
-- fewest purchases", never a random slice of the one-time buyers.
--
-- Views use security_invoker = true on PostgreSQL 15 and later, so
-- row-level security and privileges on crm.customers and crm.interactions
-- are those of the querying role.  PostgreSQL 13 and 14 have no
-- security_invoker: there the views run with their owner's rights; query
-- crm.customer_summary_at() and crm.customer_rfm_at() instead (SQL
-- functions run with the caller's rights), or do not grant the views to
-- roles that are subject to row-level security.
--
-- SQL functions here have string bodies (BEGIN ATOMIC needs PostgreSQL 14)
-- with every table and function schema-qualified, so they stay inlinable
-- and no search_path can redirect them.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Settings (seeded rows; the insert trigger would clear is_default)

ALTER TABLE crm.settings DISABLE TRIGGER settings_seeded_row_insert;
INSERT INTO crm.settings (name, value, description, is_default) VALUES
	('summary.observation_end', '',
	 'observation end of crm.customer_summary and crm.customer_rfm: empty or ''latest'' = the latest interaction visible (start of today when there is none); otherwise a timestamptz (''2025-01-01'', ''today'', ''now'')',
	 true),
	('summary.bucket', '1 day',
	 'bucket of crm.customer_summary and crm.customer_rfm (as in crm.rfm_summary): purchases in one bucket are one purchase period',
	 true),
	('summary.time_unit', '7 days',
	 'unit of recency, t and since_last_purchase in crm.customer_summary and crm.customer_rfm',
	 true);
ALTER TABLE crm.settings ENABLE TRIGGER settings_seeded_row_insert;

-- STABLE: reads crm.settings, crm.interactions and the clock
CREATE FUNCTION crm.summary_parameters(OUT observation_end timestamptz, OUT bucket interval,
									   OUT time_unit interval)
RETURNS record
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN p.e IN ('', 'latest')
			THEN coalesce((SELECT pg_catalog.max(i.occurred_at) FROM crm.interactions i),
						  pg_catalog.date_trunc('day', pg_catalog.now()))
			ELSE CAST(p.e AS timestamptz) END,
	   CAST(p.b AS interval),
	   CAST(p.u AS interval)
FROM (SELECT pg_catalog.lower(pg_catalog.btrim(coalesce(
				 (SELECT s.value FROM crm.settings s WHERE s.name = 'summary.observation_end'), ''))),
			 coalesce((SELECT s.value FROM crm.settings s WHERE s.name = 'summary.bucket'), '1 day'),
			 coalesce((SELECT s.value FROM crm.settings s WHERE s.name = 'summary.time_unit'), '7 days')
	 ) AS p(e, b, u)
$$;

COMMENT ON FUNCTION crm.summary_parameters() IS
'observation end, bucket and time unit of crm.customer_summary and crm.customer_rfm, from settings summary.observation_end (empty = latest interaction), summary.bucket, summary.time_unit';

-- ---------------------------------------------------------------------------
-- Customer summary

-- STABLE: reads tables; buckets follow the session TimeZone
CREATE FUNCTION crm.customer_summary_at(observation_end timestamptz,
										bucket interval DEFAULT '1 day',
										unit interval DEFAULT '7 days')
RETURNS TABLE (
	customer_id bigint,
	external_ref text,
	acquired_at timestamptz,
	acquisition_channel text,
	acquisition_cost numeric,
	referred_by bigint,
	is_prospect boolean,
	frequency integer,
	recency double precision,
	t double precision,
	monetary double precision,
	first_purchase_at timestamptz,
	last_purchase_at timestamptz,
	n_interactions bigint,
	n_refunds bigint,
	refund_amount numeric,
	revenue numeric,
	as_of timestamptz,
	bucket_width interval,
	time_unit interval)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT c.customer_id, c.external_ref, c.acquired_at, c.acquisition_channel, c.acquisition_cost,
	   c.referred_by,
	   s.r IS NULL,
	   (s.r).frequency, (s.r).recency, (s.r).t, (s.r).monetary, (s.r).first_at, (s.r).last_at,
	   coalesce((s.r).n_interactions, 0), coalesce((s.r).n_refunds, 0),
	   coalesce((s.r).refund_amount, 0), coalesce((s.r).revenue, 0),
	   $1, $2, $3
FROM crm.customers c
LEFT JOIN (SELECT i.customer_id, crm.rfm_summary(i.occurred_at, i.amount, $1, $2, $3) AS r
		   FROM crm.interactions i
		   WHERE i.kind OPERATOR(pg_catalog.=) ANY (CAST('{purchase,refund}' AS crm.interaction_kind[]))
		   GROUP BY i.customer_id) s ON s.customer_id = c.customer_id
$$;

COMMENT ON FUNCTION crm.customer_summary_at(timestamptz, interval, interval) IS
'one row per customer (prospects included): RFM summary of purchases and refunds in crm.interactions up to observation_end (bucket granularity), in the given bucket and unit';

CREATE VIEW crm.customer_summary AS
SELECT s.*
FROM crm.summary_parameters() p,
	 crm.customer_summary_at(p.observation_end, p.bucket, p.time_unit) s;

COMMENT ON VIEW crm.customer_summary IS
'one row per customer: RFM summary at the default observation end, bucket and unit (settings summary.*; see crm.summary_parameters)';
COMMENT ON COLUMN crm.customer_summary.customer_id IS 'the customer (crm.customers)';
COMMENT ON COLUMN crm.customer_summary.external_ref IS 'the customer''s id in the source system';
COMMENT ON COLUMN crm.customer_summary.acquired_at IS 'when the customer was acquired (crm.customers)';
COMMENT ON COLUMN crm.customer_summary.acquisition_channel IS 'channel that acquired the customer';
COMMENT ON COLUMN crm.customer_summary.acquisition_cost IS 'cost of acquiring the customer';
COMMENT ON COLUMN crm.customer_summary.referred_by IS 'customer who referred this one';
COMMENT ON COLUMN crm.customer_summary.is_prospect IS
'true when the customer has no purchase up to the end (then the RFM figures are NULL and the counts 0)';
COMMENT ON COLUMN crm.customer_summary.frequency IS 'distinct purchase buckets minus one (repeat purchase periods); NULL for prospects';
COMMENT ON COLUMN crm.customer_summary.recency IS 'first to last purchase bucket, in time units (BTYD recency); NULL for prospects';
COMMENT ON COLUMN crm.customer_summary.t IS 'first purchase bucket to the end bucket, in time units (customer age T); NULL for prospects';
COMMENT ON COLUMN crm.customer_summary.monetary IS
'mean summed purchases of the repeat buckets (0 when frequency = 0; BTYD monetary value); NULL for prospects';
COMMENT ON COLUMN crm.customer_summary.first_purchase_at IS 'time of the first purchase; NULL for prospects';
COMMENT ON COLUMN crm.customer_summary.last_purchase_at IS 'time of the last purchase up to the end; NULL for prospects';
COMMENT ON COLUMN crm.customer_summary.n_interactions IS 'purchases and refunds up to the end (0 for prospects)';
COMMENT ON COLUMN crm.customer_summary.n_refunds IS 'refunds up to the end (0 for prospects)';
COMMENT ON COLUMN crm.customer_summary.refund_amount IS 'total refunded up to the end, positive (0 for prospects)';
COMMENT ON COLUMN crm.customer_summary.revenue IS 'net revenue up to the end: purchases minus refunds (0 for prospects)';
COMMENT ON COLUMN crm.customer_summary.as_of IS 'the observation end used';
COMMENT ON COLUMN crm.customer_summary.bucket_width IS 'the bucket used';
COMMENT ON COLUMN crm.customer_summary.time_unit IS 'the time unit of recency and t';

-- ---------------------------------------------------------------------------
-- Scores

CREATE FUNCTION crm.rfm_quintile(rank bigint, n bigint)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE WHEN $1 >= 1 AND $1 <= $2 THEN CAST(1 + 5 * ($1 - 1) / $2 AS integer) END
$$;

COMMENT ON FUNCTION crm.rfm_quintile(bigint, bigint) IS
'RFM score 1..5 of a value with rank() = rank among n values ordered worst first: 1 + floor(5 (rank - 1) / n), so ties take the lowest quintile they reach; NULL unless 1 <= rank <= n';

-- ---------------------------------------------------------------------------
-- Segment rules: a seeded table (pattern in 10_tables.sql)
--
-- A customer's segment is the first rule, by priority then name, whose
-- three score ranges contain its scores.  The seeds are the common R-F
-- segment map (M is left open, 1..5, for rules of your own); they cover
-- every one of the 125 cells exactly once, so their priorities only matter
-- once rules are edited.  Check edits with crm.rfm_segment_map (a cell no
-- rule covers has segment NULL).  To remove a shipped segment, set its
-- ranges or priority rather than deleting it: a deleted default returns
-- after a dump and restore.

CREATE TABLE crm.rfm_segments (
	name text CONSTRAINT rfm_segments_pkey PRIMARY KEY
		CONSTRAINT rfm_segments_name_not_blank CHECK (pg_catalog.btrim(name) <> ''),
	priority integer NOT NULL,
	r_min smallint NOT NULL DEFAULT 1,
	r_max smallint NOT NULL DEFAULT 5,
	f_min smallint NOT NULL DEFAULT 1,
	f_max smallint NOT NULL DEFAULT 5,
	m_min smallint NOT NULL DEFAULT 1,
	m_max smallint NOT NULL DEFAULT 5,
	description text,
	is_default boolean NOT NULL DEFAULT false,
	CONSTRAINT rfm_segments_r_range CHECK (1 <= r_min AND r_min <= r_max AND r_max <= 5),
	CONSTRAINT rfm_segments_f_range CHECK (1 <= f_min AND f_min <= f_max AND f_max <= 5),
	CONSTRAINT rfm_segments_m_range CHECK (1 <= m_min AND m_min <= m_max AND m_max <= 5)
);

COMMENT ON TABLE crm.rfm_segments IS
'named RFM segments: a customer gets the first rule (by priority, then name) whose score ranges hold its R, F and M scores; shipped rows have is_default = true until changed, and only changed or added rows are dumped';
COMMENT ON COLUMN crm.rfm_segments.name IS 'segment name';
COMMENT ON COLUMN crm.rfm_segments.priority IS 'rules are tried in ascending priority (then name); the first match wins';
COMMENT ON COLUMN crm.rfm_segments.r_min IS 'lowest recency score of the rule (1..5)';
COMMENT ON COLUMN crm.rfm_segments.r_max IS 'highest recency score of the rule (1..5)';
COMMENT ON COLUMN crm.rfm_segments.f_min IS 'lowest frequency score of the rule (1..5)';
COMMENT ON COLUMN crm.rfm_segments.f_max IS 'highest frequency score of the rule (1..5)';
COMMENT ON COLUMN crm.rfm_segments.m_min IS 'lowest monetary score of the rule (1..5)';
COMMENT ON COLUMN crm.rfm_segments.m_max IS 'highest monetary score of the rule (1..5)';
COMMENT ON COLUMN crm.rfm_segments.description IS 'who the segment is and what to do with them';
COMMENT ON COLUMN crm.rfm_segments.is_default IS
'true for a row as shipped by the extension; set to false by any change (trigger), never true for rows users insert';

INSERT INTO crm.rfm_segments (name, priority, r_min, r_max, f_min, f_max, description, is_default) VALUES
	('Champions', 10, 5, 5, 4, 5,
	 'bought recently and often: reward them, ask for reviews and referrals', true),
	('Loyal Customers', 20, 3, 4, 4, 5,
	 'buy often and fairly recently: upsell, loyalty programme', true),
	('Potential Loyalist', 30, 4, 5, 2, 3,
	 'recent customers with a few purchases: offer membership, recommend', true),
	('New Customers', 40, 5, 5, 1, 1,
	 'bought once, very recently: onboard them, build the relationship', true),
	('Promising', 50, 4, 4, 1, 1,
	 'bought once, recently: create brand awareness, free trials', true),
	('Need Attention', 60, 3, 3, 3, 3,
	 'average recency and frequency: limited-time offers, recommendations', true),
	('About To Sleep', 70, 3, 3, 1, 2,
	 'few purchases, not recently: share popular products, reconnect', true),
	('Can''t Lose Them', 80, 1, 2, 5, 5,
	 'used to buy most often but not for a long time: win them back, talk to them', true),
	('At Risk', 90, 1, 2, 3, 4,
	 'bought often, but long ago: personalised reactivation offers', true),
	('Hibernating', 100, 2, 2, 1, 2,
	 'few purchases, long ago: relevant offers, discounts', true),
	('Lost', 110, 1, 1, 1, 2,
	 'fewest purchases, longest ago: revive interest with a campaign or let them go', true);

CREATE TRIGGER rfm_segments_seeded_row_insert
	BEFORE INSERT ON crm.rfm_segments
	FOR EACH ROW EXECUTE FUNCTION crm.seeded_row_insert('name');
CREATE TRIGGER rfm_segments_seeded_row_update
	BEFORE UPDATE ON crm.rfm_segments
	FOR EACH ROW EXECUTE FUNCTION crm.seeded_row_update();

COMMENT ON TRIGGER rfm_segments_seeded_row_insert ON crm.rfm_segments IS
'an inserted row replaces the default row with its name';
COMMENT ON TRIGGER rfm_segments_seeded_row_update ON crm.rfm_segments IS 'a changed row is no longer a default';

SELECT pg_catalog.pg_extension_config_dump('crm.rfm_segments', 'WHERE NOT is_default');

-- STABLE: reads crm.rfm_segments
CREATE FUNCTION crm.rfm_segment(r_score integer, f_score integer, m_score integer)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
SELECT g.name
FROM crm.rfm_segments g
WHERE $1 BETWEEN g.r_min AND g.r_max
  AND $2 BETWEEN g.f_min AND g.f_max
  AND $3 BETWEEN g.m_min AND g.m_max
ORDER BY g.priority, g.name
LIMIT 1
$$;

COMMENT ON FUNCTION crm.rfm_segment(integer, integer, integer) IS
'segment of the scores (R, F, M): the first rule of crm.rfm_segments by priority, then name, that holds them; NULL when none does';

CREATE VIEW crm.rfm_segment_map AS
SELECT r.r::text || f.f::text || m.m::text AS rfm_cell,
	   r.r AS r_score, f.f AS f_score, m.m AS m_score,
	   crm.rfm_segment(r.r, f.f, m.m) AS segment,
	   (SELECT pg_catalog.count(*) FROM crm.rfm_segments g
		WHERE r.r BETWEEN g.r_min AND g.r_max
		  AND f.f BETWEEN g.f_min AND g.f_max
		  AND m.m BETWEEN g.m_min AND g.m_max) AS n_rules
FROM pg_catalog.generate_series(1, 5) r(r),
	 pg_catalog.generate_series(1, 5) f(f),
	 pg_catalog.generate_series(1, 5) m(m);

COMMENT ON VIEW crm.rfm_segment_map IS
'the 125 RFM cells with the segment crm.rfm_segments gives each (NULL: no rule covers it) and how many rules match it';
COMMENT ON COLUMN crm.rfm_segment_map.rfm_cell IS 'the cell, R, F and M scores as three digits (''545'')';
COMMENT ON COLUMN crm.rfm_segment_map.r_score IS 'recency score 1..5';
COMMENT ON COLUMN crm.rfm_segment_map.f_score IS 'frequency score 1..5';
COMMENT ON COLUMN crm.rfm_segment_map.m_score IS 'monetary score 1..5';
COMMENT ON COLUMN crm.rfm_segment_map.segment IS 'segment of the cell (first matching rule by priority, then name)';
COMMENT ON COLUMN crm.rfm_segment_map.n_rules IS 'number of rules whose ranges hold the cell (1 for every cell with the shipped rules)';

-- ---------------------------------------------------------------------------
-- Customers with scores and segments

-- STABLE: reads tables; buckets follow the session TimeZone.  The segment
-- comes from a hash join against the 125 cells, each looked up once in
-- crm.rfm_segments (the rule of crm.rfm_segment() written out); OFFSET 0
-- keeps that lookup in the cell subquery, where it runs 125 times, instead
-- of being pulled up and run once per customer.  The per-customer lookup
-- this replaces took ~40 us a customer (0.8 s of 1.06 s for 20000).  The
-- scores are crm.rfm_quintile() written out (1 <= rank() <= count(*) holds
-- within the partition): that function is STRICT with a CASE body, so it is
-- never inlined and each call went through the SQL-function executor.
CREATE FUNCTION crm.customer_rfm_at(observation_end timestamptz,
									bucket interval DEFAULT '1 day',
									unit interval DEFAULT '7 days')
RETURNS TABLE (
	customer_id bigint,
	external_ref text,
	acquired_at timestamptz,
	acquisition_channel text,
	acquisition_cost numeric,
	referred_by bigint,
	is_prospect boolean,
	frequency integer,
	recency double precision,
	t double precision,
	monetary double precision,
	first_purchase_at timestamptz,
	last_purchase_at timestamptz,
	n_interactions bigint,
	n_refunds bigint,
	refund_amount numeric,
	revenue numeric,
	as_of timestamptz,
	bucket_width interval,
	time_unit interval,
	since_last_purchase double precision,
	r_score integer,
	f_score integer,
	m_score integer,
	rfm_cell text,
	segment text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT q.customer_id, q.external_ref, q.acquired_at, q.acquisition_channel, q.acquisition_cost,
	   q.referred_by, q.is_prospect, q.frequency, q.recency, q.t, q.monetary,
	   q.first_purchase_at, q.last_purchase_at, q.n_interactions, q.n_refunds, q.refund_amount,
	   q.revenue, q.as_of, q.bucket_width, q.time_unit, q.since_last_purchase,
	   q.r_score, q.f_score, q.m_score,
	   q.r_score::text || q.f_score::text || q.m_score::text,
	   sm.segment
FROM (SELECT s.*, w.since_last_purchase,
			 CASE WHEN NOT s.is_prospect THEN CAST(1 + 5 * (
				 pg_catalog.rank() OVER (PARTITION BY s.is_prospect ORDER BY w.since_last_purchase DESC) - 1)
				 / pg_catalog.count(*) OVER (PARTITION BY s.is_prospect) AS integer) END AS r_score,
			 CASE WHEN NOT s.is_prospect THEN CAST(1 + 5 * (
				 pg_catalog.rank() OVER (PARTITION BY s.is_prospect ORDER BY s.frequency) - 1)
				 / pg_catalog.count(*) OVER (PARTITION BY s.is_prospect) AS integer) END AS f_score,
			 CASE WHEN NOT s.is_prospect THEN CAST(1 + 5 * (
				 pg_catalog.rank() OVER (PARTITION BY s.is_prospect ORDER BY s.revenue) - 1)
				 / pg_catalog.count(*) OVER (PARTITION BY s.is_prospect) AS integer) END AS m_score
	  FROM crm.customer_summary_at($1, $2, $3) s,
		   LATERAL (SELECT CAST(pg_catalog.round(CAST(s.t - s.recency AS numeric), 9)
								AS double precision)) AS w(since_last_purchase)) q
LEFT JOIN (SELECT r.r, f.f, m.m,
				  (SELECT g.name
				   FROM crm.rfm_segments g
				   WHERE r.r BETWEEN g.r_min AND g.r_max
					 AND f.f BETWEEN g.f_min AND g.f_max
					 AND m.m BETWEEN g.m_min AND g.m_max
				   ORDER BY g.priority, g.name
				   LIMIT 1) AS segment
		   FROM pg_catalog.generate_series(1, 5) r(r),
				pg_catalog.generate_series(1, 5) f(f),
				pg_catalog.generate_series(1, 5) m(m)
		   OFFSET 0) sm
	   ON sm.r = q.r_score AND sm.f = q.f_score AND sm.m = q.m_score
$$;

COMMENT ON FUNCTION crm.customer_rfm_at(timestamptz, interval, interval) IS
'crm.customer_summary_at with RFM quintile scores across the customers (R on t - recency, F on frequency, M on net revenue; ties take the lowest quintile), the cell and the segment from crm.rfm_segments';

CREATE VIEW crm.customer_rfm AS
SELECT r.*
FROM crm.summary_parameters() p,
	 crm.customer_rfm_at(p.observation_end, p.bucket, p.time_unit) r;

COMMENT ON VIEW crm.customer_rfm IS
'one row per customer: crm.customer_summary with RFM scores 1..5 (ties take the lowest quintile), the cell and the named segment (crm.rfm_segments); prospects have no scores';
COMMENT ON COLUMN crm.customer_rfm.customer_id IS 'the customer (crm.customers)';
COMMENT ON COLUMN crm.customer_rfm.external_ref IS 'the customer''s id in the source system';
COMMENT ON COLUMN crm.customer_rfm.acquired_at IS 'when the customer was acquired (crm.customers)';
COMMENT ON COLUMN crm.customer_rfm.acquisition_channel IS 'channel that acquired the customer';
COMMENT ON COLUMN crm.customer_rfm.acquisition_cost IS 'cost of acquiring the customer';
COMMENT ON COLUMN crm.customer_rfm.referred_by IS 'customer who referred this one';
COMMENT ON COLUMN crm.customer_rfm.is_prospect IS
'true when the customer has no purchase up to the end (no scores, cell or segment)';
COMMENT ON COLUMN crm.customer_rfm.frequency IS 'distinct purchase buckets minus one (repeat purchase periods); NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.recency IS 'first to last purchase bucket, in time units (BTYD recency); NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.t IS 'first purchase bucket to the end bucket, in time units (customer age T); NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.monetary IS
'mean summed purchases of the repeat buckets (0 when frequency = 0; BTYD monetary value); NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.first_purchase_at IS 'time of the first purchase; NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.last_purchase_at IS 'time of the last purchase up to the end; NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.n_interactions IS 'purchases and refunds up to the end (0 for prospects)';
COMMENT ON COLUMN crm.customer_rfm.n_refunds IS 'refunds up to the end (0 for prospects)';
COMMENT ON COLUMN crm.customer_rfm.refund_amount IS 'total refunded up to the end, positive (0 for prospects)';
COMMENT ON COLUMN crm.customer_rfm.revenue IS 'net revenue up to the end: purchases minus refunds (0 for prospects); the basis of m_score';
COMMENT ON COLUMN crm.customer_rfm.as_of IS 'the observation end used';
COMMENT ON COLUMN crm.customer_rfm.bucket_width IS 'the bucket used';
COMMENT ON COLUMN crm.customer_rfm.time_unit IS 'the time unit of recency, t and since_last_purchase';
COMMENT ON COLUMN crm.customer_rfm.since_last_purchase IS
'RFM recency: t - recency, last purchase bucket to the end bucket in time units (rounded to 9 decimals); the basis of r_score';
COMMENT ON COLUMN crm.customer_rfm.r_score IS 'recency score 1..5 (5 = most recent); NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.f_score IS 'frequency score 1..5 (5 = most purchase periods); NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.m_score IS 'monetary score 1..5 on net revenue (5 = highest); NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.rfm_cell IS 'the three scores as digits, R F M (''545''); NULL for prospects';
COMMENT ON COLUMN crm.customer_rfm.segment IS 'segment of the cell from crm.rfm_segments; NULL for prospects and uncovered cells';

-- ---------------------------------------------------------------------------
-- security_invoker (PostgreSQL 15+): the querying role's privileges and
-- row-level security apply.  Older servers keep owner-rights views (see the
-- header).

DO $$
BEGIN
	IF pg_catalog.current_setting('server_version_num')::integer >= 150000 THEN
		EXECUTE 'ALTER VIEW crm.customer_summary SET (security_invoker = true)';
		EXECUTE 'ALTER VIEW crm.rfm_segment_map SET (security_invoker = true)';
		EXECUTE 'ALTER VIEW crm.customer_rfm SET (security_invoker = true)';
	END IF;
END
$$;
