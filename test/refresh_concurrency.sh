#!/usr/bin/env bash
# test/refresh_concurrency.sh: crm.refresh under concurrent inserts.
#
# Run by test/check.sh against its throwaway server (PGHOST, PGPORT, PGUSER
# and PG_BINDIR set; the extension installed there).  In a fresh database
# with demo data: two sessions insert interactions one transaction at a
# time while two other sessions run CALL crm.refresh() repeatedly.  Checks:
# every inserted row is there, the only errors are the documented 55P03
# ("another crm.refresh is running") of overlapping refreshes, no deadlock,
# one active model per kind, and a final refresh sees every row; also that
# a refresh held open in a transaction makes a second one fail at once with
# 55P03 rather than wait.  Prints "ok - ..." / "not ok - ..." lines; exit
# status 1 if any check failed.
set -eu

bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
db=crm_refresh_conc
work=$(mktemp -d "${TMPDIR:-/tmp}/crm_refresh.XXXXXX")
failures=0
per_session=${CRM_CONC_ROWS:-200}

psql_() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
val() { psql_ -At -d "$db" -c "$1"; }
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	failures=$((failures + 1))
}
check() {
	local what=$1 got=$2 want=$3
	if [ "$got" = "$want" ]; then ok "$what"; else not_ok "$what: got '$got', want '$want'"; fi
}
cleanup() {
	psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" 2>&1 | grep -v NOTICE || true
psql_ -d postgres -c "CREATE DATABASE $db"
psql_ -d "$db" -c 'CREATE EXTENSION crm_ext' -c 'SELECT * FROM crm.generate_demo_data(500, 3)' >/dev/null
before=$(val "SELECT count(*) FROM crm.interactions")

# inserters: one row per transaction, tagged with their source
inserter() {
	local tag=$1
	psql_ -d "$db" >"$work/ins-$tag.out" 2>&1 <<EOF
DO \$\$
BEGIN
	FOR i IN 1..$per_session LOOP
		INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount, source, external_id)
		VALUES (1 + (i * 7) % 500, '2024-12-31 12:00+00', 'purchase', 10 + i % 50, 'conc-$tag', i::text);
		COMMIT;
		PERFORM pg_sleep(0.002);
	END LOOP;
END
\$\$;
EOF
}

# refreshers: CALL crm.refresh() a few times each; errors are collected
refresher() {
	local tag=$1 k
	for k in 1 2 3 4; do
		psql_ -d "$db" -c "SET client_min_messages = warning" -c "CALL crm.refresh()" \
			>>"$work/ref-$tag.out" 2>&1 || true
	done
}

inserter A &
pa=$!
inserter B &
pb=$!
refresher 1 &
p1=$!
refresher 2 &
p2=$!
ins_ok=1
wait "$pa" || ins_ok=0
wait "$pb" || ins_ok=0
wait "$p1" || true
wait "$p2" || true

if [ "$ins_ok" = 1 ] && ! grep -q ERROR "$work/ins-A.out" "$work/ins-B.out"; then
	ok "two sessions inserted $per_session rows each while crm.refresh ran, without errors"
else
	not_ok "inserting sessions failed: $(cat "$work/ins-A.out" "$work/ins-B.out" | head -5)"
fi
check "no inserted row lost" \
	"$(val "SELECT count(*) FROM crm.interactions WHERE source IN ('conc-A', 'conc-B')")" "$((2 * per_session))"
check "interactions before + inserted = after" "$(val "SELECT count(*) FROM crm.interactions")" \
	"$((before + 2 * per_session))"
other=$(cat "$work"/ref-*.out | grep -E 'ERROR' | grep -vc 'another crm.refresh is running' || true)
busy=$(cat "$work"/ref-*.out | grep -c 'another crm.refresh is running' || true)
runs=8
if [ "$other" = 0 ]; then
	ok "8 concurrent refreshes: $((runs - busy)) ran, $busy refused with 55P03, no other error"
else
	not_ok "refresh errors other than 55P03: $(grep ERROR "$work"/ref-*.out | grep -v 'another crm.refresh' | head -3)"
fi
if cat "$work"/*.out | grep -qi deadlock; then
	not_ok "a deadlock was reported"
else
	ok "no deadlock"
fi
check "one active model per kind" \
	"$(val "SELECT string_agg(kind || ':' || n, ',' ORDER BY kind) FROM (SELECT kind, count(*) AS n FROM crm.models WHERE is_active GROUP BY kind) s")" \
	"bgnbd:1,gamma_gamma:1"

# a final refresh sees every row; the materialised view has every customer
psql_ -d "$db" -c "SET client_min_messages = warning" -c "CALL crm.refresh()"
check "after a final refresh the model was fitted on all customers" \
	"$(val "SELECT n_customers::bigint FROM crm.models WHERE kind = 'bgnbd' AND is_active")" \
	"$(val "SELECT count(DISTINCT customer_id) FROM crm.interactions WHERE kind = 'purchase'")"
check "crm.customer_value_mat has every customer" \
	"$(val "SELECT count(*) FROM crm.customer_value_mat")" "$(val "SELECT count(*) FROM crm.customers")"
check "crm.customer_value_mat equals crm.customer_value" \
	"$(val "SELECT count(*) FROM crm.customer_value v FULL JOIN crm.customer_value_mat m USING (customer_id) WHERE v::text IS DISTINCT FROM m::text")" "0"

# a refresh held open: a second one fails at once with 55P03
psql_ -d "$db" -c "SET client_min_messages = warning" -c "BEGIN" -c "CALL crm.refresh()" \
	-c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null 2>&1 &
ph=$!
sleep 1
start=$(date +%s)
second=$(psql_ -d "$db" -c "\\set VERBOSITY sqlstate" -c "CALL crm.refresh()" 2>&1 || true)
took=$(($(date +%s) - start))
wait "$ph" || true
if printf '%s' "$second" | grep -q '55P03' && [ "$took" -le 1 ]; then
	ok "a refresh while another is open fails at once with 55P03"
else
	not_ok "second refresh: '$second' after ${took}s"
fi

[ "$failures" -eq 0 ]
