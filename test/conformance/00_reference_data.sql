-- Conformance: the reference data loaded by load_reference.sh is complete.
-- Each check prints "ok - name" or "not ok - name: detail" (counted by test/check.sh).
SELECT CASE WHEN count(*) = 6919 AND count(DISTINCT id) = 2357
            THEN 'ok - reference: CDNOW_sample.txt has 6919 rows, 2357 customers'
            ELSE format('not ok - reference: CDNOW_sample.txt rows=%s customers=%s', count(*), count(DISTINCT id)) END
FROM ref.cdnow_transactions;
SELECT CASE WHEN count(*) = 2357 THEN 'ok - reference: cdnow_customers_summary.csv has 2357 rows'
            ELSE format('not ok - reference: cdnow_customers_summary.csv rows=%s', count(*)) END
FROM ref.cdnow_customers_summary;
SELECT CASE WHEN (SELECT doc #>> '{cdnow_2357_weeks,bgnbd,independent_mle,loglik_total_weeks}' FROM ref.json
                  WHERE name = 'reference/params_public.json')::float8 < -9582
            THEN 'ok - reference: params_public.json loaded'
            ELSE 'not ok - reference: params_public.json missing' END;
