-- Conformance: sBG (Fader & Hardie 2007) against ref.json 'reference/hp/sbg_cohorts.json'
-- (60-digit truths).  Each check prints "ok - name" or "not ok - name: detail".
SET extra_float_digits = 3;
CREATE TEMP TABLE sbg_ref AS
SELECT seg, doc -> seg AS d
FROM ref.json, unnest(ARRAY['Regular', 'High end']) AS seg
WHERE name = 'reference/hp/sbg_cohorts.json';

-- the cohort data: lost in years 1..7 (churned), alive after year 7 (censored)
CREATE TEMP TABLE sbg_data AS
SELECT seg, (t)::int AS periods, true AS churned, (n)::float8 AS customers
FROM sbg_ref, jsonb_array_elements_text(d -> 'lost_in_year_1_7') WITH ORDINALITY AS e(n, t)
UNION ALL
SELECT seg, 7, false, (d ->> 'alive_at_year_7')::float8 FROM sbg_ref;

CREATE TEMP TABLE sbg_fit AS
SELECT seg, crm.fit_sbg(periods, churned, customers) AS m FROM sbg_data GROUP BY seg;

-- MLE: parameters within 1e-6 relative (aim: ~1e-14), LL within 1e-10 relative
SELECT CASE WHEN greatest(abs((m).alpha / (d #>> '{mle,alpha}')::float8 - 1),
                          abs((m).beta / (d #>> '{mle,beta}')::float8 - 1)) < 1e-6
                 AND (m).converged
            THEN format('ok - sbg %s: MLE alpha, beta (max rel err %s)', seg,
                        to_char(greatest(abs((m).alpha / (d #>> '{mle,alpha}')::float8 - 1),
                                         abs((m).beta / (d #>> '{mle,beta}')::float8 - 1)), '9.9EEEE'))
            ELSE format('not ok - sbg %s: MLE got (%s, %s) want (%s, %s) converged %s', seg,
                        (m).alpha, (m).beta, d #>> '{mle,alpha}', d #>> '{mle,beta}', (m).converged) END
FROM sbg_fit JOIN sbg_ref USING (seg) ORDER BY seg;
SELECT CASE WHEN abs((m).loglik / (d #>> '{mle,loglik}')::float8 - 1) < 1e-10
            THEN format('ok - sbg %s: log-likelihood at the MLE (rel err %s)', seg,
                        to_char(abs((m).loglik / (d #>> '{mle,loglik}')::float8 - 1), '9.9EEEE'))
            ELSE format('not ok - sbg %s: loglik got %s want %s', seg, (m).loglik, d #>> '{mle,loglik}') END
FROM sbg_fit JOIN sbg_ref USING (seg) ORDER BY seg;
-- published values at their printed digits
SELECT CASE WHEN round((m).alpha::numeric, 3) = (d #>> '{published,alpha}')::numeric
                 AND round((m).beta::numeric, 3) = (d #>> '{published,beta}')::numeric
                 AND round((m).loglik::numeric, 1) = (d #>> '{published,loglik}')::numeric
                 AND (m).n_customers = 1000
            THEN format('ok - sbg %s: published alpha %s, beta %s, LL %s', seg,
                        d #>> '{published,alpha}', d #>> '{published,beta}', d #>> '{published,loglik}')
            ELSE format('not ok - sbg %s: published values got (%s, %s, %s)', seg,
                        round((m).alpha::numeric, 3), round((m).beta::numeric, 3), round((m).loglik::numeric, 1)) END
FROM sbg_fit JOIN sbg_ref USING (seg) ORDER BY seg;

-- predictions at the hp MLE: retention r_1..12, survival S(0..12), DEL, DERL k = 0..8
CREATE TEMP TABLE sbg_pred AS
SELECT seg, 'retention' AS what, t::int AS k, crm.retention_rate(mle, t::int) AS got, v::float8 AS want
FROM sbg_ref, LATERAL (SELECT crm.sbg((d #>> '{mle,alpha}')::float8, (d #>> '{mle,beta}')::float8) AS mle) p,
     jsonb_array_elements_text(d -> 'retention_r_t_1_12') WITH ORDINALITY AS e(v, t)
UNION ALL
SELECT seg, 'survival', (t - 1)::int, crm.survival(mle, (t - 1)::int), v::float8
FROM sbg_ref, LATERAL (SELECT crm.sbg((d #>> '{mle,alpha}')::float8, (d #>> '{mle,beta}')::float8) AS mle) p,
     jsonb_array_elements_text(d -> 'survival_S_t_0_12') WITH ORDINALITY AS e(v, t)
UNION ALL
SELECT seg, 'del', 0, crm.del(mle, 0.1), (d ->> 'DEL_new_customer')::float8
FROM sbg_ref, LATERAL (SELECT crm.sbg((d #>> '{mle,alpha}')::float8, (d #>> '{mle,beta}')::float8) AS mle) p
UNION ALL
SELECT seg, 'derl', (e ->> 'renewals_made')::int, crm.derl(mle, 0.1, (e ->> 'renewals_made')::int),
       (e ->> 'derl')::float8
FROM sbg_ref, LATERAL (SELECT crm.sbg((d #>> '{mle,alpha}')::float8, (d #>> '{mle,beta}')::float8) AS mle) p,
     jsonb_array_elements(d -> 'DERL') AS e;

SELECT CASE WHEN max(abs(got / want - 1)) < 1e-12 AND count(*) = n
            THEN format('ok - sbg %s %s: %s values (max rel err %s)', seg, what, count(*),
                        to_char(max(abs(got / want - 1)), '9.9EEEE'))
            ELSE format('not ok - sbg %s %s: max rel err %s over %s values', seg, what,
                        max(abs(got / want - 1)), count(*)) END
FROM sbg_pred
JOIN (VALUES ('retention', 12), ('survival', 13), ('del', 1), ('derl', 9)) AS c(what, n) USING (what)
GROUP BY seg, what, n ORDER BY seg, what;

-- at the published (rounded) parameters: DEL and DERL as printed by the literature
SELECT CASE WHEN abs(crm.del(crm.sbg(0.668, 3.806), 0.1)
                     / (d #>> '{at_published_params,DEL_new_customer}')::float8 - 1) < 1e-12
                 AND round(crm.derl(crm.sbg(0.668, 3.806), 0.1, 7)::numeric, 3) = 7.530
            THEN 'ok - sbg High end: DEL and DERL(k=7) = 7.530 at the published parameters'
            ELSE 'not ok - sbg High end: DEL/DERL at the published parameters' END
FROM sbg_ref WHERE seg = 'High end';
