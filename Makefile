# crm_ext: customer analytics for PostgreSQL (PGXS build)
#
#   make                      build the module and the install script
#   make install              install into the PostgreSQL of $(PG_CONFIG)
#   make unitcheck            build and run the core's unit tests (ASan/UBSan)
#   make installcheck         pg_regress suite against a running server
#   make test / make demo     the README's two commands (test/check.sh, test/demo.sh)
#   make report               HTML validation report of demo data (test/report.sh)
#   make bench                the benchmark (bench/run.sh $(BENCH_ARGS); BENCH_ARGS=--quick for a short run)

EXTENSION  = crm_ext
EXTVERSION = 1.0
MODULE_big = crm_ext

# plain-C numerical core (no PostgreSQL headers); unit-tested directly
CORE_SRCS = \
	src/core/crm_core.c \
	src/core/vmath.c \
	src/core/codec.c \
	src/core/predcache.c \
	src/core/special.c \
	src/core/hyp.c \
	src/core/simulate.c \
	src/core/models.c \
	src/core/optim.c \
	src/core/accum.c \
	src/core/sbg.c \
	src/core/bgbb.c \
	src/core/gg.c \
	src/core/pnbd.c \
	src/core/rfm.c \
	src/core/svg.c \
	src/core/bgnbd.c \
	src/core/clv.c

# fmgr glue
GLUE_SRCS = \
	src/crm_ext.c \
	src/guard.c \
	src/fn_simulate.c \
	src/model_glue.c \
	src/fit_state.c \
	src/agg_fit.c \
	src/fn_sbg.c \
	src/fn_bgbb.c \
	src/fn_gg.c \
	src/fn_pnbd.c \
	src/fn_bgnbd.c \
	src/rfm_input.c \
	src/agg_rfm.c \
	src/fn_plot.c \
	src/fn_clv.c

OBJS = $(CORE_SRCS:.c=.o) $(GLUE_SRCS:.c=.o)

# install script parts, concatenated in this order into crm_ext--$(EXTVERSION).sql
INSTALL_PARTS = \
	sql/install/00_base.sql \
	sql/install/10_tables.sql \
	sql/install/20_rfm.sql \
	sql/install/30_models.sql \
	sql/install/31_bgnbd.sql \
	sql/install/32_pareto_nbd.sql \
	sql/install/33_bgbb.sql \
	sql/install/34_gamma_gamma.sql \
	sql/install/35_sbg.sql \
	sql/install/40_segments.sql \
	sql/install/50_demo.sql \
	sql/install/60_clv.sql \
	sql/install/62_lifecycle.sql \
	sql/install/64_store.sql \
	sql/install/66_views.sql \
	sql/install/70_plots.sql \
	sql/install/72_validate.sql

DATA_built = $(EXTENSION)--$(EXTVERSION).sql

# pg_regress tests, in order (install first)
REGRESS = \
	install \
	schema \
	guard \
	rfm \
	rfm_errors \
	rfm_parallel \
	fit \
	bgbb \
	gamma_gamma \
	sbg \
	pareto_nbd \
	bgnbd \
	prediction_cache \
	segments \
	plots \
	validate \
	clv \
	lifecycle \
	store \
	value_views \
	errors \
	security \
	refresh_small
REGRESS_OPTS = --inputdir=. --outputdir=.

PG_CPPFLAGS = -I$(srcdir)/src -I$(srcdir)/src/core -DCRM_EXT_VERSION='"$(EXTVERSION)"'
# glibc's vector math library (libmvec, x86-64 only): the BG/NBD likelihood
# takes exp and log over arrays with its AVX2 functions when the CPU has
# them (src/core/vmath.c); without it the same loops run on libm.
HAVE_LIBMVEC := $(shell $(CC) -dumpmachine 2>/dev/null | grep -q '^x86_64' && \
	printf 'int main(void){return 0;}\n' | $(CC) -x c - -o /dev/null -lmvec 2>/dev/null && echo yes)
ifeq ($(HAVE_LIBMVEC),yes)
MVEC_CPPFLAGS = -DCRM_HAVE_LIBMVEC
MVEC_LIBS = -lmvec
endif
PG_CPPFLAGS += $(MVEC_CPPFLAGS)
SHLIB_LINK = -lnlopt $(MVEC_LIBS) -lm

EXTRA_CLEAN = test/unit/runner test/unit/build results regression.diffs regression.out \
	test/fuzz/sqlfuzz test/fuzz/fuzz_decoders

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	cat $(INSTALL_PARTS) > $@

# PGXS tracks no header dependencies (unless PostgreSQL was configured with
# --enable-depend): rebuild every object when any of our headers changes, so
# that a changed struct never meets a stale object file.
$(OBJS): $(wildcard $(srcdir)/src/*.h) $(wildcard $(srcdir)/src/core/*.h)

# ---------------------------------------------------------------------------
# Unit tests of the core, built with AddressSanitizer and UBSan, no server.
UNIT_SRCS = \
	test/unit/runner.c \
	test/unit/unit.c \
	test/unit/test_codec.c \
	test/unit/test_special.c \
	test/unit/test_hyp.c \
	test/unit/test_simulate.c \
	test/unit/test_optim.c \
	test/unit/test_accum.c \
	test/unit/test_sbg.c \
	test/unit/test_bgbb.c \
	test/unit/test_gg.c \
	test/unit/test_pnbd.c \
	test/unit/test_rfm.c \
	test/unit/test_svg.c \
	test/unit/test_bgnbd.c \
	test/unit/test_clv.c \
	test/unit/test_predcache.c

UNIT_CFLAGS = -std=gnu99 -O1 -g -Wall -Wextra -Wno-unused-parameter \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -Isrc/core -Itest/unit
SHARED_DIR ?= $(abspath ../shared)

test/unit/runner: $(CORE_SRCS) $(UNIT_SRCS) $(wildcard src/core/*.h) $(wildcard test/unit/*.h)
	$(CC) $(UNIT_CFLAGS) $(MVEC_CPPFLAGS) -o $@ $(CORE_SRCS) $(UNIT_SRCS) -lnlopt $(MVEC_LIBS) -lm

unitcheck: test/unit/runner
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./test/unit/runner $(SHARED_DIR)

# ---------------------------------------------------------------------------
# Fuzzing (test/fuzz).  sqlfuzz is a libpq client that calls every function
# and aggregate of schema crm with random valid and invalid arguments;
# fuzz_decoders is a libFuzzer target (clang, ASan/UBSan) for the core's
# decoders.  test/check.sh runs a short pass of both (CRM_FUZZ_CALLS,
# CRM_FUZZ_SECONDS); `make fuzz` runs the long one (1M SQL calls) on a
# throwaway server.
FUZZ_CALLS ?= 1000000
FUZZ_SECONDS ?= 120
CLANG ?= clang

test/fuzz/sqlfuzz: test/fuzz/sqlfuzz.c
	$(CC) -std=gnu99 -O2 -g -Wall -Wextra -Wno-unused-parameter \
		-I$(shell $(PG_CONFIG) --includedir) -o $@ $< \
		-L$(shell $(PG_CONFIG) --libdir) -lpq -lm

test/fuzz/fuzz_decoders: test/fuzz/fuzz_decoders.c $(CORE_SRCS) $(wildcard src/core/*.h)
	$(CLANG) -std=gnu99 -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -fno-omit-frame-pointer -Isrc/core $(MVEC_CPPFLAGS) \
		-o $@ test/fuzz/fuzz_decoders.c $(CORE_SRCS) -lnlopt $(MVEC_LIBS) -lm

fuzz: test/fuzz/sqlfuzz test/fuzz/fuzz_decoders
	CRM_ONLY=fuzz CRM_FUZZ_CALLS=$(FUZZ_CALLS) CRM_FUZZ_SECONDS=$(FUZZ_SECONDS) test/check.sh

test:
	test/check.sh

demo:
	test/demo.sh

report:
	test/report.sh

bench:
	bench/run.sh $(BENCH_ARGS)

.PHONY: unitcheck test demo fuzz report bench
