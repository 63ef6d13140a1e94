-- crm.refresh on a small database: a BG/NBD fitted to 30 customers can have
-- a and b in the millions (the Beta prior of the dropout probability is a
-- spike of width ~4e-4 in the logit).  The DERT of such a fit used to fail
-- with "did not converge" and abort the whole refresh.
SET extra_float_digits = 0;
TRUNCATE crm.models, crm.interactions, crm.customers RESTART IDENTITY;
\set VERBOSITY terse

-- the fit of the demo data below (30 customers, seed 3); DERT / P(alive) =
-- E_p[h(p)] against mpmath (30 digits, direct quadrature over p and u):
-- ln factor 0.964765824818391 at (x, T) = (2, 52), 0.672060369586441 at (0, 5)
SELECT abs(ln(crm.dert(m, 0.002, 2, 1, 52) / crm.p_alive(m, 2, 1, 52)) - 0.964765824818391) < 1e-7 AS dert_x2,
	   abs(ln(crm.dert(m, 0.002, 0, 0, 5) / crm.p_alive(m, 0, 0, 5)) - 0.672060369586441) < 1e-7 AS dert_x0
FROM (SELECT crm.bgnbd(0.4349781487656941, 4.723441795637976, 8886105.956666753, 19448651.605234075) AS m) s;

-- the refresh completes and every customer with a summary has a CLV
SELECT * FROM crm.generate_demo_data(30, 3);
SET client_min_messages = warning;
CALL crm.refresh(observation_end => '2025-01-01 00:00+00');
RESET client_min_messages;
SELECT (bgnbd).a > 1e6 AS a_huge, (bgnbd).b > 1e6 AS b_huge
FROM crm.models WHERE kind = 'bgnbd' AND is_active;
SELECT count(*) AS customers, count(clv) AS with_clv,
	   count(*) FILTER (WHERE clv < 0 OR clv = 'NaN' OR clv = 'Infinity') AS bad_clv
FROM crm.customer_value_mat WHERE frequency IS NOT NULL;
SELECT count(*) AS differ
FROM crm.customer_value v FULL JOIN crm.customer_value_mat m USING (customer_id)
WHERE (v.*)::text IS DISTINCT FROM (m.*)::text;
TRUNCATE crm.models, crm.interactions, crm.customers RESTART IDENTITY;
