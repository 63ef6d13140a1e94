-- plots: the SVG building blocks (crm.svg_*): well-formed XML with the
-- expected structure, escaping, NULL and empty input, labelling, errors.
SET client_min_messages = warning;

CREATE TEMP TABLE charts (name text PRIMARY KEY, svg text);

INSERT INTO charts VALUES
('line', crm.svg_line_chart('Tracking', ARRAY[1, 2, 3, 4, 5]::float8[], ARRAY['actual', 'model'],
	ARRAY[[1, 3, 6, NULL, 12], [1.5, 3.2, 5.8, 9.1, 11.7]]::float8[],
	'week', 'repeat purchases', 2.5, 'calibration end')),
('line_1d', crm.svg_line_chart(NULL, ARRAY[0, 10, 20]::float8[], NULL, ARRAY[5, 7, 6]::float8[])),
('scatter', crm.svg_scatter('Predicted vs actual', ARRAY[0, 1, 2, NULL, 4]::float8[],
	ARRAY[0.2, 1.4, NULL, 3, 3.6]::float8[], 'predicted', 'actual', true)),
('bar', crm.svg_bar_chart('Frequency', ARRAY['0', '1', '2', '3+'], ARRAY['actual', 'expected'],
	ARRAY[[1411, 439, 214, 293], [1398.2, 460.1, 213.5, 285.2]]::float8[], 'repeat purchases', 'customers')),
('heat', crm.svg_heatmap('P(alive)', ARRAY['0', '1', '2'], ARRAY['0', '10', '20', '30'],
	ARRAY[[1, 1, 1, 1], [0.2, 0.5, 0.8, NULL], [0.05, 0.3, 0.7, 0.95]]::float8[],
	'recency', 'frequency', 'P(alive)', 0, 1)),
('hist', crm.svg_histogram('CLV', (SELECT array_agg(exp(g / 100.0)) FROM generate_series(1, 500) g),
	'CLV', 'customers', NULL, 0.95)),
('hist_int', crm.svg_histogram('Purchases', ARRAY[0, 0, 1, 1, 1, 2, 5, NULL]::float8[])),
('empty_line', crm.svg_line_chart('Nothing yet', '{}'::float8[], '{}'::text[], '{}'::float8[])),
('empty_bar', crm.svg_bar_chart('No bars', '{}'::text[], NULL, '{}'::float8[])),
('empty_heat', crm.svg_heatmap('No cells', '{}'::text[], '{}'::text[], '{}'::float8[])),
('empty_hist', crm.svg_histogram('No values', ARRAY[NULL]::float8[])),
('all_null', crm.svg_line_chart('Gaps only', ARRAY[1, 2]::float8[], NULL, ARRAY[NULL, NULL]::float8[]));

-- every chart is a well-formed, ASCII-only SVG document with a title, a
-- description and its own background
SELECT name, xml_is_well_formed_document(svg) AS well_formed,
	   svg ~ '^[\n\x20-\x7e]*$' AS ascii,
	   svg LIKE '<svg xmlns="http://www.w3.org/2000/svg" %' AS svg_root,
	   svg LIKE '%role="img"%' AS role_img,
	   (xpath('count(/s:svg/s:title) + count(/s:svg/s:desc)', svg::xml,
			  ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS title_desc,
	   svg LIKE '%class="crm-bg"%' AND svg LIKE '%prefers-color-scheme:dark%' AS themed,
	   svg LIKE '%>no data</text>%' AS no_data
FROM charts ORDER BY name;

-- structure: lines, points, bars, cells
SELECT name,
	   (xpath('count(//s:path[@fill="none"])', svg::xml, ns))[1]::text AS line_paths,
	   (xpath('count(//s:circle)', svg::xml, ns))[1]::text AS circles,
	   (xpath('count(//s:rect)', svg::xml, ns))[1]::text AS rects,
	   (xpath('count(//s:text)', svg::xml, ns))[1]::text AS texts
FROM charts, (SELECT ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']] AS ns) n
WHERE name IN ('line', 'line_1d', 'scatter', 'bar', 'heat')
ORDER BY name;

-- the description reads the data out for screen readers
SELECT name, (xpath('/s:svg/s:desc/text()', svg::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS desc
FROM charts WHERE name IN ('line', 'bar', 'heat', 'hist_int', 'empty_line') ORDER BY name;

-- the title is also the accessible name
SELECT (xpath('/s:svg/@aria-label', svg::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS aria_label,
	   (xpath('/s:svg/@viewBox', svg::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS viewbox
FROM charts WHERE name = 'line';

-- labels from user data are escaped; other characters become references
WITH c AS (
	SELECT crm.svg_bar_chart('<script>alert(1)</script> & "q" café 日本', ARRAY['a<b', 'é'], ARRAY['x&y'],
							 ARRAY[1, 2]::float8[]) AS svg
)
SELECT xml_is_well_formed_document(svg) AS well_formed,
	   svg LIKE '%&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; caf&#233; &#26085;&#26412;%' AS escaped_title,
	   svg LIKE '%>a&lt;b</text>%' AND svg LIKE '%>&#233;</text>%' AS escaped_categories,
	   svg LIKE '%>x&amp;y</text>%' AS escaped_legend,
	   position('<script' IN svg) = 0 AS no_markup
FROM c;

-- a very long label is cut with an ellipsis
SELECT length(svg) < 20000 AS bounded, svg LIKE '%&#8230;%' AS ellipsis
FROM (SELECT crm.svg_line_chart(repeat('long title ', 1000), ARRAY[1, 2]::float8[], ARRAY[repeat('s', 5000)],
								ARRAY[1, 2]::float8[], repeat('x', 5000)) AS svg) c;

-- deterministic
SELECT crm.svg_histogram('h', ARRAY[1, 2, 2, 3, 10]::float8[]) = crm.svg_histogram('h', ARRAY[1, 2, 2, 3, 10]::float8[]) AS same;

-- a NULL data array gives NULL, like a STRICT function
SELECT crm.svg_line_chart('t', NULL, NULL, ARRAY[1]::float8[]) IS NULL AS line_null,
	   crm.svg_scatter('t', ARRAY[1]::float8[], NULL) IS NULL AS scatter_null,
	   crm.svg_bar_chart('t', ARRAY['a'], NULL, NULL) IS NULL AS bar_null,
	   crm.svg_heatmap('t', NULL, ARRAY['a'], ARRAY[[1]]::float8[]) IS NULL AS heat_null,
	   crm.svg_histogram('t', NULL) IS NULL AS hist_null;

-- declared volatility and parallel safety
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'crm' AND p.proname LIKE 'svg\_%'
ORDER BY 1::text;

-- errors
\set VERBOSITY sqlstate
SELECT crm.svg_line_chart('t', ARRAY[1, 2]::float8[], NULL, ARRAY[1, 'NaN']::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[1, 2]::float8[], NULL, ARRAY[1, 'Infinity']::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[1, NULL]::float8[], NULL, ARRAY[1, 2]::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[1, 2, 3]::float8[], NULL, ARRAY[1, 2]::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[1, 2]::float8[], ARRAY['a'], ARRAY[[1, 2], [3, 4]]::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[[1, 2]]::float8[], NULL, ARRAY[[1, 2]]::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[1]::float8[], NULL, ARRAY[[[1]]]::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[1]::float8[], NULL, ARRAY[1e301]::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[1]::float8[], NULL, ARRAY[1]::float8[], marker_x => 'Infinity');
SELECT crm.svg_line_chart('t', ARRAY[1]::float8[], NULL, array_fill(1::float8, ARRAY[9, 1]));
SELECT crm.svg_line_chart('t', array_fill(1::float8, ARRAY[60000]), NULL, array_fill(1::float8, ARRAY[2, 60000]));
SELECT crm.svg_scatter('t', ARRAY[1, 2]::float8[], ARRAY[1]::float8[]);
SELECT crm.svg_bar_chart('t', ARRAY['a', 'b'], NULL, ARRAY[1]::float8[]);
SELECT crm.svg_bar_chart('t', ARRAY[['a', 'b']], NULL, ARRAY[1, 2]::float8[]);
SELECT crm.svg_heatmap('t', ARRAY['a'], ARRAY['x', 'y'], ARRAY[[1, 2], [3, 4]]::float8[]);
SELECT crm.svg_heatmap('t', ARRAY['a'], ARRAY['x'], ARRAY[[1]]::float8[], value_min => 2, value_max => 1);
SELECT crm.svg_histogram('t', ARRAY[1, 2]::float8[], bins => 0);
SELECT crm.svg_histogram('t', ARRAY[1, 2]::float8[], clip_quantile => 1.5);
SELECT crm.svg_histogram('t', ARRAY[1, '-Infinity']::float8[]);
\set VERBOSITY default
SELECT crm.svg_bar_chart('t', ARRAY['a', 'b', 'c'], ARRAY['s'], ARRAY[[1, 2]]::float8[]);
SELECT crm.svg_line_chart('t', ARRAY[1, 2]::float8[], NULL, ARRAY[1, 'NaN']::float8[]);

DROP TABLE charts;
