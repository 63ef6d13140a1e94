-- validate: the calibration/holdout split, model validation (crm.validate,
-- crm.validate_model), its tables and charts, on deterministic demo data.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SELECT * FROM crm.generate_demo_data(400, 7);

-- the split: one row per customer with a purchase up to calibration_end
CREATE TEMP TABLE split AS
SELECT * FROM crm.validation_split('2024-04-02', '2025-01-01');
SELECT count(*) AS customers, sum(frequency) AS repeat_calibration, sum(frequency_holdout) AS repeat_holdout,
	   round(max(t)::numeric, 4) AS max_t, round(max(duration_holdout)::numeric, 4) AS holdout,
	   min(acquired) AS first_acquired, round(max(acquired)::numeric, 4) AS last_acquired,
	   sum(coalesce(cardinality(repeat_times), 0)) = sum(frequency + frequency_holdout) AS repeat_times_complete,
	   bool_and(abs(t + acquired - (SELECT max(t + acquired) FROM split)) < 1e-9) AS same_calibration_end
FROM split;

-- the split agrees with crm.rfm_calibration_holdout directly
SELECT count(*) AS mismatches
FROM split s
JOIN (SELECT customer_id, crm.rfm_calibration_holdout(occurred_at, amount, '2024-04-02', '2025-01-01', '1 day', '7 days') AS h
	  FROM crm.interactions WHERE kind IN ('purchase', 'refund') GROUP BY customer_id) r USING (customer_id)
WHERE (s.frequency, s.recency, s.t, s.frequency_holdout)
	  IS DISTINCT FROM ((r.h).frequency_cal::float8, (r.h).recency_cal, (r.h).t_cal, (r.h).frequency_holdout::float8);

-- a given Pareto/NBD model: the validation is consistent with the model's
-- own functions over the split
CREATE TEMP TABLE v AS
SELECT crm.validate_model(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), '2024-04-02', '2025-01-01') AS v;
SELECT (v).model, (v).customers, date_part('epoch', (v).unit) / 86400 AS unit_days, round((v).calibration_periods::numeric, 6) AS calibration_periods,
	   round((v).holdout_periods::numeric, 6) AS holdout_periods, (v).calibration_actual, (v).holdout_actual,
	   round((v).calibration_expected::numeric, 6) AS calibration_expected,
	   round((v).holdout_predicted::numeric, 6) AS holdout_predicted,
	   round((v).holdout_error_pct::numeric, 4) AS error_pct,
	   round((v).mae::numeric, 6) AS mae, round((v).rmse::numeric, 6) AS rmse,
	   round((v).correlation::numeric, 6) AS correlation,
	   round((v).chi_square::numeric, 4) AS chi_square, (v).chi_square_df
FROM v;
SELECT abs((v).holdout_predicted - p.s) < 1e-9 * p.s AS holdout_is_sum_of_conditional_expectations,
	   abs((v).calibration_expected - e.s) < 1e-9 * e.s AS calibration_is_sum_of_expectations,
	   abs((v).mae - p.mae) < 1e-12 AS mae_matches,
	   (v).tracking_actual[cardinality((v).tracking_actual)]
		   = (SELECT count(*) FROM split, unnest(repeat_times) r WHERE r <= cardinality((v).tracking_actual) - 1 / 7.0 + 1e-9)
		   AS tracking_counts_whole_periods,
	   abs((v).tracking_expected[round((v).calibration_periods)::int] - (v).calibration_expected) < 1e-9 * (v).calibration_expected
		   AS tracking_at_calibration_end,
	   (SELECT sum(x) FROM unnest((v).frequency_actual) x) = (v).customers AS histogram_actual_complete,
	   abs((SELECT sum(x) FROM unnest((v).frequency_expected) x) - (v).customers) < 1e-9 AS histogram_expected_complete,
	   (SELECT sum(x) FROM unnest((v).conditional_customers) x) = (v).customers AS classes_complete
FROM v,
	 (SELECT sum(crm.conditional_expected_purchases(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), duration_holdout, frequency, recency, t)) AS s,
			 avg(abs(crm.conditional_expected_purchases(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), duration_holdout, frequency, recency, t)
					 - frequency_holdout)) AS mae
	  FROM split) p,
	 (SELECT sum(crm.expected_purchases(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), t)) AS s FROM split) e;

-- BG/NBD and MBG/NBD go through the same code: consistent with their own
-- functions too
SELECT (w).model,
	   abs((w).holdout_predicted - p.s) < 1e-9 * p.s AS holdout_is_sum_of_conditional_expectations,
	   abs((w).calibration_expected - p.e) < 1e-9 * p.e AS calibration_is_sum_of_expectations,
	   abs((w).tracking_expected[round((w).calibration_periods)::int] - (w).calibration_expected) < 1e-9 * (w).calibration_expected
		   AS tracking_at_calibration_end,
	   abs((SELECT sum(x) FROM unnest((w).frequency_expected) x) - (w).customers) < 1e-9 AS histogram_expected_complete
FROM (SELECT crm.validate_model(crm.bgnbd(0.24, 4.4, 0.79, 2.4), '2024-04-02', '2025-01-01') AS w,
			 (SELECT sum(crm.conditional_expected_purchases(crm.bgnbd(0.24, 4.4, 0.79, 2.4), duration_holdout, frequency, recency, t)) FROM split) AS s,
			 (SELECT sum(crm.expected_purchases(crm.bgnbd(0.24, 4.4, 0.79, 2.4), t)) FROM split) AS e
	  UNION ALL
	  SELECT crm.validate_model(crm.mbgnbd(0.52, 6.2, 0.89, 1.6), '2024-04-02', '2025-01-01'),
			 (SELECT sum(crm.conditional_expected_purchases(crm.mbgnbd(0.52, 6.2, 0.89, 1.6), duration_holdout, frequency, recency, t)) FROM split),
			 (SELECT sum(crm.expected_purchases(crm.mbgnbd(0.52, 6.2, 0.89, 1.6), t)) FROM split)) p
ORDER BY 1;

-- its tables
SELECT repeat_purchases, actual, round(expected::numeric, 4) AS expected
FROM v, crm.validation_frequency(v);
SELECT repeat_purchases, customers, round(actual::numeric, 4) AS actual, round(predicted::numeric, 4) AS predicted
FROM v, crm.validation_conditional(v);
SELECT period, actual, round(expected::numeric, 4) AS expected, actual_cumulative, round(expected_cumulative::numeric, 4) AS expected_cumulative
FROM v, crm.validation_tracking(v)
WHERE period IN (1, 2, 3, 39, 40, 77, 78);
SELECT count(*) AS periods FROM v, crm.validation_tracking(v);

-- fitted models: one row each
SELECT model, customers, (model_value ->> 'converged')::boolean AS converged,
	   holdout_actual, holdout_predicted > 0 AS predicted,
	   cardinality(tracking_expected) = cardinality(tracking_actual) AS tracking_aligned
FROM crm.validate('2024-04-02', '2025-01-01')
ORDER BY model;

-- charts: well-formed SVG with the expected series
SELECT name, xml_is_well_formed_document(svg) AS well_formed,
	   (xpath('/s:svg/s:title/text()', svg::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS title,
	   svg LIKE '%>actual</text>%' AS has_actual, svg LIKE '%>Pareto/NBD</text>%' AS has_model
FROM (SELECT 'tracking' AS name, crm.plot_tracking(v) AS svg FROM v
	  UNION ALL SELECT 'tracking per period', crm.plot_tracking(ARRAY[v, v], false) FROM v
	  UNION ALL SELECT 'frequency', crm.plot_frequency(v) FROM v
	  UNION ALL SELECT 'calibration vs holdout', crm.plot_calibration_holdout(ARRAY[v]) FROM v
	  UNION ALL SELECT 'p_alive', crm.plot_p_alive_matrix(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), 39, 10, 13)
	  UNION ALL SELECT 'p_alive bgnbd', crm.plot_p_alive_matrix(crm.bgnbd(0.24, 4.4, 0.79, 2.4), 39, 10, 13)
	  UNION ALL SELECT 'clv', crm.plot_clv_distribution(ARRAY[1, 2, 3, 50, 7, 9]::float8[])) c
ORDER BY name;
-- the P(alive) matrix: 11 rows x 14 columns, row 0 only at recency 0 (13 empty
-- cells and the key of empty cells)
SELECT (xpath('/s:svg/s:desc/text()',
			  crm.plot_p_alive_matrix(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), 39, 10, 13)::xml,
			  ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS desc,
	   (xpath('count(//s:rect[@class="crm-na"])',
			  crm.plot_p_alive_matrix(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), 39, 10, 13)::xml,
			  ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS empty_cells;
SELECT crm.model_label('bgnbd') AS bgnbd, crm.model_label('pareto_nbd') AS pnbd, crm.model_label('other') AS other,
	   crm.unit_label('7 days') AS week, crm.unit_label('1 day') AS day, crm.unit_label('2 days') AS two_days,
	   crm.unit_label('90 minutes') AS other_unit;

-- no cohort: NULL validation, no rows
SELECT crm.validate_model(crm.pareto_nbd(0.55, 10.6, 0.61, 11.7), '2000-01-01', '2001-01-01') IS NULL AS no_cohort;
SELECT count(*) AS rows FROM crm.validate('2000-01-01', '2001-01-01');

-- errors
\set VERBOSITY sqlstate
SELECT count(*) FROM crm.validation_split('2025-01-01', '2024-04-02');
SELECT count(*) FROM crm.validation_split(NULL, '2024-04-02');
SELECT count(*) FROM crm.validation_split('2024-04-02', '2025-01-01', '1 mon');
SELECT count(*) FROM crm.validation_split('2024-04-02', '2025-01-01', '1 day', '-7 days');
SELECT crm.validate_model(crm.bgbb(1, 1, 1, 1), '2024-04-02', '2025-01-01');
\set VERBOSITY default
-- a P(alive) grid beyond the heat map's 40000 cells is refused before any cell is computed
SELECT crm.plot_p_alive_matrix(crm.bgnbd(0.24, 4.4, 0.79, 2.4), 39, 1000000, 30000);
SELECT crm.plot_p_alive_matrix(crm.bgnbd(0.24, 4.4, 0.79, 2.4), 39, 10, 0);
SELECT length(crm.plot_p_alive_matrix(crm.bgnbd(0.24, 4.4, 0.79, 2.4), 39, 199, 199)) > 0 AS largest_grid_drawn;
SELECT count(*) FROM crm.validate('2024-04-02', '2024-04-02');
