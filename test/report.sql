-- test/report.sql: the HTML page of test/report.sh, written by psql alone:
-- \qecho for the page's own markup, \pset format html for tables, unaligned
-- tuples for the SVG charts the extension draws.  Variables: cal_end,
-- obs_end (timestamptz), unit (interval of one time unit, e.g. '7 days').
\set QUIET on
\pset footer off
\pset border 0
\pset null ''
\pset tableattr 'class="data"'
SET client_min_messages = warning;

-- HTML text escaping for values put into the page's own markup
CREATE FUNCTION pg_temp.h(s text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT replace(replace(replace(replace(coalesce(s, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;') $$;

-- purchase days per customer (the lifetimes convention: one bucket per day)
CREATE TEMP TABLE rp_days AS
SELECT customer_id, date_trunc('day', occurred_at) AS day, sum(amount) AS amount
FROM crm.interactions
WHERE kind = 'purchase' AND occurred_at < :'obs_end'::timestamptz
GROUP BY 1, 2;
-- the calibration cohort: customers whose first purchase is before cal_end
CREATE TEMP TABLE rp_cohort AS
SELECT customer_id, min(day) AS first_day,
	   count(*) FILTER (WHERE day < :'cal_end'::timestamptz) - 1 AS frequency_cal,
	   count(*) FILTER (WHERE day >= :'cal_end'::timestamptz) AS frequency_holdout,
	   sum(amount) AS revenue
FROM rp_days GROUP BY 1
HAVING min(day) < :'cal_end'::timestamptz;
SELECT min(first_day) AS start_day,
	   extract(epoch FROM (:'cal_end'::timestamptz - min(first_day))) / extract(epoch FROM :'unit'::interval) AS cal_units,
	   ceil(extract(epoch FROM (:'obs_end'::timestamptz - min(first_day))) / extract(epoch FROM :'unit'::interval))::int AS obs_units
FROM rp_cohort \gset

\pset format unaligned
\pset tuples_only on
\qecho '<!DOCTYPE html>'
\qecho '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">'
\qecho '<head>'
\qecho '<meta charset="utf-8"/>'
\qecho '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
\qecho '<meta name="color-scheme" content="light dark"/>'
\qecho '<title>crm_ext model validation report</title>'
\qecho '<style>'
\qecho ':root{color-scheme:light dark;--bg:#f6f8fa;--fg:#1f2328;--muted:#57606a;--card:#ffffff;--border:#d0d7de;--accent:#0072b2;--head:#f0f3f6}'
\qecho '@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--card:#161b22;--border:#30363d;--accent:#56b4e9;--head:#1c2129}}'
\qecho 'body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}'
\qecho 'main{max-width:1240px;margin:0 auto;padding:24px}'
\qecho 'h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 12px}h3{font-size:15px;margin:16px 0 8px}'
\qecho 'p.meta{color:var(--muted);margin:0 0 16px}'
\qecho 'section{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:16px 20px;margin:16px 0}'
\qecho '.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}'
\qecho 'figure{margin:0}figure svg{display:block;width:100%;height:auto;border:1px solid var(--border);border-radius:6px}'
\qecho 'figcaption{color:var(--muted);font-size:13px;margin-top:6px}'
\qecho 'table.data{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:4px 0 12px}'
\qecho 'table.data caption{text-align:left;font-weight:600;padding:4px 0}'
\qecho 'table.data th{background:var(--head);font-weight:600;text-align:left}'
\qecho 'table.data th,table.data td{padding:4px 12px;border-bottom:1px solid var(--border)}'
\qecho '.tables{display:flex;flex-wrap:wrap;gap:8px 32px;align-items:flex-start}'
\qecho 'code{font-size:13px}'
\qecho '</style>'
\qecho '</head>'
\qecho '<body>'
\qecho '<main>'
\qecho '<h1>Customer-base model validation</h1>'
SELECT format('<p class="meta">Database <code>%s</code>, crm_ext %s. Calibration period up to %s, holdout up to %s; time unit %s. Generated %s.</p>',
			  pg_temp.h(current_database()), pg_temp.h(crm.extension_version()),
			  pg_temp.h(:'cal_end'::timestamptz::date::text), pg_temp.h(:'obs_end'::timestamptz::date::text),
			  pg_temp.h(:'unit'::interval::text), pg_temp.h(to_char(now(), 'YYYY-MM-DD HH24:MI TZ')));

-- ---------------------------------------------------------------------------
\qecho '<section>'
\qecho '<h2>Data</h2>'
\qecho '<div class="tables">'
\pset format html
\pset tuples_only off
\pset title 'Interactions'
SELECT kind, count(*) AS interactions, count(DISTINCT customer_id) AS customers,
	   round(sum(amount), 2) AS amount
FROM crm.interactions WHERE occurred_at < :'obs_end'::timestamptz
GROUP BY kind ORDER BY kind;
\pset title 'Calibration cohort'
SELECT count(*) AS customers,
	   sum(frequency_cal) AS repeat_purchases_calibration,
	   sum(frequency_holdout) AS repeat_purchases_holdout,
	   min(first_day)::date AS first_purchase,
	   max(first_day)::date AS last_acquisition
FROM rp_cohort;
\pset title
\pset format unaligned
\pset tuples_only on
\qecho '</div>'
\qecho '<div class="charts">'

-- weekly (per unit) repeat transactions of the cohort, cumulative
\qecho '<figure>'
WITH t AS (
	SELECT floor(extract(epoch FROM (d.day - :'start_day'::timestamptz)) / extract(epoch FROM :'unit'::interval))::int + 1 AS u,
		   count(*) AS n
	FROM rp_days d JOIN rp_cohort c USING (customer_id)
	WHERE d.day > c.first_day
	GROUP BY 1
), s AS (
	SELECT u, coalesce(t.n, 0) AS n, sum(coalesce(t.n, 0)) OVER (ORDER BY u) AS cum
	FROM generate_series(1, :obs_units) u LEFT JOIN t USING (u)
)
SELECT crm.svg_line_chart('Cumulative repeat transactions',
						  array_agg(u::float8 ORDER BY u), ARRAY['actual'],
						  array_agg(cum::float8 ORDER BY u),
						  'time since the first purchase (units of ' || :'unit' || ')', 'repeat transactions',
						  :cal_units, 'end of calibration')
FROM s;
\qecho '<figcaption>Repeat transactions of the calibration cohort, cumulated per time unit; the dashed line marks the end of the calibration period.</figcaption>'
\qecho '</figure>'

-- calibration-period frequency histogram
\qecho '<figure>'
WITH f AS (
	SELECT least(frequency_cal, 7) AS k, count(*) AS n FROM rp_cohort GROUP BY 1
)
SELECT crm.svg_bar_chart('Repeat purchases in the calibration period',
						 ARRAY['0', '1', '2', '3', '4', '5', '6', '7+'], ARRAY['actual'],
						 array_agg(coalesce(f.n, 0)::float8 ORDER BY k),
						 'repeat purchases', 'customers')
FROM generate_series(0, 7) k LEFT JOIN f USING (k);
\qecho '<figcaption>Customers of the calibration cohort by number of repeat purchases up to the calibration end.</figcaption>'
\qecho '</figure>'

-- revenue per customer
\qecho '<figure>'
SELECT crm.svg_histogram('Revenue per customer', array_agg(revenue::float8), 'revenue up to the observation end',
						 'customers', NULL, 0.99)
FROM rp_cohort;
\qecho '<figcaption>Revenue per calibration-cohort customer up to the end of the holdout period; the top 1% are gathered in the last bar.</figcaption>'
\qecho '</figure>'

-- customers by calibration frequency and recency
\qecho '<figure>'
WITH r AS (
	SELECT least(frequency_cal, 10) AS f,
		   least(floor(extract(epoch FROM (max(d.day) - c.first_day)) / extract(epoch FROM :'unit'::interval) / 4)::int, 12) AS rb
	FROM rp_cohort c JOIN rp_days d USING (customer_id)
	WHERE d.day < :'cal_end'::timestamptz
	GROUP BY c.customer_id, c.frequency_cal, c.first_day
), grid AS (
	SELECT f, rb, count(r.*) AS n
	FROM generate_series(0, 10) f CROSS JOIN generate_series(0, 12) rb
	LEFT JOIN r USING (f, rb)
	GROUP BY f, rb
), rows AS (
	SELECT f, array_agg(CASE WHEN n = 0 THEN NULL ELSE n END::float8 ORDER BY rb) AS v FROM grid GROUP BY f
)
SELECT crm.svg_heatmap('Customers by frequency and recency',
					   (SELECT array_agg(CASE WHEN f = 10 THEN '10+' ELSE f::text END ORDER BY f) FROM rows),
					   (SELECT array_agg(CASE WHEN rb = 12 THEN '48+' ELSE (4 * rb)::text END ORDER BY rb) FROM generate_series(0, 12) rb),
					   (SELECT array_agg(v ORDER BY f) FROM rows),
					   'recency (units, 4 per column)', 'repeat purchases', 'customers');
\qecho '<figcaption>Calibration-period customers by repeat purchases (rows) and recency, the time from the first to the last purchase (columns); empty cells have no customers.</figcaption>'
\qecho '</figure>'
\qecho '</div>'
\qecho '</section>'

-- ---------------------------------------------------------------------------
-- Validation of the purchase models (crm.validate: fit on the calibration
-- period, checked on the holdout period)
CREATE TEMP TABLE rp_val AS
SELECT v FROM crm.validate(:'cal_end', :'obs_end', '1 day', :'unit') v;
SELECT count(*) > 0 AS has_val, string_agg(crm.model_label((v).model), ', ' ORDER BY (v).model) AS val_models
FROM rp_val \gset
\if :has_val
\qecho '<section>'
\qecho '<h2>Model validation</h2>'
SELECT format('<p class="meta">%s fitted by maximum likelihood on the %s customers whose first purchase is before the calibration end, then compared with what they did in the holdout period (%s %s).</p>',
			  pg_temp.h(:'val_models'), (v).customers, round((v).holdout_periods::numeric, 1), pg_temp.h(crm.unit_label((v).unit)))
FROM rp_val LIMIT 1;
\pset format html
\pset tuples_only off
\pset title 'Holdout predictions and fit'
SELECT crm.model_label((v).model) AS model,
	   (v).holdout_actual AS actual, round((v).holdout_predicted::numeric, 1) AS predicted,
	   round((v).holdout_error_pct::numeric, 1) AS "error %",
	   round((v).mae::numeric, 3) AS "MAE", round((v).rmse::numeric, 3) AS "RMSE",
	   round((v).correlation::numeric, 3) AS correlation,
	   round((v).chi_square::numeric, 1) AS "chi-square", (v).chi_square_df AS df,
	   round(((v).model_value ->> 'loglik')::numeric, 1) AS loglik,
	   (SELECT string_agg(format('%s %s', key, round(value::numeric, 3)), ', ' ORDER BY key)
		FROM jsonb_each_text((v).model_value)
		WHERE key NOT IN ('loglik', 'n_customers', 'iterations', 'converged')) AS parameters
FROM rp_val ORDER BY (v).model;
\pset title
\pset format unaligned
\pset tuples_only on
\qecho '<div class="charts">'
\qecho '<figure>'
SELECT crm.plot_tracking(array_agg(v ORDER BY (v).model)) FROM rp_val;
\qecho '<figcaption>Cumulative repeat purchases of the calibration cohort per time unit since its first purchase: actual, and each model''s expectation for customers acquired when they were.</figcaption>'
\qecho '</figure>'
\qecho '<figure>'
SELECT crm.plot_tracking(array_agg(v ORDER BY (v).model), false) FROM rp_val;
\qecho '<figcaption>The same per period: the holdout part (right of the dashed line) is a forecast.</figcaption>'
\qecho '</figure>'
\qecho '<figure>'
SELECT crm.plot_frequency(array_agg(v ORDER BY (v).model)) FROM rp_val;
\qecho '<figcaption>Calibration-period repeat purchases: customers with 0 to 6 and 7 or more, actual and expected (each customer at their own age).</figcaption>'
\qecho '</figure>'
\qecho '<figure>'
SELECT crm.plot_calibration_holdout(array_agg(v ORDER BY (v).model)) FROM rp_val;
\qecho '<figcaption>Conditional expectations: customers grouped by calibration repeat purchases, their mean holdout repeat purchases and the models'' mean predictions.</figcaption>'
\qecho '</figure>'
\qecho '</div>'
\qecho '<div class="tables">'
\pset format html
\pset tuples_only off
\pset title 'Frequency histogram (calibration)'
SELECT f.repeat_purchases, f.actual AS actual,
	   round(max(f.expected) FILTER (WHERE (v).model = 'bgnbd')::numeric, 1) AS "BG/NBD",
	   round(max(f.expected) FILTER (WHERE (v).model = 'mbgnbd')::numeric, 1) AS "MBG/NBD",
	   round(max(f.expected) FILTER (WHERE (v).model = 'pareto_nbd')::numeric, 1) AS "Pareto/NBD"
FROM rp_val, crm.validation_frequency(v) f
GROUP BY f.repeat_purchases, f.actual ORDER BY f.repeat_purchases;
\pset title 'Calibration vs holdout (means per customer)'
SELECT c.repeat_purchases, c.customers, round(c.actual::numeric, 3) AS actual,
	   round(max(c.predicted) FILTER (WHERE (v).model = 'bgnbd')::numeric, 3) AS "BG/NBD",
	   round(max(c.predicted) FILTER (WHERE (v).model = 'mbgnbd')::numeric, 3) AS "MBG/NBD",
	   round(max(c.predicted) FILTER (WHERE (v).model = 'pareto_nbd')::numeric, 3) AS "Pareto/NBD"
FROM rp_val, crm.validation_conditional(v) c
GROUP BY c.repeat_purchases, c.customers, c.actual ORDER BY c.repeat_purchases;
\pset title
\pset format unaligned
\pset tuples_only on
\qecho '</div>'
\qecho '</section>'

-- ---------------------------------------------------------------------------
-- One model for the customer-level pictures: BG/NBD when this build has it
SELECT to_regtype('crm.bgnbd') IS NOT NULL AS has_bgnbd \gset
\if :has_bgnbd
CREATE TEMP TABLE rp_model AS
SELECT 'BG/NBD'::text AS label, crm.fit_bgnbd(frequency, recency, t) AS m
FROM crm.validation_split(:'cal_end', :'obs_end', '1 day', :'unit');
\else
CREATE TEMP TABLE rp_model AS
SELECT 'Pareto/NBD'::text AS label, crm.fit_pareto_nbd(frequency, recency, t) AS m
FROM crm.validation_split(:'cal_end', :'obs_end', '1 day', :'unit');
\endif
-- every customer's summary up to the observation end, and a spend model
CREATE TEMP TABLE rp_rfm AS
SELECT customer_id, (s).frequency::float8 AS frequency, (s).recency, (s).t, (s).monetary
FROM (SELECT customer_id, crm.rfm_summary(occurred_at, amount, :'obs_end', '1 day', :'unit') AS s
	  FROM crm.interactions WHERE kind IN ('purchase', 'refund') GROUP BY customer_id) x
WHERE s IS NOT NULL;
CREATE TEMP TABLE rp_gg AS
SELECT crm.fit_gamma_gamma(frequency, monetary) AS g FROM rp_rfm WHERE frequency > 0 AND monetary > 0;
SELECT label AS model_label FROM rp_model \gset
\qecho '<section>'
SELECT format('<h2>Customers today (%s)</h2>', pg_temp.h(:'model_label'));
\qecho '<p class="meta">The model fitted on the calibration period, applied to every customer''s purchases up to the observation end: who is probably still active, and what customers are worth over the next 52 time units.</p>'
\qecho '<div class="charts">'
\qecho '<figure>'
SELECT crm.plot_p_alive_matrix(m, (SELECT max(t) FROM rp_rfm), least(20, (SELECT max(frequency)::int FROM rp_rfm)), 30)
FROM (SELECT m FROM rp_model) x;
\qecho '<figcaption>Probability that a customer of the oldest age is still active, by repeat purchases and recency: many purchases long ago mean the customer has probably gone.</figcaption>'
\qecho '</figure>'
\qecho '<figure>'
SELECT crm.plot_clv_distribution(
		   array_agg(crm.expected_spend(g.g, r.frequency, r.monetary)
					 * crm.conditional_expected_purchases(m.m, 52, r.frequency, r.recency, r.t)),
		   'Expected revenue in the next 52 ' || crm.unit_label(:'unit'), 'expected revenue per customer')
FROM rp_rfm r, rp_gg g, rp_model m;
\qecho '<figcaption>Expected revenue per customer over the next 52 time units: expected purchases (conditional on each customer''s history) times the Gamma-Gamma expected spend per purchase, undiscounted; the top 1% are gathered in the last bar.</figcaption>'
\qecho '</figure>'
\qecho '</div>'
\qecho '</section>'
\else
\qecho '<section><h2>Model validation</h2><p class="meta">No customer has a purchase before the calibration end: nothing to validate.</p></section>'
\endif

\qecho '</main>'
\qecho '</body>'
\qecho '</html>'
