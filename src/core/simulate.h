/*
 * simulate.h
 *		Deterministic simulation of demo customers: a seeded PRNG
 *		(xoshiro256** fed by splitmix64), Gamma and Beta samplers, and the
 *		BG/NBD purchase process with Gamma-Gamma spend, plus the non-purchase
 *		interactions, refunds and referrals of the demo data.
 *
 * The data-generating process (time unit: weeks), customer i = 1..n:
 *
 *	acquisition  the first purchase happens T_i weeks before the observation
 *				 end, T_i = W - A (i - 1 + u_i) / n, u_i ~ U(0, 1): customers
 *				 are acquired in index order, spread evenly (stratified)
 *				 over the A weeks that start W weeks before the end.  T_i is
 *				 the customer's age at the end, in (W - A, W].
 *	latent		 lambda_i ~ Gamma(shape r, rate alpha), p_i ~ Beta(a, b),
 *				 nu_i ~ Gamma(shape q, rate v), all independent.
 *	purchases	 BG/NBD (Fader, Hardie & Lee 2005): after the first purchase
 *				 at age 0, repeat purchases follow a Poisson process of rate
 *				 lambda_i; right after each repeat purchase the customer
 *				 drops out for good with probability p_i (never right after
 *				 the first one).  Purchases after T_i are not observed.  So
 *				 x = repeat purchases in (0, T_i], t_x = age at the last one
 *				 (0 if none), T = T_i: exactly the BG/NBD likelihood's data.
 *	spend		 every purchase (the first one too) spends z ~ Gamma(shape
 *				 p, rate nu_i), so E[z | nu] = p / nu and the Gamma-Gamma
 *				 model (p, q, v) holds for the mean repeat spend.
 *	extras		 (do not touch the purchase process; drawn from their own
 *				 streams) each purchase is refunded with probability 3 %
 *				 within 2 weeks if that is before the end (amount -z or a
 *				 part of it); while active (until dropout or the end) the
 *				 customer has other contacts at rate kappa_i ~ Gamma(2,
 *				 rate 40) per week (mean 0.05): visits 40 %, emails 25 %,
 *				 calls 15 %, support 12 %, complaints 8 %, with channels,
 *				 costs and satisfaction scores; customer i > 1 was referred
 *				 with probability 8 % by a customer j < i drawn uniformly,
 *				 who gets a "referral" interaction at i's first purchase.
 *
 * Every customer's draws come from its own streams, seeded from (seed, i,
 * purpose), so a customer's rows do not depend on the order customers are
 * generated in, on other customers (except through n in T_i and the
 * referrer's acquisition time), or on how the rows are consumed.
 *
 * Plain C99 like the rest of the core.  The PRNG and samplers are written
 * here rather than taken from a library: GSL (the obvious Debian candidate)
 * is GPL, allocates with malloc, and its gamma sampler underflows to 0 for
 * small shapes where ours works in log space.
 */
#ifndef CRM_SIMULATE_H
#define CRM_SIMULATE_H

#include "crm_core.h"

/* ------------------------------------------------------------------------
 * PRNG and samplers
 */

/* xoshiro256** state (plus the spare normal of the polar method). */
typedef struct CrmRng
{
	uint64_t	s[4];
	double		spare;
	bool		has_spare;
} CrmRng;

/* Seed a stream from (seed, a, b): different triples give unrelated streams. */
extern void crm_rng_seed(CrmRng *g, uint64_t seed, uint64_t a, uint64_t b);
/* Next 64 random bits. */
extern uint64_t crm_rng_next(CrmRng *g);
/* Uniform on the open interval (0, 1) (never 0, never 1). */
extern double crm_rng_uniform(CrmRng *g);
/* Standard normal (Marsaglia's polar method). */
extern double crm_rng_normal(CrmRng *g);
/* ln of a Gamma(shape, 1) variate, shape > 0 (Marsaglia & Tsang 2000; log-space boost for shape < 1). */
extern double crm_rng_log_gamma(CrmRng *g, double shape);
/* Gamma(shape, rate) variate, shape > 0, rate > 0 (may underflow to 0 for tiny shapes). */
extern double crm_rng_gamma(CrmRng *g, double shape, double rate);
/* Beta(a, b) variate as G_a / (G_a + G_b), computed from the log gammas. */
extern double crm_rng_beta(CrmRng *g, double a, double b);
/* Integer uniform on 0..n-1 (n >= 1), without modulo bias. */
extern uint64_t crm_rng_below(CrmRng *g, uint64_t n);

/* ------------------------------------------------------------------------
 * Demo customers
 */

/* Parameters of the process above (weeks). */
typedef struct CrmSimParams
{
	double		r;				/* BG/NBD: lambda ~ Gamma(r, rate alpha) */
	double		alpha;
	double		a;				/* BG/NBD: p ~ Beta(a, b) */
	double		b;
	double		p;				/* Gamma-Gamma: z ~ Gamma(p, rate nu) */
	double		q;				/* Gamma-Gamma: nu ~ Gamma(q, rate v) */
	double		v;
	double		window_weeks;	/* W: the oldest customer's age */
	double		acquisition_weeks;	/* A: length of the acquisition period, 0 <= A <= W */
} CrmSimParams;

/* At most this many purchases per customer (CRM_ERANGE beyond). */
#define CRM_SIM_MAX_PURCHASES 1000000

/* Interaction kinds; crm_sim_kind_name() gives the crm.interaction_kind label. */
typedef enum CrmSimKind
{
	CRM_SIM_PURCHASE = 0,
	CRM_SIM_REFUND,
	CRM_SIM_VISIT,
	CRM_SIM_CALL,
	CRM_SIM_EMAIL,
	CRM_SIM_COMPLAINT,
	CRM_SIM_SUPPORT,
	CRM_SIM_REFERRAL,
	CRM_SIM_NKINDS
} CrmSimKind;

/* One customer's attributes and latent (true) values. */
typedef struct CrmSimCustomer
{
	int64_t		id;				/* 1..n */
	double		age;			/* T_i, weeks from the first purchase to the end */
	double		lambda;			/* purchase rate per week while active */
	double		dropout;		/* p_i, dropout probability after a repeat purchase */
	double		nu;				/* spend rate: E[spend] = p / nu */
	double		contact_rate;	/* kappa_i, other contacts per week while active */
	int64_t		referred_by;	/* referrer's id, 0 = none */
	double		acquisition_cost;	/* >= 0, not rounded */
	const char *channel;		/* acquisition channel */
	const char *country;		/* ISO 3166-1 alpha-2 */
	const char *first_name;
	const char *last_name;
	/* filled by crm_sim_events(): */
	int64_t		repeat_purchases;	/* x */
	double		recency;		/* t_x, weeks (0 if x = 0) */
	bool		alive;			/* still active at the end */
	double		dropout_age;	/* age at dropout (weeks) when !alive */
} CrmSimCustomer;

/* One interaction row. */
typedef struct CrmSimEvent
{
	int64_t		customer;		/* whose interaction (a referral row belongs to the referrer) */
	double		before_end;		/* weeks between the interaction and the end, >= 0 */
	CrmSimKind	kind;
	bool		has_amount;
	double		amount;			/* purchase > 0, refund < 0 (not rounded) */
	bool		has_cost;
	double		cost;			/* >= 0 */
	const char *channel;		/* never NULL */
	int			satisfaction;	/* 1..5, 0 = none */
	int64_t		referred;		/* referral rows: the referred customer; else 0 */
} CrmSimEvent;

/* A growable array of events (memory from crm_alloc). */
typedef struct CrmSimBuffer
{
	CrmSimEvent *ev;
	size_t		n;
	size_t		cap;
} CrmSimBuffer;

/* The crm.interaction_kind label of a kind ("purchase", ...). */
extern const char *crm_sim_kind_name(CrmSimKind k);

/*
 * Check parameters (all finite, model parameters > 0, 0 < W <= 10400,
 * 0 <= A <= W) and the customer count n >= 0.  CRM_OK or CRM_EPARAM with a
 * static lower-case *reason.
 */
extern CrmStatus crm_sim_check(const CrmSimParams *sp, int64_t n, const char **reason);

/* Draw customer i (1..n) of a population of n: attributes and latent values. */
extern void crm_sim_customer(const CrmSimParams *sp, uint64_t seed, int64_t n, int64_t i,
							 CrmSimCustomer *c);

/*
 * Simulate customer c's interactions into buf (emptied first), ordered by
 * time, purchases first at equal times; sets c's repeat_purchases, recency,
 * alive and dropout_age.  Appends the referral row of c's referrer (which
 * belongs to that customer) last.  CRM_ERANGE when the customer would make
 * more than CRM_SIM_MAX_PURCHASES purchases, CRM_ENOMEM, CRM_EINTERRUPTED.
 */
extern CrmStatus crm_sim_events(const CrmSimParams *sp, uint64_t seed, int64_t n,
								CrmSimCustomer *c, CrmSimBuffer *buf);

/* Release a buffer's memory (the struct itself is the caller's). */
extern void crm_sim_buffer_free(CrmSimBuffer *buf);

#endif							/* CRM_SIMULATE_H */
