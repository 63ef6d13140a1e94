#!/usr/bin/env bash
# test/check.sh: the README's test command.
#
# On a fresh Debian 12 machine (root, or sudo): installs missing packages,
# builds, runs the core's unit tests (AddressSanitizer/UBSan), starts a
# throwaway PostgreSQL, runs the pg_regress suite twice (normal, then with
# forced parallel query), the dump/restore checks (test/dump_restore.sh), the
# refresh-under-concurrent-inserts checks (test/refresh_concurrency.sh), the
# conformance checks against ../shared, the HTML report rendered in
# headless Chromium (test/report.sh, test/report_check.sh) and a smoke run of
# the benchmark (bench/run.sh --smoke), then removes the server.  Exit
# status is non-zero on any failure; the last line is "N passed, M failed".
#
#   CRM_SHARED_DIR       reference data (default: ../shared beside the repo)
#   CRM_REQUIRE_SHARED=1 a missing ../shared is a failure (set by .ci/run)
#   CRM_ONLY=unit,regress,parallel,dump,concurrency,load,fuzz,upgrade,conformance,report,bench
#                        run only these parts
#   CRM_FUZZ_CALLS       SQL calls of the fuzz pass (default 100000; `make fuzz`: 1M)
#   CRM_FUZZ_SECONDS     time of the libFuzzer pass over the core's decoders (default 20)
#   CRM_FUZZ_SEED        seed of the SQL fuzzer (default 1)

set -eu
. "$(dirname "$0")/lib.sh"

CRM_SHARED_DIR=${CRM_SHARED_DIR:-$(cd "$CRM_REPO/.." && pwd)/shared}
CRM_ONLY=${CRM_ONLY:-unit,regress,parallel,dump,concurrency,load,fuzz,upgrade,conformance,report,bench}
export CRM_SHARED_DIR

passed=0
failed=0
skipped=0

want() {
	case ",$CRM_ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac
}

# Count TAP-like "ok"/"not ok" lines of a file into passed/failed/skipped.
count_tap() {
	local f=$1 ok nok skip
	ok=$(grep -cE '^ok ' "$f" || true)
	skip=$(grep -cE '^ok .*# SKIP' "$f" || true)
	grep -E '^ok .*# SKIP' "$f" | sed 's/^/== skipped: /' >&2 || true
	nok=$(grep -cE '^not ok ' "$f" || true)
	passed=$((passed + ok - skip))
	failed=$((failed + nok))
	skipped=$((skipped + skip))
}

# Run a step that prints "ok"/"not ok" lines: its output goes to
# $CRM_WORK/<out>, lines matching <show> are shown, the ok/not ok lines are
# counted, and a step whose output lacks <done> (its last check) did not
# finish: one more failure.
#   run_tap_step <out> <show> <done> <name> command [args...]
run_tap_step() {
	local out="$CRM_WORK/$1" show=$2 done=$3 name=$4
	shift 4
	"$@" >"$out" 2>&1 || true
	grep -E "$show" "$out" >&2 || true
	count_tap "$out"
	if ! grep -qE "$done" "$out"; then
		crm_log "$name did not finish"
		tail -20 "$out" >&2
		failed=$((failed + 1))
	fi
}

# Count pg_regress results (PG <= 15 "test x ... ok" and PG >= 16 "ok N - x").
count_regress() {
	local f=$1 ok nok
	ok=$(grep -cE '^(ok [0-9]+ +[-+] |(\s*test )?\s*\S+\s+\.\.\.\s+ok\b)' "$f" || true)
	nok=$(grep -cE '^(not ok [0-9]+|(\s*test )?\s*\S+\s+\.\.\.\s+FAILED\b)' "$f" || true)
	passed=$((passed + ok))
	failed=$((failed + nok))
}

crm_ensure_packages
crm_build

if [ ! -d "$CRM_SHARED_DIR" ]; then
	if [ "${CRM_REQUIRE_SHARED:-0}" = 1 ]; then
		crm_log "reference directory $CRM_SHARED_DIR is missing (CRM_REQUIRE_SHARED=1)"
		failed=$((failed + 1))
	else
		crm_log "WARNING: reference directory $CRM_SHARED_DIR not found: conformance checks are SKIPPED"
	fi
fi

if want unit; then
	crm_log "unit tests of the numerical core (ASan/UBSan)"
	if make -C "$CRM_REPO" -s PG_CONFIG="$PG_CONFIG" test/unit/runner >"$CRM_WORK/unit-build.log" 2>&1; then
		(cd "$CRM_REPO" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			./test/unit/runner "$CRM_SHARED_DIR") >"$CRM_WORK/unit.out" 2>&1 || true
		grep -E '^(not ok|#   |# unit|# WARNING)|SKIP|ERROR|Sanitizer|runtime error' "$CRM_WORK/unit.out" >&2 || true
		count_tap "$CRM_WORK/unit.out"
		if ! grep -q '^# unit:' "$CRM_WORK/unit.out"; then
			crm_log "unit runner did not finish (crash?)"
			tail -30 "$CRM_WORK/unit.out" >&2
			failed=$((failed + 1))
		fi
	else
		cat "$CRM_WORK/unit-build.log" >&2
		crm_log "unit tests did not build"
		failed=$((failed + 1))
	fi
fi

crm_start_cluster

run_regress() {
	local label=$1 out=$2
	shift 2
	if env "$@" make -C "$CRM_REPO" -s PG_CONFIG="$PG_CONFIG" installcheck >"$out" 2>&1; then :; fi
	count_regress "$out"
	if grep -qE 'FAILED|not ok|failed \(ignored\)|could not|make: \*\*\*' "$out"; then
		sed -n '1,200p' "$out" >&2
		if [ -f "$CRM_REPO/regression.diffs" ]; then
			head -200 "$CRM_REPO/regression.diffs" >&2
			cp "$CRM_REPO/regression.diffs" "$CRM_WORK/regression-$label.diffs"
		fi
	fi
	if ! grep -qE 'tests passed|tests failed|of [0-9]+ tests' "$out"; then
		crm_log "pg_regress ($label) did not complete"
		failed=$((failed + 1))
	fi
}

if want regress; then
	crm_log "pg_regress suite"
	run_regress serial "$CRM_WORK/regress.out" PGOPTIONS=
fi

if want parallel; then
	crm_log "pg_regress suite again, with forced parallel query"
	if [ "$PG_MAJOR" -ge 16 ]; then
		run_regress parallel "$CRM_WORK/regress-parallel.out" PGOPTIONS="-c debug_parallel_query=regress"
	else
		run_regress parallel "$CRM_WORK/regress-parallel.out" PGOPTIONS="-c force_parallel_mode=regress"
	fi
fi

if want dump; then
	crm_log "pg_dump / pg_restore keep the extension's rows"
	run_tap_step dump.out '^not ok|^# WARNING|ERROR:' '^(not )?ok - pg_restore --clean with' \
		test/dump_restore.sh "$CRM_REPO/test/dump_restore.sh"
fi

if want upgrade; then
	crm_log "ALTER EXTENSION crm_ext UPDATE keeps data and ends like a fresh install"
	run_tap_step upgrade.out '^not ok|ERROR:' '^# upgrade:' \
		test/upgrade.sh "$CRM_REPO/test/upgrade.sh"
fi

if want load; then
	crm_log "load: pgbench writers while crm.refresh runs"
	run_tap_step load.out '^(not ok|# )|ERROR:' '^# concurrency:' \
		test/concurrency.sh "$CRM_REPO/test/concurrency.sh"
fi

if want concurrency; then
	crm_log "crm.refresh under concurrent inserts (two sessions)"
	run_tap_step concurrency.out '^not ok|ERROR:' '^(not )?ok - a refresh while another is open' \
		test/refresh_concurrency.sh "$CRM_REPO/test/refresh_concurrency.sh"
fi

if want fuzz; then
	# postgresql-server-dev-15 brings clang-14 but not its sanitizer and
	# libFuzzer runtimes (only recommended): install them for the decoder pass
	if [ -z "${CLANG:-}" ] && ! (crm_ensure_packages libclang-rt-14-dev) >"$CRM_WORK/fuzz-packages.log" 2>&1; then
		crm_log "could not install libclang-rt-14-dev (see $CRM_WORK/fuzz-packages.log)"
	fi
	CLANG=${CLANG:-$(command -v clang-14 || command -v clang || echo clang)}
	export CLANG
	fuzz_calls=${CRM_FUZZ_CALLS:-100000}
	fuzz_seconds=${CRM_FUZZ_SECONDS:-20}
	fuzz_seed=${CRM_FUZZ_SEED:-1}
	fuzz_out="$CRM_WORK/fuzz.out"
	crm_log "fuzzing: $fuzz_calls SQL calls (seed $fuzz_seed), ${fuzz_seconds}s of libFuzzer on the decoders"
	: >"$fuzz_out"
	if make -C "$CRM_REPO" -s PG_CONFIG="$PG_CONFIG" test/fuzz/sqlfuzz >"$CRM_WORK/fuzz-build.log" 2>&1; then
		crm_psql -d postgres -c 'DROP DATABASE IF EXISTS crm_fuzz' -c 'CREATE DATABASE crm_fuzz' 2>&1 | grep -v NOTICE || true
		crm_psql -d crm_fuzz -o /dev/null -c 'CREATE EXTENSION crm_ext' -c 'SELECT * FROM crm.generate_demo_data(200, 3)'
		started=$(crm_psql -d crm_fuzz -At -c 'SELECT pg_postmaster_start_time()')
		if PGDATABASE=crm_fuzz "$CRM_REPO/test/fuzz/sqlfuzz" -n "$fuzz_calls" -s "$fuzz_seed" -j 2 \
			>"$CRM_WORK/sqlfuzz.out" 2>&1; then rc=0; else rc=$?; fi
		grep -E '^# (CRASH|unexpected|NaN|a worker|too many|[0-9]+ ok|SQLSTATEs)|^sqlfuzz' "$CRM_WORK/sqlfuzz.out" >&2 || true
		summary=$(grep '^sqlfuzz: ' "$CRM_WORK/sqlfuzz.out" || true)
		if [ "$rc" = 0 ] && echo "$summary" | grep -q ' 0 crashes, 0 unexpected errors, 0 NaN results'; then
			echo "ok - ${summary#sqlfuzz: }" >>"$fuzz_out"
		else
			echo "not ok - sqlfuzz (exit $rc): ${summary:-did not finish}" >>"$fuzz_out"
			tail -40 "$CRM_WORK/sqlfuzz.out" >&2
		fi
		now=$(crm_psql -d crm_fuzz -At -c 'SELECT pg_postmaster_start_time()' 2>/dev/null || echo down)
		if [ "$now" = "$started" ] && ! grep -qE 'terminated by signal|TRAP:|server process .* exited' "$CRM_WORK/pg/server.log"; then
			echo "ok - the server did not restart during the SQL fuzz pass" >>"$fuzz_out"
		else
			echo "not ok - the server restarted or a backend died during the SQL fuzz pass" >>"$fuzz_out"
			grep -E 'terminated by signal|TRAP:|exited with' "$CRM_WORK/pg/server.log" | head >&2 || true
		fi
		crm_psql -d postgres -c 'DROP DATABASE IF EXISTS crm_fuzz' >/dev/null 2>&1 || true
	else
		cat "$CRM_WORK/fuzz-build.log" >&2
		echo "not ok - test/fuzz/sqlfuzz did not build" >>"$fuzz_out"
	fi
	if ! command -v "${CLANG:-clang}" >/dev/null 2>&1; then
		echo "ok - libFuzzer pass over the decoders # SKIP clang not installed" >>"$fuzz_out"
	elif make -C "$CRM_REPO" -s PG_CONFIG="$PG_CONFIG" test/fuzz/fuzz_decoders >"$CRM_WORK/fuzz-build.log" 2>&1; then
		mkdir -p "$CRM_WORK/fuzz-corpus"
		if (cd "$CRM_WORK" && ASAN_OPTIONS=detect_leaks=1 "$CRM_REPO/test/fuzz/fuzz_decoders" -seed="$fuzz_seed" \
			-max_total_time="$fuzz_seconds" -max_len=4096 "$CRM_WORK/fuzz-corpus" "$CRM_REPO/test/fuzz/corpus") >"$CRM_WORK/libfuzzer.out" 2>&1; then
			echo "ok - libFuzzer (ASan/UBSan) over the decoders: $(grep -oE 'Done [0-9]+ runs' "$CRM_WORK/libfuzzer.out" | cut -d' ' -f2) inputs, no finding" >>"$fuzz_out"
		else
			tail -40 "$CRM_WORK/libfuzzer.out" >&2
			echo "not ok - libFuzzer found a crash in the decoders (see above)" >>"$fuzz_out"
		fi
	elif ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'install ok installed'; then
		echo "ok - libFuzzer pass over the decoders # SKIP libclang-rt-14-dev (libFuzzer runtime) could not be installed" >>"$fuzz_out"
	else
		cat "$CRM_WORK/fuzz-build.log" >&2
		echo "not ok - test/fuzz/fuzz_decoders did not build" >>"$fuzz_out"
	fi
	cat "$fuzz_out"
	count_tap "$fuzz_out"
fi

if want conformance && [ -d "$CRM_SHARED_DIR" ]; then
	crm_log "conformance checks against $CRM_SHARED_DIR"
	crm_psql -d postgres -c 'DROP DATABASE IF EXISTS crm_conformance' -c 'CREATE DATABASE crm_conformance' 2>&1 | grep -v NOTICE || true
	PGDATABASE=crm_conformance "$CRM_REPO/test/conformance/load_reference.sh" "$CRM_SHARED_DIR" ||
		{ crm_log "loading the reference data failed"; failed=$((failed + 1)); }
	crm_psql -d crm_conformance -c 'CREATE EXTENSION crm_ext'
	for f in "$CRM_REPO"/test/conformance/*.sql; do
		[ -e "$f" ] || continue
		out="$CRM_WORK/conformance-$(basename "$f" .sql).out"
		if ! crm_psql -d crm_conformance -At -v shared="$CRM_SHARED_DIR" -f "$f" >"$out" 2>&1; then
			echo "not ok - $(basename "$f"): script error" >>"$out"
		fi
		grep -E '^(not ok|# )|ERROR' "$out" >&2 || true
		count_tap "$out"
	done
fi

if want report; then
	crm_log "HTML report: written from demo data, parsed, rendered in headless Chromium"
	crm_psql -d postgres -c 'DROP DATABASE IF EXISTS crm_report' -c 'CREATE DATABASE crm_report' 2>&1 | grep -v NOTICE || true
	mkdir -p "$CRM_WORK/report"
	if "$CRM_REPO/test/report.sh" --demo -o "$CRM_WORK/report/crm_report.html" -d crm_report >"$CRM_WORK/report.log" 2>&1; then
		CRM_REPORT_MIN_CHARTS=10 "$CRM_REPO/test/report_check.sh" "$CRM_WORK/report/crm_report.html" >"$CRM_WORK/report_check.out" 2>&1 || true
		grep -E '^(not ok|ok)' "$CRM_WORK/report_check.out" >&2 || true
		count_tap "$CRM_WORK/report_check.out"
		if ! grep -qE '^(not )?ok - report: dark screenshot|headless Chromium took no dark|^not ok - report: installing' "$CRM_WORK/report_check.out"; then
			crm_log "test/report_check.sh did not finish"
			tail -20 "$CRM_WORK/report_check.out" >&2
			failed=$((failed + 1))
		fi
	else
		tail -30 "$CRM_WORK/report.log" >&2
		crm_log "test/report.sh failed"
		failed=$((failed + 1))
	fi
fi

if want bench; then
	# a tiny run (2000 customers) that checks the benchmark works, not speed
	crm_log "benchmark smoke run (bench/run.sh --smoke)"
	crm_psql -d postgres -c 'DROP DATABASE IF EXISTS crm_bench' -c 'CREATE DATABASE crm_bench' >/dev/null 2>&1 || true
	run_tap_step bench.out '^not ok|ERROR' '^(not )?ok - bench: parallel plans' \
		"bench/run.sh --smoke" env PGDATABASE=crm_bench "$CRM_REPO/bench/run.sh" --smoke --use-env
fi

if [ "$skipped" -gt 0 ]; then
	crm_log "WARNING: $skipped checks were SKIPPED (listed above as \"skipped\")"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
