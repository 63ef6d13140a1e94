-- test/demo.sql: what test/demo.sh shows.
\pset footer off
CREATE EXTENSION crm_ext;
SELECT 'crm_ext ' || crm.extension_version() || ' installed' AS demo;

-- demo data: :customers simulated customers (BG/NBD purchases with r = 0.25,
-- alpha = 4, a = 0.8, b = 2.5 per week; Gamma-Gamma spend p = 6, q = 4,
-- v = 15), first purchases in the 26 weeks that start 78 weeks before
-- 2025-01-01; the seed is the setting demo.seed
SELECT value AS seed FROM crm.settings WHERE name = 'demo.seed' \gset
\timing on
SELECT * FROM crm.generate_demo_data(:customers, :seed);
\timing off

SELECT kind, count(*) AS interactions, count(DISTINCT customer_id) AS customers,
	   sum(amount) AS amount, round(avg(satisfaction), 2) AS avg_satisfaction
FROM crm.interactions
GROUP BY kind ORDER BY kind;

-- a sample of customers with their interaction counts
SELECT c.customer_id AS id, c.name, c.country AS cc, c.acquisition_channel AS channel,
	   c.acquired_at::date AS acquired,
	   count(*) FILTER (WHERE i.kind = 'purchase') AS purchases,
	   coalesce(sum(i.amount) FILTER (WHERE i.kind IN ('purchase', 'refund')), 0) AS revenue,
	   count(*) FILTER (WHERE i.kind NOT IN ('purchase', 'refund')) AS contacts,
	   max(i.occurred_at) FILTER (WHERE i.kind = 'purchase')::date AS last_purchase,
	   r.name AS referred_by
FROM crm.customers c
LEFT JOIN crm.interactions i ON i.customer_id = c.customer_id
LEFT JOIN crm.customers r ON r.customer_id = c.referred_by
WHERE c.customer_id IN (SELECT customer_id FROM crm.customers ORDER BY customer_id LIMIT 12)
GROUP BY c.customer_id, r.name
ORDER BY c.customer_id;

-- RFM: the summary at the default observation end (setting
-- summary.observation_end empty = the latest interaction), quintile scores
-- and the named segments of crm.rfm_segments
\pset null ''
SELECT as_of AS observation_end, bucket_width AS bucket, time_unit AS unit,
	   count(*) AS customers, count(*) FILTER (WHERE is_prospect) AS prospects
FROM crm.customer_rfm
GROUP BY as_of, bucket_width, time_unit;

-- a sample of 15: the lowest customer id of every segment, then the
-- second lowest of the best segments, best segments first (recency, T and since in weeks; monetary = mean repeat spend,
-- revenue = net total, the basis of M)
CREATE TEMP TABLE demo_rfm AS SELECT * FROM crm.customer_rfm;
SELECT d.customer_id AS id, c.name, d.frequency AS freq,
	   round(d.recency::numeric, 1) AS recency, round(d.t::numeric, 1) AS "T",
	   round(d.monetary::numeric, 2) AS monetary, round(d.revenue, 2) AS revenue,
	   round(d.since_last_purchase::numeric, 1) AS since,
	   d.r_score AS r, d.f_score AS f, d.m_score AS m, d.rfm_cell AS cell, d.segment
FROM (SELECT y.*
	  FROM (SELECT x.*, row_number() OVER (PARTITION BY x.segment ORDER BY x.customer_id) AS k,
				   g.priority
			FROM demo_rfm x LEFT JOIN crm.rfm_segments g ON g.name = x.segment) y
	  ORDER BY y.k, y.priority NULLS LAST
	  LIMIT 15) d
JOIN crm.customers c ON c.customer_id = d.customer_id
ORDER BY d.priority NULLS LAST, d.customer_id;

-- customers per segment
SELECT coalesce(g.name, '(prospects)') AS segment, count(d.customer_id) AS customers,
	   round(100.0 * count(d.customer_id) / sum(count(d.customer_id)) OVER (), 1) AS "%",
	   round(avg(d.frequency), 1) AS avg_freq, round(avg(d.since_last_purchase)::numeric, 1) AS avg_since,
	   round(avg(d.revenue), 2) AS avg_revenue, round(sum(d.revenue), 0) AS revenue
FROM crm.rfm_segments g
FULL JOIN demo_rfm d ON d.segment = g.name
GROUP BY g.name, g.priority
HAVING g.name IS NOT NULL OR count(d.customer_id) > 0
ORDER BY g.priority NULLS LAST;

-- value: crm.refresh fits BG/NBD and Gamma-Gamma on the summaries, stores
-- and activates them in crm.models and fills crm.customer_value_mat (one
-- NOTICE per phase, with timings)
\timing on
CALL crm.refresh();
\timing off
SELECT model_id, kind, round(n_customers) AS customers, round(loglik::numeric, 1) AS loglik, converged,
	   coalesce(bgnbd::text, gamma_gamma::text) AS parameters
FROM crm.models WHERE is_active ORDER BY model_id;

-- a slice of crm.customer_value (times in weeks; CLV: infinite horizon, 10% a
-- year, margin 1; expected purchases and P(alive) for the next 90 days)
SELECT v.customer_id AS id, v.frequency AS freq, round(v.since_last_purchase::numeric, 1) AS since,
	   v.segment, round(v.p_alive::numeric, 3) AS p_alive, v.churn_band AS risk,
	   round(v.expected_purchases::numeric, 2) AS "exp 90d", round(v.expected_spend::numeric, 2) AS spend,
	   round(v.clv::numeric, 2) AS clv, round(v.net_clv::numeric, 2) AS net_clv,
	   round(v.referral_value::numeric, 2) AS referral, v.value_tier AS tier, v.lifecycle_stage AS stage
FROM crm.customer_value_mat v
WHERE v.customer_id IN (SELECT d.customer_id FROM demo_rfm d ORDER BY d.customer_id LIMIT 15)
ORDER BY v.customer_id;

-- segment summary: customers, revenue, customer equity (sum of CLV) and churn
-- by lifecycle stage and by value tier
SELECT dimension, coalesce(grp, '(none)') AS "group", customers, round(revenue, 0) AS revenue,
	   round(equity::numeric, 0) AS equity, round(avg_clv::numeric, 2) AS avg_clv,
	   round(avg_churn_risk::numeric, 3) AS avg_risk, high_risk, churned
FROM crm.segment_summary
WHERE dimension IN ('lifecycle_stage', 'value_tier', 'total')
ORDER BY dimension, grp;
