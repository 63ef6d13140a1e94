#!/usr/bin/env bash
# test/report.sh: write the model validation report, one self-contained HTML
# page (inline SVG charts from the extension, inline CSS for light and dark
# viewers, the validation tables).  `make report` runs it.
#
#   test/report.sh                   throwaway cluster + demo data
#                                    -> report/crm_report.html
#   test/report.sh [--demo] [-o FILE] [psql connection options...]
#                                    report on an existing database (with
#                                    crm_ext and data in crm.interactions);
#                                    --demo first creates the extension
#                                    (if missing) and loads demo data
#
# Environment:
#   CRM_DEMO_CUSTOMERS          demo customers (default 5000)
#   CRM_REPORT_CALIBRATION_END  end of the calibration period (timestamptz;
#                               default: halfway between the first purchase
#                               and the observation end)
#   CRM_REPORT_OBSERVATION_END  end of the holdout period (default: the day
#                               after the last purchase)
#   CRM_REPORT_UNIT             time unit of the models (default '7 days')

set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

out="$repo/report/crm_report.html"
demo=0
psql_args=()
while [ $# -gt 0 ]; do
	case "$1" in
		-o) out=$2; shift 2 ;;
		--demo) demo=1; shift ;;
		-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
		*) psql_args+=("$1"); shift ;;
	esac
done

if [ ${#psql_args[@]} -eq 0 ]; then
	# no connection given: a throwaway cluster with demo data
	. "$here/lib.sh"
	crm_ensure_packages
	crm_build
	crm_start_cluster
	demo=1
	psql_args=(-d postgres)
	PSQL="$PG_BINDIR/psql"
else
	PSQL=${PSQL:-psql}
	if [ -n "${PG_CONFIG:-}" ]; then PSQL="$("$PG_CONFIG" --bindir)/psql"; fi
fi

q() {
	"$PSQL" -X -q -v ON_ERROR_STOP=1 "${psql_args[@]}" "$@"
}

if [ "$demo" = 1 ]; then
	echo "== loading ${CRM_DEMO_CUSTOMERS:-5000} demo customers" >&2
	q -c 'CREATE EXTENSION IF NOT EXISTS crm_ext' >/dev/null
	q -At -c "SELECT crm.generate_demo_data(${CRM_DEMO_CUSTOMERS:-5000}, (SELECT value::bigint FROM crm.settings WHERE name = 'demo.seed'))" >/dev/null
fi

# the periods: from the data unless given
obs_end=${CRM_REPORT_OBSERVATION_END:-$(q -At -c "SELECT date_trunc('day', max(occurred_at)) + interval '1 day' FROM crm.interactions WHERE kind = 'purchase'")}
cal_end=${CRM_REPORT_CALIBRATION_END:-$(echo "SELECT date_trunc('day', min(occurred_at) + (:'obs_end'::timestamptz - min(occurred_at)) / 2) FROM crm.interactions WHERE kind = 'purchase'" |
	q -At -v obs_end="$obs_end")}
unit=${CRM_REPORT_UNIT:-7 days}
if [ -z "$obs_end" ]; then
	echo "error: crm.interactions has no purchases to report on" >&2
	exit 2
fi

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
# keep lib.sh's cleanup (stops the throwaway server) when it set one
if [ "$(type -t crm_cleanup)" = function ]; then
	trap 'rm -f "$tmp"; crm_cleanup' EXIT
else
	trap 'rm -f "$tmp"' EXIT
fi
echo "== writing $out (calibration to $cal_end, holdout to $obs_end, unit $unit)" >&2
q -v cal_end="$cal_end" -v obs_end="$obs_end" -v unit="$unit" -f "$here/report.sql" -o "$tmp"
# psql's HTML tables write empty cells as &nbsp;, which XML does not define
sed -e 's/&nbsp;/\&#160;/g' "$tmp" >"$out"
echo "== wrote $out ($(wc -c <"$out") bytes)" >&2
