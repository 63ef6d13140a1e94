#!/usr/bin/env bash
# bench/run.sh: the performance benchmark of crm_ext (bench/README.md).
#
#   bench/run.sh [--full | --quick | --smoke] [--customers N] [--reps K] [--seed S]
#                [--use-env] [--output FILE]
#
#   --full        1M customers, ~10M purchases, 3 runs per case (the default)
#   --quick       100k customers, ~1M purchases, 5 runs per case
#   --smoke       2000 customers, 1 run: checks that the benchmark works and
#                 prints "ok"/"not ok" lines (a step of test/check.sh)
#   --customers N number of simulated customers (about 10 purchases each)
#   --reps K      runs per case (the median is reported)
#   --seed S      seed of the data (default 42); same seed, same data
#   --use-env     use the server of the PG* environment variables (crm_ext
#                 must be installable there; the schema "bench" is replaced)
#                 instead of building and starting a throwaway server
#   --output FILE JSON results (default bench/results/<UTC timestamp>.json)
#
# Every figure is a ratio against a floor measured in the same run, the two
# run alternately; times come from EXPLAIN ANALYZE on the server.  Cases
# whose functions are not in the installed extension are SKIPPED (printed).

# The whole script is one block, read before it runs: editing the file while
# a benchmark runs does not change the running one.
{
set -eu
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)

mode=full
customers=""
reps=""
seed=42
use_env=0
output=""
while [ $# -gt 0 ]; do
	case $1 in
	--full | --quick | --smoke) mode=${1#--} ;;
	--customers) customers=$2; shift ;;
	--reps) reps=$2; shift ;;
	--seed) seed=$2; shift ;;
	--use-env) use_env=1 ;;
	--output) output=$2; shift ;;
	-h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $mode in
full) : "${customers:=1000000}" "${reps:=3}" ;;
quick) : "${customers:=100000}" "${reps:=5}" ;;
smoke) : "${customers:=2000}" "${reps:=1}" ;;
esac
case "$customers$reps$seed" in *[!0-9]*) echo "--customers, --reps and --seed take whole numbers" >&2; exit 2 ;; esac

. "$BENCH_DIR/../test/lib.sh"

if [ "$use_env" = 1 ]; then
	PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
	PG_BINDIR=${PG_BINDIR:-$("$PG_CONFIG" --bindir)}
else
	crm_ensure_packages
	crm_build
	crm_start_cluster
fi
CRM_BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/crm_bench.XXXXXX")
trap 'rm -rf "$CRM_BENCH_TMP"; crm_cleanup' EXIT

psql_q() {
	crm_psql -At "$@"
}

OBS_END='2025-01-01 00:00:00+00'
# single-process runs; enough memory for every aggregate to hash in memory
S0='max_parallel_workers_per_gather=0;work_mem=1GB;hash_mem_multiplier=2'
# two workers, parallel plans forced (costs 0) so that the plan is the same at every size
S2='max_parallel_workers_per_gather=2;max_parallel_workers=4;parallel_setup_cost=0;parallel_tuple_cost=0;min_parallel_table_scan_size=0;work_mem=1GB;hash_mem_multiplier=2'
# small work_mem: the hash aggregate must spill to disk
# (64kB, the least allowed, in a smoke run: its 2000 customers fit in 1MB)
spill_mem=1MB
[ "$mode" = smoke ] && spill_mem=64kB
SSPILL="max_parallel_workers_per_gather=0;work_mem=$spill_mem;hash_mem_multiplier=1;enable_sort=off"

smoke_ok=0
smoke_fail=0
tap() {
	# tap ok|fail text: in smoke mode, an ok/not ok line
	if [ "$mode" = smoke ]; then
		if [ "$1" = ok ]; then echo "ok - bench: $2"; smoke_ok=$((smoke_ok + 1)); else echo "not ok - bench: $2"; smoke_fail=$((smoke_fail + 1)); fi
	fi
}

# exists 'crm.f(argtypes)': is that function (or aggregate) installed?
exists() {
	[ "$(psql_q -c "SELECT to_regprocedure('$1') IS NOT NULL")" = t ]
}

skip() {
	crm_log "SKIPPED: $1"
	psql_q -v name="$1" -v why="$2" >/dev/null <<-'EOF'
		INSERT INTO bench.results (section, name, result, detail)
		VALUES ('skipped', :'name', 'SKIPPED', jsonb_build_object('why', :'why'));
	EOF
}

# compare SECTION NAME QUERY FLOOR TARGET [SETTINGS [FLOOR_SETTINGS [REPS]]]
compare() {
	local t0 t1
	t0=$(date +%s)
	psql_q -v sec="$1" -v name="$2" -v q="$3" -v f="$4" -v target="$5" -v s="${6:-$S0}" \
		-v fs="${7:-${6:-$S0}}" -v reps="${8:-$reps}" >/dev/null <<-'EOF'
		SELECT bench.compare(:'sec', :'name', :'q', :'f', :reps, nullif(:'target', '')::float8, :'s', :'fs');
	EOF
	t1=$(date +%s)
	crm_log "$1: $2 ($((t1 - t0)) s)"
}

crm_log "benchmark: mode $mode, $customers customers, $reps runs per case, seed $seed"
psql_q -c 'CREATE EXTENSION IF NOT EXISTS crm_ext' >/dev/null
psql_q -c 'DROP SCHEMA IF EXISTS bench CASCADE' >/dev/null 2>&1
psql_q -f "$BENCH_DIR/bench.sql" >/dev/null

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
crm_log "generating data (crm.simulate_bgnbd, seed $seed)"
t0=$(date +%s)
psql_q -v customers="$customers" -v seed="$seed" -v observation_end="$OBS_END" -f "$BENCH_DIR/data.sql" >/dev/null 2>&1 ||
	{ psql_q -v customers="$customers" -v seed="$seed" -v observation_end="$OBS_END" -f "$BENCH_DIR/data.sql"; exit 1; }
read -r n_tx n_cust <<<"$(psql_q -F' ' -c 'SELECT (SELECT count(*) FROM bench.tx), (SELECT count(*) FROM bench.summary)')"
crm_log "data: $n_tx interactions, $n_cust customers ($(($(date +%s) - t0)) s)"
[ "$n_cust" -gt 0 ] && tap ok "data generated ($n_tx rows, $n_cust customers)" || tap fail "no data generated"

# ---------------------------------------------------------------------------
# 1. RFM summary vs GROUP BY with built-in min/max/count/sum over the same rows
RFM_Q="SELECT customer_id, crm.rfm_summary(occurred_at, amount, '$OBS_END', '1 day', '7 days') FROM bench.tx GROUP BY customer_id"
RFM_FLOOR="SELECT customer_id, min(occurred_at), max(occurred_at), count(*), sum(amount) FROM bench.tx GROUP BY customer_id"
# the exact pure-SQL alternative: distinct days by a two-level GROUP BY
RFM_SQL="SELECT customer_id, count(*) FILTER (WHERE a >= 0) - 1 AS frequency,
	(max(d) FILTER (WHERE a >= 0) - min(d) FILTER (WHERE a >= 0)) / 7.0 AS recency,
	(DATE '2025-01-01' - min(d) FILTER (WHERE a >= 0)) / 7.0 AS t,
	sum(a) FILTER (WHERE a >= 0) AS gross, sum(n) AS n
	FROM (SELECT customer_id, (occurred_at AT TIME ZONE 'UTC')::date AS d,
			sum(amount) FILTER (WHERE amount >= 0) AS a, count(*) AS n
		  FROM bench.tx GROUP BY customer_id, d) AS days
	GROUP BY customer_id"
compare rfm "rfm_summary: $n_tx rows -> $n_cust customers" "$RFM_Q" "$RFM_FLOOR" 1.25
if [ "$mode" != full ]; then
	compare rfm "reference: exact pure SQL (two-level GROUP BY)" "$RFM_SQL" "$RFM_FLOOR" "" "$S0" "$S0" 1
fi

# ---------------------------------------------------------------------------
# 2. Model fits on the summary vs one scan of it; 3. per-row predictions vs
# a trivial float8 expression over the same rows
FIT_FLOOR="SELECT count(frequency), sum(recency), max(t) FROM bench.summary"
PRED_FLOOR="SELECT (frequency + recency) / (t + 1) FROM bench.summary"
# per-row predictions: at most twice the trivial expression
PRED_TARGET=2
purchase_models=""
for m in bgnbd pareto_nbd mbgnbd; do
	if exists "crm.fit_$m(float8,float8,float8)"; then
		purchase_models="$purchase_models $m"
	else
		skip "fit_$m" "crm.fit_$m(float8, float8, float8) is not installed"
	fi
done
for m in $purchase_models; do
	# issue 3's targets: BG/NBD (and its MBG/NBD variant) <= 2x one scan, Pareto/NBD <= 4x
	target=2
	[ "$m" = pareto_nbd ] && target=4
	compare fit "fit_$m: $n_cust customers" "SELECT crm.fit_$m(frequency, recency, t) FROM bench.summary" "$FIT_FLOOR" "$target"
	psql_q -c "INSERT INTO bench.models SELECT '$m', crm.fit_$m(frequency, recency, t)::text FROM bench.summary" >/dev/null
done
GG_FLOOR="SELECT count(frequency), sum(monetary) FROM bench.summary WHERE frequency > 0"
if exists 'crm.fit_gamma_gamma(float8,float8)'; then
	compare fit "fit_gamma_gamma: customers with repeat purchases" \
		"SELECT crm.fit_gamma_gamma(frequency, monetary) FROM bench.summary WHERE frequency > 0" "$GG_FLOOR" 4
	psql_q -c "INSERT INTO bench.models SELECT 'gamma_gamma', crm.fit_gamma_gamma(frequency, monetary)::text FROM bench.summary WHERE frequency > 0" >/dev/null
else
	skip fit_gamma_gamma "crm.fit_gamma_gamma(float8, float8) is not installed"
fi
psql_q -c "SELECT kind || ': ' || model FROM bench.models ORDER BY kind" | while read -r l; do crm_log "fitted $l"; done

model() {
	# cast inside the sub-select: evaluated once (an initplan), not per row
	echo "(SELECT model::crm.$1 FROM bench.models WHERE kind = '$1')"
}
for m in $purchase_models; do
	compare predict "p_alive ($m): $n_cust rows" \
		"SELECT crm.p_alive($(model "$m"), frequency, recency, t) FROM bench.summary" "$PRED_FLOOR" "$PRED_TARGET"
	compare predict "conditional_expected_purchases ($m, 52): $n_cust rows" \
		"SELECT crm.conditional_expected_purchases($(model "$m"), 52, frequency, recency, t) FROM bench.summary" "$PRED_FLOOR" "$PRED_TARGET"
done
# (reference, not in the full run) the same with every customer's t distinct,
# so that no two rows share (frequency, t): what a prediction costs when its
# per-call-site memo never hits
if [ "$mode" != full ] && exists 'crm.conditional_expected_purchases(crm.bgnbd,float8,float8,float8,float8)' &&
	[ -n "$(psql_q -c "SELECT 1 FROM bench.models WHERE kind = 'bgnbd'")" ]; then
	compare predict "reference: conditional_expected_purchases (bgnbd, 52), all-distinct t: $n_cust rows" \
		"SELECT crm.conditional_expected_purchases($(model bgnbd), 52, frequency, recency, t + customer_id * 1e-9) FROM bench.summary" \
		"SELECT (frequency + recency) / (t + customer_id * 1e-9 + 1) FROM bench.summary" ""
fi
if exists 'crm.expected_spend(crm.gamma_gamma,float8,float8)'; then
	compare predict "expected_spend (gamma_gamma): $n_cust rows" \
		"SELECT crm.expected_spend($(model gamma_gamma), frequency, monetary) FROM bench.summary" "$PRED_FLOOR" "$PRED_TARGET"
fi
# CLV: crm.clv(purchase model, spend model, frequency, recency, t, monetary, time_unit) when
# installed (infinite horizon, 10% a year)
clv_sig=$(psql_q -c "SELECT p.oid::regprocedure FROM pg_proc p WHERE p.proname = 'clv'
	AND p.pronamespace = 'crm'::regnamespace AND p.proargtypes[0] = to_regtype('crm.bgnbd')
	AND p.proargtypes[1] = to_regtype('crm.gamma_gamma') AND p.proargtypes[6] = 'interval'::regtype
	ORDER BY p.pronargs LIMIT 1" 2>/dev/null || true)
# (one run in a full run: about 70 us a customer, over a minute for 1M)
clv_reps=$reps
[ "$mode" = full ] && clv_reps=1
if [ -n "$clv_sig" ] && [ -n "$(psql_q -c "SELECT 1 FROM bench.models WHERE kind = 'bgnbd'")" ]; then
	compare predict "clv (bgnbd + gamma_gamma): $n_cust rows" \
		"SELECT crm.clv($(model bgnbd), $(model gamma_gamma), frequency, recency, t, monetary, '7 days') FROM bench.summary" "$PRED_FLOOR" "$PRED_TARGET" \
		"$S0" "$S0" "$clv_reps"
else
	skip clv "crm.clv(crm.bgnbd, crm.gamma_gamma, ...) is not installed"
fi

# ---------------------------------------------------------------------------
# 4. The whole refresh: interactions -> every customer's CLV, stage, churn risk.
# The same customers are loaded into crm.customers / crm.interactions by the
# demo data generator (foreign-key triggers off during the load); the floor is
# one GROUP BY pass with min/max/count/sum over crm.interactions.
refresh_sig=$(psql_q -c "SELECT p.prokind::text || ' ' || coalesce('observation_end' = ANY (p.proargnames), false)
	FROM pg_proc p WHERE p.proname = 'refresh' AND p.pronamespace = 'crm'::regnamespace ORDER BY p.pronargs LIMIT 1")
if [ -z "$refresh_sig" ]; then
	skip refresh "crm.refresh is not installed"
elif [ "$(psql_q -c 'SELECT count(*) FROM crm.customers')" != 0 ]; then
	skip refresh "crm.customers is not empty (the refresh benchmark loads its own customers)"
else
	t0=$(date +%s)
	psql_q -v customers="$customers" -v seed="$seed" -v obs="$OBS_END" >/dev/null <<-'EOF'
		SET session_replication_role = replica;
		SELECT * FROM crm.generate_demo_data(:customers, :seed, :'obs', r => 0.8, alpha => 2.8, a => 0.5, b => 4);
		RESET session_replication_role;
		VACUUM (ANALYZE) crm.customers, crm.interactions;
	EOF
	crm_log "refresh: loaded crm.interactions ($(($(date +%s) - t0)) s)"
	read -r kind named <<<"$refresh_sig"
	call="crm.refresh()"
	[ "$named" = true ] && call="crm.refresh(observation_end => '$OBS_END')"
	if [ "$kind" = p ]; then call="CALL $call"; else call="SELECT $call"; fi
	REFRESH_FLOOR="SELECT customer_id, min(occurred_at), max(occurred_at), count(*), sum(amount) FROM crm.interactions WHERE kind IN ('purchase', 'refund') GROUP BY customer_id"
	refresh_reps=$reps
	[ "$mode" = full ] && refresh_reps=1
	runs="" floor_runs=""
	ok=1
	for i in $(seq "$refresh_reps"); do
		f=$(psql_q -v f="$REFRESH_FLOOR" -v s="$S0" <<<"SELECT bench.run_ms(:'f', :'s');") || ok=0
		r=$(psql_q -v call="$call" 2>"$CRM_BENCH_TMP/refresh.err" <<-EOF
			SELECT clock_timestamp() AS t0 \gset
			$call;
			SELECT extract(epoch FROM clock_timestamp() - :'t0') * 1000;
		EOF
		) || { ok=0; cat "$CRM_BENCH_TMP/refresh.err" >&2; }
		runs="$runs${runs:+,}${r:-NaN}" floor_runs="$floor_runs${floor_runs:+,}${f:-NaN}"
	done
	# the refresh's own NOTICEs (phases with timings) of the last run
	phases=$(sed -n 's/^NOTICE: *//p' "$CRM_BENCH_TMP/refresh.err")
	psql_q -v name="refresh: $call" -v runs="{$runs}" -v fruns="{$floor_runs}" -v q="$call" -v f="$REFRESH_FLOOR" \
		-v ok="$ok" -v phases="$phases" >/dev/null <<-'EOF'
		INSERT INTO bench.results (section, name, value, floor_value, ratio, result, runs, floor_runs, query, floor_query, detail)
		SELECT 'refresh', :'name', bench.median(:'runs'), bench.median(:'fruns'),
			bench.median(:'runs') / bench.median(:'fruns'), CASE WHEN :ok = 1 THEN 'info' ELSE 'MISS' END,
			:'runs', :'fruns', :'q', :'f', jsonb_build_object('notices', string_to_array(:'phases', E'\n'));
	EOF
	printf '%s\n' "$phases" | while read -r l; do crm_log "refresh: $l"; done
	[ "$ok" = 1 ] && tap ok "refresh ran" || tap fail "refresh failed"
	crm_log "refresh: $call ($runs ms; floor $floor_runs ms)"
fi

# ---------------------------------------------------------------------------
# 5. Parallel scaling: 2 workers vs none, same query
compare parallel "rfm_summary, 2 workers vs 0" "$RFM_Q" "$RFM_Q" "" "$S2" "$S0"
compare parallel "floor GROUP BY, 2 workers vs 0" "$RFM_FLOOR" "$RFM_FLOOR" "" "$S2" "$S0"
for m in $purchase_models; do
	compare parallel "fit_$m, 2 workers vs 0" "SELECT crm.fit_$m(frequency, recency, t) FROM bench.summary" \
		"SELECT crm.fit_$m(frequency, recency, t) FROM bench.summary" "" "$S2" "$S0"
	compare parallel "p_alive ($m), 2 workers vs 0" "SELECT crm.p_alive($(model "$m"), frequency, recency, t) FROM bench.summary" \
		"SELECT crm.p_alive($(model "$m"), frequency, recency, t) FROM bench.summary" "" "$S2" "$S0"
done
# the aggregates must have run as Partial -> Gather -> Finalize with workers
psql_q >/dev/null <<-'EOF'
	UPDATE bench.results
	SET result = CASE
			WHEN (name LIKE 'p_alive%' OR detail ->> 'plan' LIKE '%Finalize%Partial%')
				AND (detail ->> 'workers_launched')::float8 > 0 THEN 'info'
			ELSE 'MISS' END,
		detail = detail || jsonb_build_object('check', CASE WHEN name LIKE 'p_alive%'
			THEN 'Gather with workers launched' ELSE 'Finalize Aggregate over Partial Aggregate, workers launched' END)
	WHERE section = 'parallel';
EOF

# ---------------------------------------------------------------------------
# 6. Memory: peak private memory of (1) and (2) in fresh backends, and the
# hash aggregate spilling with work_mem = 1MB gives the same result
peak() {
	# peak QUERY SETTINGS -> "peak_mb ms batches disk_kb hashagg_peak_kb"
	psql_q -F' ' -v q="$1" -v s="$2" <<-'EOF'
		SELECT round(peak_mb::numeric, 1), round(ms::numeric, 1),
			bench.plan_sum(plan, 'HashAgg Batches'), bench.plan_sum(plan, 'Disk Usage'),
			bench.plan_sum(plan, 'Peak Memory Usage')
		FROM bench.peak_memory(:'q', :'s');
	EOF
}
memory() {
	# memory NAME QUERY FLOOR
	local a_mb a_ms a_bat a_disk a_hash b_mb b_ms b_bat b_disk b_hash
	read -r a_mb a_ms a_bat a_disk a_hash <<<"$(peak "$2" "$S0")"
	read -r b_mb b_ms b_bat b_disk b_hash <<<"$(peak "$3" "$S0")"
	psql_q -v name="$1" -v q="$2" -v f="$3" -v a="$a_mb" -v b="$b_mb" -v ah="$a_hash" -v bh="$b_hash" >/dev/null <<-'EOF'
		INSERT INTO bench.results (section, name, unit, value, floor_value, ratio, result, query, floor_query, detail)
		VALUES ('memory', :'name', 'MB', nullif(:'a', '')::float8, nullif(:'b', '')::float8,
			nullif(:'a', '')::float8 / nullif(nullif(:'b', '')::float8, 0), 'info', :'q', :'f',
			jsonb_build_object('hashagg_peak_kb', nullif(:'ah', '')::float8, 'floor_hashagg_peak_kb', nullif(:'bh', '')::float8,
				'method', 'VmHWM - RssFile - RssShmem of a fresh backend after one run (lower bound of the private peak)'));
	EOF
	crm_log "memory: $1: $a_mb MB (floor $b_mb MB)"
}
memory "peak memory: rfm_summary" "$RFM_Q" "$RFM_FLOOR"
for m in $purchase_models; do
	memory "peak memory: fit_$m" "SELECT crm.fit_$m(frequency, recency, t) FROM bench.summary" "$FIT_FLOOR"
done

read -r s_mb s_ms s_bat s_disk s_hash <<<"$(peak "$RFM_Q" "$SSPILL")"
sum_mem=$(psql_q -v q="$RFM_Q" -v s="$S0" <<<"SELECT bench.checksum(:'q', :'s');")
sum_spill=$(psql_q -v q="$RFM_Q" -v s="$SSPILL" <<<"SELECT bench.checksum(:'q', :'s');")
psql_q -v name="rfm_summary hash aggregate, work_mem = $spill_mem (spills)" -v q="$RFM_Q" -v ms="$s_ms" -v mb="$s_mb" \
	-v bat="$s_bat" -v disk="$s_disk" -v c1="$sum_mem" -v c2="$sum_spill" -v s="$SSPILL" >/dev/null <<-'EOF'
	INSERT INTO bench.results (section, name, unit, value, result, query, detail)
	VALUES ('memory', :'name', 'MB', nullif(:'mb', '')::float8,
		CASE WHEN :'bat'::float8 > 1 AND :'c1' = :'c2' THEN 'pass' ELSE 'MISS' END, :'q',
		jsonb_build_object('ms', :'ms'::float8, 'hashagg_batches', :'bat'::float8, 'disk_kb', :'disk'::float8,
			'checksum_in_memory', :'c1', 'checksum_spilled', :'c2', 'settings', :'s',
			'check', 'spilled (HashAgg Batches > 1) and same rows as in memory'));
EOF
crm_log "spill: $s_bat batches, $s_disk kB on disk, checksums $sum_mem / $sum_spill"

# ---------------------------------------------------------------------------
# Report: machine line, table, JSON
load_end=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo 2>/dev/null | head -1)
machine="$(nproc) cores ($cpu), $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GB RAM"}'), load $load_start -> $load_end; $(psql_q -c 'SHOW server_version' | cut -d' ' -f1), crm_ext $(psql_q -c 'SELECT crm.extension_version()') @ $(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "crm_ext benchmark, $started: $mode ($customers customers, $n_tx interactions, median of $reps runs)"
echo "machine: $machine"
crm_psql -P footer=off -c "
	SELECT section, name,
		CASE WHEN value IS NULL THEN '' WHEN unit = 'ms' THEN round(value::numeric, 1)::text || ' ms'
			ELSE round(value::numeric, 1)::text || ' ' || unit END AS value,
		CASE WHEN floor_value IS NULL THEN '' WHEN unit = 'ms' THEN round(floor_value::numeric, 1)::text || ' ms'
			ELSE round(floor_value::numeric, 1)::text || ' ' || unit END AS floor,
		coalesce(round(ratio::numeric, 2)::text || 'x', '') AS ratio,
		coalesce(round(min_ratio::numeric, 2)::text || 'x', '') AS \"min ratio\",
		CASE WHEN target IS NULL THEN coalesce(detail ->> 'check', '') ELSE '<= ' || target || 'x' END AS target,
		result
	FROM bench.results ORDER BY seq"

if [ "$mode" != smoke ] || [ -n "$output" ]; then
	[ -n "$output" ] || { mkdir -p "$BENCH_DIR/results"; output="$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ).json"; }
	psql_q -v started="$started" -v mode="$mode" -v customers="$customers" -v reps="$reps" -v seed="$seed" \
		-v machine="$machine" -v cores="$(nproc)" -v n_tx="$n_tx" >"$output" <<-'EOF'
		SELECT jsonb_pretty(jsonb_build_object(
			'started', :'started', 'mode', :'mode', 'customers', :'customers'::int, 'interactions', :'n_tx'::bigint,
			'reps', :'reps'::int, 'seed', :'seed'::int, 'machine', :'machine', 'cores', :'cores'::int,
			'server_version', version(),
			'results', (SELECT jsonb_agg(to_jsonb(r) - 'seq' ORDER BY seq) FROM bench.results AS r)));
	EOF
	crm_log "results written to $output"
fi

misses=$(psql_q -c "SELECT count(*) FROM bench.results WHERE result = 'MISS'")
if [ "$mode" = smoke ]; then
	# every measured case produced a time; the plan and spill checks held
	bad=$(psql_q -c "SELECT string_agg(name, ', ') FROM bench.results WHERE result <> 'SKIPPED' AND unit = 'ms' AND NOT (value > 0 AND floor_value > 0)")
	[ -z "$bad" ] && tap ok "every case measured ($(psql_q -c "SELECT count(*) FROM bench.results WHERE result <> 'SKIPPED'") rows)" || tap fail "no time for: $bad"
	bad=$(psql_q -c "SELECT string_agg(name, ', ') FROM bench.results WHERE section IN ('parallel', 'memory') AND result = 'MISS'")
	[ -z "$bad" ] && tap ok "parallel plans and spilling aggregate as expected" || tap fail "check failed: $bad"
	[ "$smoke_fail" -eq 0 ]
else
	crm_log "$misses targets missed"
fi
exit
}
