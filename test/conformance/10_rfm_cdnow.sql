-- Conformance: crm.rfm_summary on CDNOW_sample.txt (2,357 customers, 6,919
-- rows) against lifetimes' summary_data_from_transaction_data and the
-- published calibration summaries, observation end 1997-09-30.
-- Each check prints "ok - name" or "not ok - name: detail".
SET TimeZone = 'UTC';

-- lifetimes freq='D', freq_multiplier=7: day buckets measured in weeks
CREATE TEMP TABLE rfm_d7 AS
SELECT id, (r).frequency, (r).recency, (r).t, (r).monetary
FROM (SELECT id, crm.rfm_summary(date::timestamptz, dollars, '1997-09-30', '1 day', '7 days') AS r
      FROM ref.cdnow_transactions GROUP BY id) s;

-- lifetimes freq='W': Monday..Sunday weeks, measured in weeks.  The
-- reference was computed from the rows up to 1997-09-30 (the data README's
-- tx_until_1997_09_30); given all rows, lifetimes (and crm.rfm_summary) would
-- also keep 1997-10-01..10-05, which fall in the end date's week.  So the
-- same rows go in here.
CREATE TEMP TABLE rfm_w AS
SELECT id, (r).frequency, (r).recency, (r).t, (r).monetary
FROM (SELECT id, crm.rfm_summary(date::timestamptz, dollars, '1997-09-30', '7 days') AS r
      FROM ref.cdnow_transactions WHERE date <= '1997-09-30' GROUP BY id) s;

-- D/7 against lifetimes: frequency exact, recency, T, monetary within 1e-9
SELECT CASE WHEN n = 2357 AND matched = 2357 AND bad_f = 0 AND max_err <= 1e-9
            THEN format('ok - rfm: D/7 summary of 2357 customers = lifetimes (frequency exact, max abs error %s)', max_err)
            ELSE format('not ok - rfm: D/7 summary vs lifetimes: rows=%s matched=%s frequency mismatches=%s max abs error=%s',
                        n, matched, bad_f, max_err) END
FROM (SELECT count(*) AS n, count(o.id) AS matched,
             count(*) FILTER (WHERE o.frequency IS DISTINCT FROM r."frequency"::int) AS bad_f,
             max(greatest(abs(o.recency - r."recency"::float8), abs(o.t - r."T"::float8),
                          abs(o.monetary - r."monetary_value"::float8))) AS max_err
      FROM ref.cdnow_2357_summary_from_transactions_D_div7 r
      LEFT JOIN rfm_d7 o ON o.id = r."id"::int) x;

-- D/7 against the published summary (2 decimals)
SELECT CASE WHEN count(*) = 2357 AND bad = 0
            THEN 'ok - rfm: D/7 summary = cdnow_customers_summary.csv rounded to 2 decimals (2357 customers)'
            ELSE format('not ok - rfm: cdnow_customers_summary.csv: %s of %s customers differ, e.g. %s', bad, count(*), example) END
FROM (SELECT count(*) FILTER (WHERE NOT ok) OVER () AS bad,
             min(CASE WHEN NOT ok THEN id END) OVER () AS example
      FROM (SELECT c."ID"::int AS id,
                   o.frequency IS NOT DISTINCT FROM c."frequency"::int
                   AND round(o.recency::numeric, 2) = c."recency"::numeric
                   AND round(o.t::numeric, 2) = c."T"::numeric AS ok
            FROM ref.cdnow_customers_summary c LEFT JOIN rfm_d7 o ON o.id = c."ID"::int) y) x
GROUP BY bad, example;

-- monetary against the published zbar (mean repeat-day spend, 2 decimals)
SELECT CASE WHEN count(*) = 2357 AND bad = 0
            THEN format('ok - rfm: monetary = zbar of cdnow_customers_summary_with_transactions.csv (%s of 2357 equal after rounding, all within 0.005)',
                        count(*) FILTER (WHERE same))
            ELSE format('not ok - rfm: zbar: %s of %s customers differ by more than 0.005 or in x, t_x, T', bad, count(*)) END
FROM (SELECT round(o.monetary::numeric, 2) = z."zbar"::numeric AS same,
             count(*) FILTER (WHERE o.id IS NULL OR abs(o.monetary - z."zbar"::float8) > 0.005 + 1e-9
                              OR o.frequency <> z."x"::int OR round(o.recency::numeric, 2) <> z."t_x"::numeric
                              OR round(o.t::numeric, 2) <> z."T"::numeric) OVER () AS bad
      FROM ref.cdnow_customers_summary_with_transactions z LEFT JOIN rfm_d7 o ON o.id = z."ID"::int) x
GROUP BY bad;

-- calendar weeks against lifetimes freq='W': frequency, recency, T exact,
-- monetary within 1e-9
SELECT CASE WHEN n = 2357 AND matched = 2357 AND bad = 0 AND max_err <= 1e-9
            THEN format('ok - rfm: W summary (Monday weeks) of 2357 customers = lifetimes (exact; monetary max abs error %s)', max_err)
            ELSE format('not ok - rfm: W summary vs lifetimes: rows=%s matched=%s mismatches=%s max abs error=%s',
                        n, matched, bad, max_err) END
FROM (SELECT count(*) AS n, count(o.id) AS matched,
             count(*) FILTER (WHERE o.frequency IS DISTINCT FROM r."frequency"::int
                              OR o.recency IS DISTINCT FROM r."recency"::float8
                              OR o.t IS DISTINCT FROM r."T"::float8) AS bad,
             max(abs(o.monetary - r."monetary_value"::float8)) AS max_err
      FROM ref.cdnow_2357_summary_from_transactions_W r
      LEFT JOIN rfm_w o ON o.id = r."id"::int) x;

-- with every row, the W summary also keeps the rows of 1997-10-01..10-05
-- (same week as the end date: the cut is at bucket granularity, as in
-- lifetimes); exactly the customers with such rows change
SELECT CASE WHEN changed = expected
            THEN format('ok - rfm: W summary over all rows differs exactly for the %s customers with rows in the end week after 1997-09-30', changed)
            ELSE format('not ok - rfm: W summary over all rows: %s customers changed, %s have rows 1997-10-01..05', changed, expected) END
FROM (SELECT count(*) AS changed
      FROM (SELECT id, (crm.rfm_summary(date::timestamptz, dollars, '1997-09-30', '7 days')).*
            FROM ref.cdnow_transactions GROUP BY id) s
      JOIN rfm_w o USING (id)
      WHERE (s.frequency, s.recency, s.t, s.monetary) IS DISTINCT FROM (o.frequency, o.recency, o.t, o.monetary)) a,
     (SELECT count(DISTINCT id) AS expected FROM ref.cdnow_transactions
      WHERE date BETWEEN '1997-10-01' AND '1997-10-05') b;

-- the summary does not depend on the session time zone when the dates are
-- read in that zone (day buckets follow local midnight)
SET TimeZone = 'Pacific/Auckland';
SELECT CASE WHEN count(*) = 0
            THEN 'ok - rfm: D/7 summary identical in TimeZone Pacific/Auckland'
            ELSE format('not ok - rfm: D/7 summary differs in Pacific/Auckland for %s customers', count(*)) END
FROM (SELECT id, (crm.rfm_summary(date::timestamptz, dollars, '1997-09-30', '1 day', '7 days')).*
      FROM ref.cdnow_transactions GROUP BY id) s
JOIN rfm_d7 o USING (id)
WHERE (s.frequency, s.recency, s.t, s.monetary) IS DISTINCT FROM (o.frequency, o.recency, o.t, o.monetary);
RESET TimeZone;
