/*
 * simulate.c
 *		Seeded PRNG, Gamma/Beta samplers and the demo-customer simulation
 *		(BG/NBD purchases, Gamma-Gamma spend, other interactions).  The
 *		data-generating process is written down in simulate.h.
 */
#include <math.h>
#include <string.h>

#include "simulate.h"

/* stream purposes: every customer draws each from its own stream */
enum
{
	STREAM_ATTR = 1,			/* acquisition time, channel, names, referral */
	STREAM_LAMBDA,
	STREAM_DROPOUT,
	STREAM_NU,
	STREAM_KAPPA,
	STREAM_PURCHASE,			/* inter-purchase times and dropout coins */
	STREAM_SPEND,
	STREAM_REFUND,
	STREAM_CONTACT
};

/* splitmix64's output function: a bijective 64-bit mixer. */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Rotate left by k bits (0 < k < 64). */
static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/*
 * Seed xoshiro256** from (seed, a, b): hash the triple with the mixer, then
 * expand it with splitmix64 as the xoshiro authors recommend (the state is
 * then never all zero in practice; guard it anyway).
 */
void
crm_rng_seed(CrmRng *g, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t	h = mix64(seed + UINT64_C(0x9e3779b97f4a7c15));
	int			k;

	h = mix64(h ^ mix64(a + UINT64_C(0x632be59bd9b4e019)));
	h = mix64(h ^ mix64(b + UINT64_C(0x85157af5ef7a3a45)));
	for (k = 0; k < 4; k++)
	{
		h += UINT64_C(0x9e3779b97f4a7c15);
		g->s[k] = mix64(h);
	}
	if ((g->s[0] | g->s[1] | g->s[2] | g->s[3]) == 0)
		g->s[0] = 1;
	g->has_spare = false;
	g->spare = 0.0;
}

/* xoshiro256** (Blackman & Vigna 2018). */
uint64_t
crm_rng_next(CrmRng *g)
{
	uint64_t	result = rotl(g->s[1] * 5, 7) * 9;
	uint64_t	t = g->s[1] << 17;

	g->s[2] ^= g->s[0];
	g->s[3] ^= g->s[1];
	g->s[1] ^= g->s[2];
	g->s[0] ^= g->s[3];
	g->s[2] ^= t;
	g->s[3] = rotl(g->s[3], 45);
	return result;
}

/* Uniform on (0, 1): the midpoints of 2^53 equal cells. */
double
crm_rng_uniform(CrmRng *g)
{
	return ((double) (crm_rng_next(g) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Standard normal by Marsaglia's polar method; the second value is kept. */
double
crm_rng_normal(CrmRng *g)
{
	double		u,
				v,
				s,
				f;

	if (g->has_spare)
	{
		g->has_spare = false;
		return g->spare;
	}
	do
	{
		u = 2.0 * crm_rng_uniform(g) - 1.0;
		v = 2.0 * crm_rng_uniform(g) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	f = sqrt(-2.0 * log(s) / s);
	g->spare = v * f;
	g->has_spare = true;
	return u * f;
}

/*
 * ln of a Gamma(shape, 1) variate.  Marsaglia & Tsang (2000) for shape >= 1;
 * for shape < 1 their boost G(k) = G(k + 1) U^(1/k), taken in log space so
 * that tiny shapes do not underflow to ln 0.
 */
double
crm_rng_log_gamma(CrmRng *g, double shape)
{
	double		boost = 0.0;
	double		d,
				c;

	if (shape < 1.0)
	{
		boost = log(crm_rng_uniform(g)) / shape;
		shape += 1.0;
	}
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;)
	{
		double		x,
					v,
					u;

		do
		{
			x = crm_rng_normal(g);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		u = crm_rng_uniform(g);
		if (u < 1.0 - 0.0331 * (x * x) * (x * x) ||
			log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return log(d) + log(v) + boost;
	}
}

/* Gamma(shape, rate): exp(ln G) / rate. */
double
crm_rng_gamma(CrmRng *g, double shape, double rate)
{
	return exp(crm_rng_log_gamma(g, shape)) / rate;
}

/* Beta(a, b) = 1 / (1 + G_b / G_a), from the log gammas (no 0/0). */
double
crm_rng_beta(CrmRng *g, double a, double b)
{
	double		la = crm_rng_log_gamma(g, a);
	double		lb = crm_rng_log_gamma(g, b);

	return 1.0 / (1.0 + exp(lb - la));
}

/* Uniform integer in 0..n-1 by rejection (Lemire's bound without the multiply trick). */
uint64_t
crm_rng_below(CrmRng *g, uint64_t n)
{
	uint64_t	limit,
				x;

	if (n <= 1)
		return 0;
	limit = UINT64_MAX - UINT64_MAX % n;
	do
		x = crm_rng_next(g);
	while (x >= limit);
	return x % n;
}

/* ------------------------------------------------------------------------
 * Demo customers
 */

static const char *const kind_names[CRM_SIM_NKINDS] = {
	"purchase", "refund", "visit", "call", "email", "complaint", "support", "referral"
};

/* The crm.interaction_kind label of a simulated kind. */
const char *
crm_sim_kind_name(CrmSimKind k)
{
	if ((int) k < 0 || k >= CRM_SIM_NKINDS)
		return "other";
	return kind_names[k];
}

/* A weighted choice among labels: cumulative weights in per-mille. */
typedef struct Choice
{
	const char *label;
	int			upto;			/* cumulative weight, last one = 1000 */
} Choice;

static const Choice acq_channels[] = {
	{"organic", 350}, {"paid_search", 600}, {"social", 750}, {"email", 850},
	{"display", 930}, {"affiliate", 1000}
};

/* mean acquisition cost per channel (Gamma(2) around it; organic costs 0) */
static const double acq_cost_mean[] = {0.0, 30.0, 18.0, 4.0, 22.0, 15.0};

static const Choice countries[] = {
	{"US", 300}, {"DE", 420}, {"GB", 530}, {"FR", 620}, {"NL", 680}, {"ES", 740},
	{"IT", 800}, {"CA", 850}, {"AU", 890}, {"SE", 920}, {"PL", 950}, {"JP", 975},
	{"BR", 1000}
};

static const char *const first_names[] = {
	"Ada", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jonas",
	"Kira", "Liam", "Maya", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sam", "Tara",
	"Umar", "Vera", "Will", "Yara"
};

static const char *const last_names[] = {
	"Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito",
	"Jensen", "Kowalski", "Lopez", "Meyer", "Novak", "Olsen", "Petrov", "Rossi",
	"Schmidt", "Tanaka", "Visser", "Weber", "Young"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Pick a label by weight; *index receives its position. */
static const char *
choose(CrmRng *g, const Choice *c, size_t n, size_t *index)
{
	int			u = (int) crm_rng_below(g, 1000);
	size_t		k;

	for (k = 0; k + 1 < n; k++)
		if (u < c[k].upto)
			break;
	if (index)
		*index = k;
	return c[k].label;
}

/* Check the parameters and the customer count. */
CrmStatus
crm_sim_check(const CrmSimParams *sp, int64_t n, const char **reason)
{
	const double par[7] = {sp->r, sp->alpha, sp->a, sp->b, sp->p, sp->q, sp->v};
	int			k;

	for (k = 0; k < 7; k++)
		if (!crm_isfinite(par[k]) || par[k] <= 0.0)
		{
			*reason = "model parameters must be finite and positive";
			return CRM_EPARAM;
		}
	if (!crm_isfinite(sp->window_weeks) || sp->window_weeks <= 0.0 ||
		sp->window_weeks > 10400.0)
	{
		*reason = "window_weeks must be positive and at most 10400 (200 years)";
		return CRM_EPARAM;
	}
	if (!crm_isfinite(sp->acquisition_weeks) || sp->acquisition_weeks < 0.0 ||
		sp->acquisition_weeks > sp->window_weeks)
	{
		*reason = "acquisition_weeks must be between 0 and window_weeks";
		return CRM_EPARAM;
	}
	if (n < 0)
	{
		*reason = "the number of customers must not be negative";
		return CRM_EPARAM;
	}
	return CRM_OK;
}

/* Draw customer i's attributes and latent values (see simulate.h). */
void
crm_sim_customer(const CrmSimParams *sp, uint64_t seed, int64_t n, int64_t i,
				 CrmSimCustomer *c)
{
	CrmRng		g;
	size_t		ch;
	double		u;

	memset(c, 0, sizeof(*c));
	c->id = i;

	crm_rng_seed(&g, seed, (uint64_t) i, STREAM_ATTR);
	u = crm_rng_uniform(&g);
	c->age = sp->window_weeks - sp->acquisition_weeks * ((double) (i - 1) + u) / (double) (n > 0 ? n : 1);
	if (c->age < 0.0)			/* rounding at i = n, A = W */
		c->age = 0.0;
	c->channel = choose(&g, acq_channels, NELEM(acq_channels), &ch);
	/* Gamma(2) with the channel's mean: shape 2, rate 2 / mean */
	c->acquisition_cost = acq_cost_mean[ch] > 0.0 ?
		crm_rng_gamma(&g, 2.0, 2.0 / acq_cost_mean[ch]) : 0.0;
	c->country = choose(&g, countries, NELEM(countries), NULL);
	c->first_name = first_names[crm_rng_below(&g, NELEM(first_names))];
	c->last_name = last_names[crm_rng_below(&g, NELEM(last_names))];
	if (i > 1 && crm_rng_uniform(&g) < 0.08)
	{
		c->referred_by = 1 + (int64_t) crm_rng_below(&g, (uint64_t) (i - 1));
		c->channel = "referral";
		c->acquisition_cost = 10.0;	/* the referral bonus */
	}

	crm_rng_seed(&g, seed, (uint64_t) i, STREAM_LAMBDA);
	c->lambda = crm_rng_gamma(&g, sp->r, sp->alpha);
	crm_rng_seed(&g, seed, (uint64_t) i, STREAM_DROPOUT);
	c->dropout = crm_rng_beta(&g, sp->a, sp->b);
	crm_rng_seed(&g, seed, (uint64_t) i, STREAM_NU);
	c->nu = crm_rng_gamma(&g, sp->q, sp->v);
	crm_rng_seed(&g, seed, (uint64_t) i, STREAM_KAPPA);
	c->contact_rate = crm_rng_gamma(&g, 2.0, 40.0);
}

/* Append an event, growing the buffer; NULL when out of memory. */
static CrmSimEvent *
push(CrmSimBuffer *buf)
{
	CrmSimEvent *e;

	if (buf->n == buf->cap)
	{
		size_t		cap = buf->cap ? buf->cap * 2 : 64;
		CrmSimEvent *ev = crm_realloc(buf->ev, buf->cap * sizeof(CrmSimEvent),
									  cap * sizeof(CrmSimEvent));

		if (ev == NULL)
			return NULL;
		buf->ev = ev;
		buf->cap = cap;
	}
	e = &buf->ev[buf->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* Order by time (larger before_end = earlier), then kind (purchase first). */
static bool
event_before(const CrmSimEvent *x, const CrmSimEvent *y)
{
	if (x->before_end != y->before_end)
		return x->before_end > y->before_end;
	return x->kind < y->kind;
}

/*
 * Stable bottom-up merge sort of the events by event_before(): the order is
 * the same on every platform (unlike qsort with ties), and the scratch space
 * comes from crm_alloc.
 */
static CrmStatus
sort_events(CrmSimEvent *ev, size_t n)
{
	CrmSimEvent *tmp;
	CrmSimEvent *src = ev;
	CrmSimEvent *dst;
	size_t		width;

	if (n < 2)
		return CRM_OK;
	tmp = crm_alloc(n * sizeof(CrmSimEvent));
	if (tmp == NULL)
		return CRM_ENOMEM;
	dst = tmp;
	for (width = 1; width < n; width *= 2)
	{
		size_t		lo;
		CrmSimEvent *swap;

		for (lo = 0; lo < n; lo += 2 * width)
		{
			size_t		mid = lo + width < n ? lo + width : n;
			size_t		hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t		i = lo,
						j = mid,
						k = lo;

			while (i < mid && j < hi)
				dst[k++] = event_before(&src[j], &src[i]) ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != ev)
		memcpy(ev, src, n * sizeof(CrmSimEvent));
	crm_free(tmp);
	return CRM_OK;
}

/* contact kinds with weights, channels (uniform among the listed) */
static const Choice contact_kinds[] = {
	{"visit", 400}, {"email", 650}, {"call", 800}, {"support", 920}, {"complaint", 1000}
};
static const CrmSimKind contact_kind_codes[] = {
	CRM_SIM_VISIT, CRM_SIM_EMAIL, CRM_SIM_CALL, CRM_SIM_SUPPORT, CRM_SIM_COMPLAINT
};

static const char *const purchase_channels[] = {"web", "web", "app", "store"};
static const char *const visit_channels[] = {"web", "app", "store"};
static const char *const support_channels[] = {"phone", "chat", "email"};

/* Fill in a non-purchase contact's channel, cost and satisfaction. */
static void
contact_details(CrmRng *g, CrmSimEvent *e)
{
	switch (e->kind)
	{
		case CRM_SIM_VISIT:
			e->channel = visit_channels[crm_rng_below(g, NELEM(visit_channels))];
			break;
		case CRM_SIM_EMAIL:
			e->channel = "email";
			e->has_cost = true;
			e->cost = 0.05;
			break;
		case CRM_SIM_CALL:
			e->channel = "phone";
			e->has_cost = true;
			e->cost = 4.0;
			e->satisfaction = 2 + (int) crm_rng_below(g, 4);	/* 2..5 */
			break;
		case CRM_SIM_SUPPORT:
			e->channel = support_channels[crm_rng_below(g, NELEM(support_channels))];
			e->has_cost = true;
			e->cost = crm_rng_gamma(g, 2.0, 2.0 / 8.0);
			e->satisfaction = 1 + (int) crm_rng_below(g, 5);	/* 1..5 */
			break;
		case CRM_SIM_COMPLAINT:
			e->channel = support_channels[crm_rng_below(g, NELEM(support_channels))];
			e->has_cost = true;
			e->cost = crm_rng_gamma(g, 2.0, 2.0 / 12.0);
			e->satisfaction = 1 + (int) crm_rng_below(g, 3);	/* 1..3 */
			break;
		default:
			e->channel = "other";
			break;
	}
}

/* Simulate one customer's interactions (see simulate.h). */
CrmStatus
crm_sim_events(const CrmSimParams *sp, uint64_t seed, int64_t n, CrmSimCustomer *c,
			   CrmSimBuffer *buf)
{
	CrmRng		gp,
				gs,
				gr,
				gc;
	double		T = c->age;
	double		t = 0.0;
	double		active_until;
	size_t		k,
				npurch;
	CrmSimEvent *e;

	buf->n = 0;
	c->repeat_purchases = 0;
	c->recency = 0.0;
	c->alive = true;
	c->dropout_age = 0.0;

	crm_rng_seed(&gp, seed, (uint64_t) c->id, STREAM_PURCHASE);
	crm_rng_seed(&gs, seed, (uint64_t) c->id, STREAM_SPEND);

	/* the first purchase at age 0, then BG/NBD repeat purchases */
	for (;;)
	{
		if ((e = push(buf)) == NULL)
			return CRM_ENOMEM;
		e->customer = c->id;
		e->before_end = T - t;
		e->kind = CRM_SIM_PURCHASE;
		e->has_amount = true;
		e->amount = crm_rng_gamma(&gs, sp->p, c->nu);
		e->channel = purchase_channels[crm_rng_below(&gs, NELEM(purchase_channels))];
		if (t > 0.0)
		{
			c->repeat_purchases++;
			c->recency = t;
			if (crm_rng_uniform(&gp) < c->dropout)
			{
				c->alive = false;
				c->dropout_age = t;
				break;
			}
		}
		if (buf->n > CRM_SIM_MAX_PURCHASES)
			return CRM_ERANGE;
		if ((buf->n & 0xffff) == 0 && crm_interrupted())
			return CRM_EINTERRUPTED;
		/* waiting time Exp(lambda); lambda may have underflowed to 0 */
		if (!(c->lambda > 0.0))
			break;
		t += -log(crm_rng_uniform(&gp)) / c->lambda;
		if (!(t <= T))
			break;
	}
	npurch = buf->n;
	active_until = c->alive ? T : c->dropout_age;

	/* refunds: each purchase with probability 3 % within 2 weeks, if before the end */
	crm_rng_seed(&gr, seed, (uint64_t) c->id, STREAM_REFUND);
	for (k = 0; k < npurch; k++)
	{
		double		u = crm_rng_uniform(&gr);
		double		lag = 2.0 * crm_rng_uniform(&gr);
		double		part = crm_rng_uniform(&gr) < 0.7 ? 1.0 : 0.2 + 0.7 * crm_rng_uniform(&gr);
		double		when = buf->ev[k].before_end - lag;

		if (u >= 0.03 || when < 0.0)
			continue;
		if ((e = push(buf)) == NULL)
			return CRM_ENOMEM;
		e->customer = c->id;
		e->before_end = when;
		e->kind = CRM_SIM_REFUND;
		e->has_amount = true;
		e->amount = -part * buf->ev[k].amount;
		e->channel = buf->ev[k].channel;
	}

	/* other contacts: Poisson(kappa) on [0, active_until] */
	crm_rng_seed(&gc, seed, (uint64_t) c->id, STREAM_CONTACT);
	if (c->contact_rate > 0.0)
	{
		double		s = -log(crm_rng_uniform(&gc)) / c->contact_rate;

		while (s <= active_until)
		{
			size_t		ki;

			if ((e = push(buf)) == NULL)
				return CRM_ENOMEM;
			e->customer = c->id;
			e->before_end = T - s;
			(void) choose(&gc, contact_kinds, NELEM(contact_kinds), &ki);
			e->kind = contact_kind_codes[ki];
			contact_details(&gc, e);
			if (buf->n > 2 * (size_t) CRM_SIM_MAX_PURCHASES)
				return CRM_ERANGE;
			s += -log(crm_rng_uniform(&gc)) / c->contact_rate;
		}
	}

	if (sort_events(buf->ev, buf->n) != CRM_OK)
		return CRM_ENOMEM;

	/* the referrer's referral interaction, at this customer's acquisition */
	if (c->referred_by > 0)
	{
		if ((e = push(buf)) == NULL)
			return CRM_ENOMEM;
		e->customer = c->referred_by;
		e->before_end = T;
		e->kind = CRM_SIM_REFERRAL;
		e->channel = "referral";
		e->referred = c->id;
	}
	(void) n;
	return CRM_OK;
}

/* Free the event array. */
void
crm_sim_buffer_free(CrmSimBuffer *buf)
{
	if (buf->ev)
		crm_free(buf->ev);
	buf->ev = NULL;
	buf->n = buf->cap = 0;
}
