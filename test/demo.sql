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

-- the RFM summary and model fits on these customers come with those features
