-- Conformance: parameter recovery.  Customers simulated from known BG/NBD and
-- Gamma-Gamma parameters (crm.simulate_customers / crm.simulate_bgnbd, the
-- demo generator: r = 0.25, alpha = 4, a = 0.8, b = 2.5 per week; spend
-- p = 6, q = 4, v = 15) are fitted back; every parameter must come within 5 %
-- of its true value.  200 000 customers, deterministic by seed.
-- Each check prints "ok - name" or "not ok - name: detail".

CREATE TEMP TABLE sim AS
SELECT customer, frequency, recency, age FROM crm.simulate_customers(200000, 7);

CREATE TEMP TABLE truth (name text, value float8);
INSERT INTO truth VALUES ('r', 0.25), ('alpha', 4), ('a', 0.8), ('b', 2.5), ('p', 6), ('q', 4), ('v', 15);

CREATE TEMP TABLE fitted AS
SELECT n AS name, CASE n WHEN 'r' THEN (m).r WHEN 'alpha' THEN (m).alpha WHEN 'a' THEN (m).a ELSE (m).b END AS value,
       (m).converged
FROM (SELECT crm.fit_bgnbd(frequency, recency, age) AS m FROM sim) f, unnest(ARRAY['r', 'alpha', 'a', 'b']) AS n;

-- spend: the mean of each repeat buyer's purchases after the first one
CREATE TEMP TABLE spend AS
SELECT customer, count(*) AS x, avg(amount) AS m
FROM (SELECT customer, amount,
             row_number() OVER (PARTITION BY customer ORDER BY occurred_at) AS k
      FROM crm.simulate_bgnbd(200000, 7) WHERE kind = 'purchase') s
WHERE k > 1
GROUP BY customer;

INSERT INTO fitted
SELECT n, CASE n WHEN 'p' THEN (m).p WHEN 'q' THEN (m).q ELSE (m).v END, (m).converged
FROM (SELECT crm.fit_gamma_gamma(x, m) AS m FROM spend) f, unnest(ARRAY['p', 'q', 'v']) AS n;

SELECT CASE WHEN abs(f.value / t.value - 1) < 0.05 AND f.converged
            THEN format('ok - recovery of %s on 200000 simulated customers: %s (true %s, %s %%)',
                        t.name, round(f.value::numeric, 4), t.value,
                        round((100 * (f.value / t.value - 1))::numeric, 2))
            ELSE format('not ok - recovery of %s: fitted %s, true %s, converged %s',
                        t.name, f.value, t.value, f.converged) END
FROM truth t JOIN fitted f USING (name)
ORDER BY array_position(ARRAY['r', 'alpha', 'a', 'b', 'p', 'q', 'v'], t.name);

-- the simulator and the summary agree: frequency = purchases - 1 for every customer
SELECT CASE WHEN count(*) = 0 THEN 'ok - simulated purchases match the simulated frequencies'
            ELSE format('not ok - %s customers whose purchases do not match their frequency', count(*)) END
FROM sim LEFT JOIN spend s USING (customer)
WHERE coalesce(s.x, 0) <> sim.frequency;
