
-- ===========================================================================
-- 50_demo: simulated customers for demos and for checking the model fits.
--
-- The data-generating process (time unit: weeks; src/core/simulate.h has the
-- details).  Customer i = 1..n makes a first purchase T_i weeks before
-- observation_end, T_i spread evenly over (window_weeks - acquisition_weeks,
-- window_weeks] in index order.  Purchase rate lambda ~ Gamma(shape r, rate
-- alpha), dropout probability p ~ Beta(a, b): repeat purchases are a Poisson
-- process of rate lambda, and after each repeat purchase the customer drops
-- out with probability p (BG/NBD).  Every purchase spends Gamma(shape p_gg,
-- rate nu) with nu ~ Gamma(shape q, rate v) per customer (Gamma-Gamma; the
-- arguments are named p, q, v as in the model).  Nothing after
-- observation_end is observed.  So, from crm.interactions with kind =
-- 'purchase':
--   x   = purchases - 1,
--   t_x = (last purchase - first purchase) / 1 week,
--   T   = (observation_end - first purchase) / 1 week
-- are exactly BG/NBD data with the true parameters (r, alpha, a, b) (times
-- are kept to the microsecond: bucketing purchases by day merges a few
-- same-day purchases and biases the fit slightly), and the mean spend of the
-- x repeat purchases is Gamma-Gamma data with (p, q, v), up to the rounding
-- of amounts to cents (at least 0.01).  Refunds, other contacts and
-- referrals are drawn from separate random streams and do not change the
-- purchases.  crm.simulate_customers() returns each customer's true lambda,
-- p, nu, (x, t_x, T) and whether it is still alive.
-- ===========================================================================

CREATE FUNCTION crm.simulate_customers(
	customers integer,
	seed bigint,
	observation_end timestamptz DEFAULT '2025-01-01 00:00:00+00',
	r double precision DEFAULT 0.25,
	alpha double precision DEFAULT 4,
	a double precision DEFAULT 0.8,
	b double precision DEFAULT 2.5,
	p double precision DEFAULT 6,
	q double precision DEFAULT 4,
	v double precision DEFAULT 15,
	window_weeks double precision DEFAULT 78,
	acquisition_weeks double precision DEFAULT 26)
RETURNS TABLE (
	customer bigint,
	acquired_at timestamptz,
	name text,
	email text,
	country text,
	acquisition_channel text,
	acquisition_cost double precision,
	referred_by bigint,
	lambda double precision,
	dropout_p double precision,
	nu double precision,
	frequency bigint,
	recency double precision,
	age double precision,
	alive boolean,
	dropped_out_at timestamptz)
AS 'MODULE_PATHNAME', 'simulate_customers'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;

COMMENT ON FUNCTION crm.simulate_customers(integer, bigint, timestamptz, double precision, double precision,
	double precision, double precision, double precision, double precision, double precision,
	double precision, double precision) IS
'simulated demo customers 1..customers (BG/NBD purchases, Gamma-Gamma spend; see crm.generate_demo_data): attributes, true lambda, dropout_p, nu, and (frequency x, recency t_x, age T) in weeks; same arguments give the same rows';

CREATE FUNCTION crm.simulate_bgnbd(
	customers integer,
	seed bigint,
	observation_end timestamptz DEFAULT '2025-01-01 00:00:00+00',
	r double precision DEFAULT 0.25,
	alpha double precision DEFAULT 4,
	a double precision DEFAULT 0.8,
	b double precision DEFAULT 2.5,
	p double precision DEFAULT 6,
	q double precision DEFAULT 4,
	v double precision DEFAULT 15,
	window_weeks double precision DEFAULT 78,
	acquisition_weeks double precision DEFAULT 26)
RETURNS TABLE (
	customer bigint,
	occurred_at timestamptz,
	kind text,
	amount double precision,
	cost double precision,
	channel text,
	satisfaction integer,
	referred_customer bigint)
AS 'MODULE_PATHNAME', 'simulate_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5000;

COMMENT ON FUNCTION crm.simulate_bgnbd(integer, bigint, timestamptz, double precision, double precision,
	double precision, double precision, double precision, double precision, double precision,
	double precision, double precision) IS
'interactions of the customers of crm.simulate_customers (same arguments): purchases (BG/NBD timing, Gamma-Gamma spend, unrounded), refunds, visits, emails, calls, support, complaints, referrals; same arguments give the same rows';

CREATE FUNCTION crm.generate_demo_data(
	customers integer,
	seed bigint,
	observation_end timestamptz DEFAULT '2025-01-01 00:00:00+00',
	r double precision DEFAULT 0.25,
	alpha double precision DEFAULT 4,
	a double precision DEFAULT 0.8,
	b double precision DEFAULT 2.5,
	p double precision DEFAULT 6,
	q double precision DEFAULT 4,
	v double precision DEFAULT 15,
	window_weeks double precision DEFAULT 78,
	acquisition_weeks double precision DEFAULT 26,
	OUT customers_inserted bigint,
	OUT interactions_inserted bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- positional references ($1 ...) below: the argument names (a, b, p, ...)
	-- would otherwise clash with column names
	idseq regclass := pg_catalog.pg_get_serial_sequence('crm.customers', 'customer_id')::regclass;
	prefix text := 'demo-' || $2::text || '-';
BEGIN
	IF EXISTS (SELECT FROM crm.customers AS c WHERE c.external_ref = prefix || '1') THEN
		RAISE EXCEPTION 'demo data for seed % is already loaded', $2
			USING ERRCODE = 'unique_violation',
				  DETAIL = pg_catalog.format('Customer external_ref %L exists.', prefix || '1'),
				  HINT = 'Use another seed, or delete the demo rows first (external_ref LIKE ''demo-%'').';
	END IF;

	-- customer ids come from the identity sequence up front, so that
	-- referred_by and the interactions can refer to them in one statement;
	-- interactions are inserted in the simulator's order (by customer, then
	-- time), which keeps the index on (customer_id, occurred_at) compact and
	-- makes interaction_id follow time within a customer.  (Demo rows carry
	-- source 'demo' but no external_id: the seed check above already keeps a
	-- load from being repeated, and a unique text key would double the time.)
	WITH sim AS MATERIALIZED (
		SELECT s.*, pg_catalog.nextval(idseq) AS id
		FROM crm.simulate_customers($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) AS s
	), ins_c AS (
		INSERT INTO crm.customers (customer_id, external_ref, name, email, country, acquired_at,
								   acquisition_channel, acquisition_cost, referred_by, attributes)
		SELECT c.id, prefix || c.customer, c.name, c.email, c.country, c.acquired_at,
			   c.acquisition_channel, pg_catalog.round(c.acquisition_cost::numeric, 2), ref.id,
			   pg_catalog.jsonb_build_object('demo_seed', $2, 'demo_customer', c.customer)
		FROM sim AS c
		LEFT JOIN sim AS ref ON ref.customer = c.referred_by
		ORDER BY c.customer
		RETURNING 1
	), ins_i AS (
		INSERT INTO crm.interactions (customer_id, occurred_at, kind, channel, amount, cost,
									  satisfaction, referred_customer_id, source)
		SELECT who.id, e.occurred_at, e.kind::crm.interaction_kind, e.channel,
			   CASE e.kind
				   WHEN 'purchase' THEN GREATEST(pg_catalog.round(e.amount::numeric, 2), 0.01)
				   WHEN 'refund' THEN LEAST(pg_catalog.round(e.amount::numeric, 2), -0.01)
			   END,
			   pg_catalog.round(e.cost::numeric, 2), e.satisfaction, whom.id, 'demo'
		FROM crm.simulate_bgnbd($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			 WITH ORDINALITY AS e(customer, occurred_at, kind, amount, cost, channel,
								  satisfaction, referred_customer, ord)
		JOIN sim AS who ON who.customer = e.customer
		LEFT JOIN sim AS whom ON whom.customer = e.referred_customer
		ORDER BY e.ord
		RETURNING 1
	)
	SELECT (SELECT pg_catalog.count(*) FROM ins_c), (SELECT pg_catalog.count(*) FROM ins_i)
	INTO customers_inserted, interactions_inserted;
END
$$;

COMMENT ON FUNCTION crm.generate_demo_data(integer, bigint, timestamptz, double precision, double precision,
	double precision, double precision, double precision, double precision, double precision,
	double precision, double precision) IS
'inserts simulated demo customers (external_ref demo-SEED-N) and their interactions (source demo) from the BG/NBD + Gamma-Gamma process with the given true parameters (weeks); deterministic for a seed; returns the numbers of rows inserted';
