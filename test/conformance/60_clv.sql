-- Conformance: customer lifetime value against ../shared/reference.
-- Each check prints "ok - name" or "not ok - name: detail".
--   * crm.clv_discrete vs lifetimes' customer_lifetime_value (12 months of
--     4.345 weeks at 1%/month) with BG/NBD and Pareto/NBD, every CDNOW row
--     (cdnow_2357_gamma_gamma_clv.csv; lifetimes' own fits);
--   * crm.discounted_purchases (infinite and long finite horizons) vs the
--     high-precision DERT truths: hp/pnbd_dert_cdnow.csv (tight MLE),
--     hp/bgnbd_discounted_cdnow.csv (independent MLE), hp/bgbb_dert_donations.csv.
-- The hp files use delta = ln(1.15)/52 per week: time_unit = 365.2425/52 days
-- makes crm's conversion ln(1 + rate) x unit_days/365.2425 give that rate.
SET extra_float_digits = 3;

CREATE TEMP TABLE clv_par AS
SELECT crm.bgnbd((b #>> '{lifetimes,params,r}')::float8, (b #>> '{lifetimes,params,alpha}')::float8,
                 (b #>> '{lifetimes,params,a}')::float8, (b #>> '{lifetimes,params,b}')::float8) AS bg_lt,
       crm.bgnbd((b #>> '{independent_mle,params,r}')::float8, (b #>> '{independent_mle,params,alpha}')::float8,
                 (b #>> '{independent_mle,params,a}')::float8, (b #>> '{independent_mle,params,b}')::float8) AS bg_mle,
       crm.pareto_nbd((p #>> '{lifetimes,params,r}')::float8, (p #>> '{lifetimes,params,alpha}')::float8,
                      (p #>> '{lifetimes,params,s}')::float8, (p #>> '{lifetimes,params,beta}')::float8) AS pn_lt,
       crm.pareto_nbd((p #>> '{lifetimes_objective_tight,params,r}')::float8,
                      (p #>> '{lifetimes_objective_tight,params,alpha}')::float8,
                      (p #>> '{lifetimes_objective_tight,params,s}')::float8,
                      (p #>> '{lifetimes_objective_tight,params,beta}')::float8) AS pn_tight,
       crm.gamma_gamma((g #>> '{lifetimes,params,p}')::float8, (g #>> '{lifetimes,params,q}')::float8,
                       (g #>> '{lifetimes,params,v}')::float8) AS gg_lt,
       crm.bgbb((d #>> '{independent_mle,params,alpha}')::float8, (d #>> '{independent_mle,params,beta}')::float8,
                (d #>> '{independent_mle,params,gamma}')::float8, (d #>> '{independent_mle,params,delta}')::float8) AS bb,
       (c #>> '{sum_clv_bgnbd}')::float8 AS sum_bg, (c #>> '{sum_clv_pnbd}')::float8 AS sum_pn
FROM (SELECT doc #> '{cdnow_2357_weeks,bgnbd}' AS b, doc #> '{cdnow_2357_weeks,pnbd}' AS p,
             doc #> '{cdnow_2357_gamma_gamma_clv,gamma_gamma}' AS g, doc #> '{cdnow_2357_gamma_gamma_clv,clv}' AS c,
             doc #> '{donations_bgbb}' AS d
      FROM ref.json WHERE name = 'reference/params_public.json') j;

CREATE TEMP TABLE clv_lt AS
SELECT r.id::int AS id,
       crm.clv_discrete(bg_lt, gg_lt, r.frequency::float8, r.recency::float8, r."T"::float8,
                        r.monetary_value::float8) AS bg,
       crm.clv_discrete(pn_lt, gg_lt, r.frequency::float8, r.recency::float8, r."T"::float8,
                        r.monetary_value::float8) AS pn,
       crm.expected_spend(gg_lt, r.frequency::float8, r.monetary_value::float8) AS spend,
       r."clv_bgnbd_12m_d0.01_W"::float8 AS want_bg, r."clv_pnbd_12m_d0.01_W"::float8 AS want_pn,
       r.gg_cond_exp_avg_profit::float8 AS want_spend
FROM ref.cdnow_2357_gamma_gamma_clv r, clv_par;

SELECT CASE WHEN n = 2357 AND e < 1e-6
            THEN format('ok - clv_discrete bgnbd vs lifetimes CLV, %s rows (max rel err %s)', n, to_char(e, '9.9EEEE'))
            ELSE format('not ok - clv_discrete bgnbd vs lifetimes CLV: %s rows, max rel err %s', n, e) END
FROM (SELECT count(*) AS n, max(abs(bg - want_bg) / abs(want_bg)) AS e FROM clv_lt) s;
SELECT CASE WHEN n = 2357 AND e < 1e-6
            THEN format('ok - clv_discrete pareto_nbd vs lifetimes CLV, %s rows (max rel err %s)', n, to_char(e, '9.9EEEE'))
            ELSE format('not ok - clv_discrete pareto_nbd vs lifetimes CLV: %s rows, max rel err %s', n, e) END
FROM (SELECT count(*) AS n, max(abs(pn - want_pn) / abs(want_pn)) AS e FROM clv_lt) s;
SELECT CASE WHEN e < 1e-9
            THEN format('ok - expected_spend vs lifetimes conditional_expected_average_profit (max rel err %s)', to_char(e, '9.9EEEE'))
            ELSE format('not ok - expected_spend vs lifetimes: max rel err %s', e) END
FROM (SELECT max(abs(spend - want_spend) / abs(want_spend)) AS e FROM clv_lt) s;
SELECT CASE WHEN abs(sb / sum_bg - 1) < 1e-9 AND abs(sp / sum_pn - 1) < 1e-9
            THEN format('ok - total CLV bgnbd %s (lifetimes %s), pareto_nbd %s (lifetimes %s)',
                        round(sb::numeric, 4), round(sum_bg::numeric, 4), round(sp::numeric, 4), round(sum_pn::numeric, 4))
            ELSE format('not ok - total CLV: bgnbd %s vs %s, pareto_nbd %s vs %s', sb, sum_bg, sp, sum_pn) END
FROM (SELECT sum(bg) AS sb, sum(pn) AS sp FROM clv_lt) s, clv_par;

-- DERT truths: delta15 = ln(1.15)/52 per week
CREATE TEMP TABLE clv_hp AS
SELECT r."ID"::int AS id, r.x::float8 AS x, r.t_x::float8 AS tx, r."T"::float8 AS t,
       r.dert_15pct::float8 AS want,
       crm.discounted_purchases(pn_tight, r.x::float8, r.t_x::float8, r."T"::float8,
                                make_interval(secs => 365.2425 / 52 * 86400), NULL, 0.15) AS inf,
       CASE WHEN r."ID"::int % 5 = 1
            THEN crm.discounted_purchases(pn_tight, r.x::float8, r.t_x::float8, r."T"::float8,
                                          make_interval(secs => 365.2425 / 52 * 86400), '300 years', 0.15) END AS fin
FROM ref.hp_pnbd_dert_cdnow r, clv_par;
SELECT CASE WHEN n = 2357 AND e < 1e-9 AND ef < 1e-9
            THEN format('ok - discounted_purchases pareto_nbd vs hp DERT 15%%: infinite (max rel err %s), 300-year horizon on %s rows (%s)',
                        to_char(e, '9.9EEEE'), nf, to_char(ef, '9.9EEEE'))
            ELSE format('not ok - discounted_purchases pareto_nbd vs hp DERT: %s rows, max rel err %s, finite %s', n, e, ef) END
FROM (SELECT count(*) AS n, max(abs(inf / want - 1)) AS e, max(abs(fin / want - 1)) AS ef, count(fin) AS nf
      FROM clv_hp) s;

CREATE TEMP TABLE clv_hp_bg AS
SELECT r."ID"::int AS id, r.disc_exp_resid_15pct::float8 AS want,
       crm.discounted_purchases(bg_mle, r.x::float8, r.t_x::float8, r."T"::float8,
                                make_interval(secs => 365.2425 / 52 * 86400), NULL, 0.15) AS inf,
       CASE WHEN r."ID"::int % 25 = 1
            THEN crm.discounted_purchases(bg_mle, r.x::float8, r.t_x::float8, r."T"::float8,
                                          make_interval(secs => 365.2425 / 52 * 86400), '300 years', 0.15) END AS fin
FROM ref.hp_bgnbd_discounted_cdnow r, clv_par;
SELECT CASE WHEN n = 2357 AND e < 1e-9 AND ef < 1e-9
            THEN format('ok - discounted_purchases bgnbd vs hp discounted residual transactions 15%%: infinite (max rel err %s), 300-year horizon on %s rows (%s)',
                        to_char(e, '9.9EEEE'), nf, to_char(ef, '9.9EEEE'))
            ELSE format('not ok - discounted_purchases bgnbd vs hp: %s rows, max rel err %s, finite %s', n, e, ef) END
FROM (SELECT count(*) AS n, max(abs(inf / want - 1)) AS e, max(abs(fin / want - 1)) AS ef, count(fin) AS nf
      FROM clv_hp_bg) s;

-- BG/BB: yearly periods, 10% a year = d 0.1 per period
SELECT CASE WHEN n = 22 AND e < 1e-12 AND ef < 1e-9
            THEN format('ok - discounted_purchases bgbb vs hp DERT d=0.1, 22 patterns: closed form (max rel err %s), 1000-period sum (%s)',
                        to_char(e, '9.9EEEE'), to_char(ef, '9.9EEEE'))
            ELSE format('not ok - discounted_purchases bgbb vs hp DERT: %s rows, max rel err %s, finite %s', n, e, ef) END
FROM (SELECT count(*) AS n,
             max(abs(crm.discounted_purchases(bb, r.x::float8, r.t_x::float8, r.n::float8, '365.2425 days', NULL, 0.10)
                     / r."dert_d0.10"::float8 - 1)) AS e,
             max(abs(crm.discounted_purchases(bb, r.x::float8, r.t_x::float8, r.n::float8, '365.2425 days', '1000 years', 0.10)
                     / r."dert_d0.10"::float8 - 1)) AS ef
      FROM ref.hp_bgbb_dert_donations r, clv_par) s;
