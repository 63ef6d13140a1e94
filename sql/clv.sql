-- Customer lifetime value: crm.clv_discrete (lifetimes' recipe), crm.clv with
-- explicit units, crm.discounted_purchases, crm.discount_rate_per_unit.
-- Parameters: lifetimes' CDNOW fits (params_public.json).
SET extra_float_digits = 0;
CREATE TEMP TABLE m AS SELECT
	crm.pareto_nbd(0.5532815861528053, 10.577753122778805, 0.6061714462872277, 11.666906530603386) AS pn,
	crm.bgnbd(0.24259292827982198, 4.413532265271817, 0.7928859664406002, 2.4257523826255123) AS bg,
	crm.mbgnbd(0.24259292827982198, 4.413532265271817, 0.7928859664406002, 2.4257523826255123) AS mbg,
	crm.bgbb(1.203522160844229, 0.7497163088368421, 0.6567181645856434, 2.783442227299302) AS bb,
	crm.gamma_gamma(6.248802496077898, 3.744588460922642, 15.447748064920148) AS gg;

-- lifetimes' customer_lifetime_value(time=12, discount_rate=0.01, freq='W') for
-- CDNOW customers 1, 2 and a customer without repeat purchases
-- (cdnow_2357_gamma_gamma_clv.csv: 43.08083961279177, 3.8824161906276542;
-- BG/NBD 36.278495763624214, 4.637466328568788)
SELECT c.id, round(crm.clv_discrete(pn, gg, c.f, c.r, c.t, c.m)::numeric, 9) AS pnbd,
	   round(crm.clv_discrete(bg, gg, c.f, c.r, c.t, c.m)::numeric, 9) AS bgnbd,
	   round(crm.clv_discrete(mbg, gg, c.f, c.r, c.t, c.m)::numeric, 9) AS mbgnbd
FROM m, (VALUES (1, 2, 30.43, 38.86, 22.35), (2, 1, 1.71, 38.86, 11.77), (3, 0, 0, 38.86, 0)) c(id, f, r, t, m)
ORDER BY c.id;
-- explicit steps: 6 steps of 2 weeks at 0.5% per step; 0 steps is 0
SELECT round(crm.clv_discrete(pn, gg, 2, 30.43, 38.86, 22.35, 6, 2, 0.005)::numeric, 9) AS six_steps,
	   crm.clv_discrete(pn, gg, 2, 30.43, 38.86, 22.35, 0, 2, 0.005) AS zero_steps
FROM m;

-- the continuous rate per unit: ln(1.10) * 7 / 365.2425, and per year
SELECT round(crm.discount_rate_per_unit(0.10, '7 days')::numeric, 15) AS per_week,
	   round((ln(1.10) * 7 / 365.2425)::numeric, 15) AS expected,
	   round(crm.discount_rate_per_unit(0.10, '365 days 5 hours 49 minutes 12 seconds')::numeric, 15) AS per_mean_year;

-- discounted purchases: finite horizons converge to the infinite one; a
-- horizon of 12 months = 365.2425 days = 52.1775 weeks (not 360 days)
SELECT h, round(crm.discounted_purchases(pn, 2, 30.43, 38.86, '7 days', h::interval, 0.15)::numeric, 9) AS pnbd,
	   round(crm.discounted_purchases(bg, 2, 30.43, 38.86, '7 days', h::interval, 0.15)::numeric, 9) AS bgnbd
FROM m, (VALUES ('1 year'), ('12 months'), ('365.2425 days'), ('360 days'), ('10 years'), ('500 years'), (NULL)) v(h)
ORDER BY h NULLS LAST;
-- no discounting: E[Y(52 weeks)]
SELECT round(crm.discounted_purchases(pn, 2, 30.43, 38.86, '7 days', '364 days', 0)::numeric, 12) AS undiscounted,
	   round(crm.conditional_expected_purchases(pn, 52, 2, 30.43, 38.86)::numeric, 12) AS expected_52
FROM m;
-- the same customer measured in days gives the same value (unit-free models)
SELECT round(crm.discounted_purchases(pn, 2, 30.43, 38.86, '7 days', '2 years', 0.10)::numeric, 9) AS weeks,
	   round(crm.discounted_purchases(crm.pareto_nbd((pn).r, (pn).alpha * 7, (pn).s, (pn).beta * 7),
			2, 30.43 * 7, 38.86 * 7, '1 day', '2 years', 0.10)::numeric, 9) AS days
FROM m;
-- BG/BB in yearly periods, 10%: the closed-form DERT and a 100-year sum
SELECT round(crm.discounted_purchases(bb, 6, 6, 6, '365.2425 days', NULL, 0.10)::numeric, 9) AS dert,
	   round(crm.discounted_purchases(bb, 6, 6, 6, '365.2425 days', '100 years', 0.10)::numeric, 9) AS hundred_years,
	   round(crm.dert(bb, 0.10, 6, 6, 6)::numeric, 9) AS crm_dert
FROM m;

-- CLV = margin x E[spend] x discounted purchases
SELECT round(crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', '3 years', 0.10, 0.3)::numeric, 9) AS clv,
	   round((0.3 * crm.expected_spend(gg, 2, 22.35)
			  * crm.discounted_purchases(pn, 2, 30.43, 38.86, '7 days', '3 years', 0.10))::numeric, 9) AS product,
	   round(crm.clv(bg, gg, 2, 30.43, 38.86, 22.35, '7 days')::numeric, 9) AS bgnbd_infinite_10pct,
	   round(crm.clv(mbg, gg, 0, 0, 38.86, 0, '7 days', '1 year')::numeric, 9) AS mbgnbd_one_time_buyer
FROM m;
-- NULLs: a NULL horizon is infinite, any other NULL gives NULL
SELECT crm.clv(pn, gg, NULL, 30.43, 38.86, 22.35, '7 days') IS NULL AS null_frequency,
	   crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', NULL, NULL) IS NULL AS null_rate,
	   crm.clv(NULL::crm.pareto_nbd, gg, 2, 30.43, 38.86, 22.35, '7 days') IS NULL AS null_model,
	   crm.discounted_purchases(pn, 2, 30.43, 38.86, NULL) IS NULL AS null_unit
FROM m;

-- errors
\set VERBOSITY sqlstate
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '1 month') FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '0 days') FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '-7 days') FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', '-1 year') FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', NULL, 0) FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', '1 year', -1) FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', '1 year', -0.5) FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', '1 year', 'NaN') FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', '1 year', 0.1, 1.5) FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', '1 year', 0.1, 'Infinity') FROM m;
SELECT crm.clv(pn, gg, 2, 40, 38.86, 22.35, '7 days') FROM m;
SELECT crm.clv(pn, gg, 2.5, 30.43, 38.86, 22.35, '7 days') FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 0, '7 days') FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, -1, '7 days') FROM m;
SELECT crm.clv(pn, crm.gamma_gamma(1, 0.5, 1), 2, 30.43, 38.86, 22.35, '7 days') FROM m;
SELECT crm.clv_discrete(pn, gg, 2, 30.43, 38.86, 22.35, -1) FROM m;
SELECT crm.clv_discrete(pn, gg, 2, 30.43, 38.86, 22.35, 12, 0) FROM m;
SELECT crm.clv_discrete(pn, gg, 2, 30.43, 38.86, 22.35, 12, 4.345, -1) FROM m;
SELECT crm.clv_discrete(bb, gg, 2, 3, 6, 22.35, 12, 1.5) FROM m;
SELECT crm.clv_discrete(bb, gg, 2, 7, 6, 22.35, 12, 1) FROM m;
SELECT crm.discounted_purchases(bb, 6, 6, 6, '365.2425 days', '100000000 years', 0.1) FROM m;
SELECT crm.discount_rate_per_unit(0.1, '1 year');
SELECT crm.clv(crm.pareto_nbd(1, 1, 1, -1), gg, 2, 30.43, 38.86, 22.35, '7 days') FROM m;
\set VERBOSITY default
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '1 mon') FROM m;
SELECT crm.clv(pn, gg, 2, 30.43, 38.86, 22.35, '7 days', NULL, 0) FROM m;

-- two model arguments at one call site, with changing values (per-argument caches)
SELECT count(DISTINCT round(crm.clv(crm.pareto_nbd(0.55, 10.58, 0.61, 11.67 + (g % 3)),
									crm.gamma_gamma(6.25, 3.74 + (g % 2), 15.44), 2, 30.43, 38.86, 22.35,
									'7 days', '1 year')::numeric, 9)) AS distinct_values
FROM generate_series(1, 60) g;

-- a parallel plan gives the same sum
CREATE TEMP TABLE cust AS
SELECT g AS id, (g % 7)::float8 AS f, CASE WHEN g % 7 = 0 THEN 0 ELSE 20 + (g % 13) END::float8 AS r,
	   40::float8 AS t, CASE WHEN g % 7 = 0 THEN 0 ELSE 10 + (g % 29) END::float8 AS mon
FROM generate_series(1, 2000) g;
ANALYZE cust;
SELECT round(sum(crm.clv(pn, gg, f, r, t, mon, '7 days', '2 years', 0.1, 0.5))::numeric, 6) AS serial_sum
FROM cust, m;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT round(sum(crm.clv(pn, gg, f, r, t, mon, '7 days', '2 years', 0.1, 0.5))::numeric, 6) AS parallel_sum
FROM cust, m;
RESET ALL;
