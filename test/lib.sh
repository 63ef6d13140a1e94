# test/lib.sh: set-up shared by test/check.sh, test/demo.sh and bench/run.sh.
#
# Sourced, not run.  Provides:
#   crm_ensure_packages   install missing Debian packages (apt-get; sudo when not root)
#   crm_build             build the module and install it into $CRM_WORK/install
#   crm_start_cluster     initdb + start a throwaway server on a private socket
#   crm_psql ...          psql against that server
# and removes the cluster and its directory on exit (CRM_KEEP=1 keeps them).
#
# Environment:
#   PG_MAJOR      PostgreSQL major version to use (default 15)
#   PG_CONFIG     pg_config to build against (default /usr/lib/postgresql/$PG_MAJOR/bin/pg_config)
#   PG_CFLAGS     extra compiler flags (CI adds -Werror and assertions)
#   CRM_PORT      port number of the throwaway server (default 54329; the socket
#                 is private, so the port cannot clash with another server)
#   CRM_KEEP      1 = leave the server running and its directory in place

set -eu

CRM_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
CRM_PORT=${CRM_PORT:-54329}
CRM_KEEP=${CRM_KEEP:-0}
CRM_WORK=""

crm_log() {
	printf '== %s\n' "$*" >&2
}

crm_die() {
	printf 'error: %s\n' "$*" >&2
	exit 2
}

# Run a command as root: directly when we are root, else through sudo.
crm_as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		crm_die "need root (or sudo) to run: $*"
	fi
}

# Install the Debian packages the build and the tests need, if missing.
crm_ensure_packages() {
	local wanted="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR build-essential libnlopt-dev ca-certificates $*"
	local missing="" p
	for p in $wanted; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing="$missing $p"
		fi
	done
	if [ -n "$missing" ]; then
		crm_log "installing Debian packages:$missing"
		crm_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		# shellcheck disable=SC2086
		crm_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
	PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
	[ -x "$PG_CONFIG" ] || crm_die "pg_config not found at $PG_CONFIG"
	PG_BINDIR=$("$PG_CONFIG" --bindir)
	export PG_CONFIG PG_BINDIR
}

# Make the private work directory (removed on exit unless CRM_KEEP=1).
crm_make_workdir() {
	[ -n "$CRM_WORK" ] && return 0
	CRM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/crm_ext.XXXXXX")
	chmod 755 "$CRM_WORK"
	trap crm_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Build the module and install it under $CRM_WORK/install (extension_destdir).
crm_build() {
	crm_make_workdir
	crm_log "building crm_ext ($("$PG_CONFIG" --version))"
	make -C "$CRM_REPO" -s PG_CONFIG="$PG_CONFIG" ${PG_CFLAGS:+PG_CFLAGS="$PG_CFLAGS"} all >"$CRM_WORK/build.log" 2>&1 ||
		{ cat "$CRM_WORK/build.log" >&2; crm_die "build failed"; }
	make -C "$CRM_REPO" -s PG_CONFIG="$PG_CONFIG" DESTDIR="$CRM_WORK/install" install >>"$CRM_WORK/build.log" 2>&1 ||
		{ cat "$CRM_WORK/build.log" >&2; crm_die "install into $CRM_WORK/install failed"; }
}

# Run a server binary as the postgres user when we are root (initdb refuses root).
crm_as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# initdb and start a throwaway server: private socket directory, no TCP.
crm_start_cluster() {
	crm_make_workdir
	# everything the server writes lives under $CRM_WORK/pg, owned by the server's user
	local pgdir="$CRM_WORK/pg"
	local data="$pgdir/data" sock="$pgdir/sock"
	mkdir -p "$data" "$sock"
	if [ "$(id -u)" = 0 ]; then
		chown -R postgres: "$pgdir"
	fi
	crm_log "starting a throwaway PostgreSQL $PG_MAJOR in $CRM_WORK (socket only, port $CRM_PORT)"
	crm_as_pg "$PG_BINDIR/initdb" -D "$data" -U postgres --auth=trust --no-sync \
		--encoding=UTF8 --locale=C.UTF-8 >"$CRM_WORK/initdb.log" 2>&1 ||
		{ cat "$CRM_WORK/initdb.log" >&2; crm_die "initdb failed"; }
	cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$sock'
port = $CRM_PORT
extension_destdir = '$CRM_WORK/install'
fsync = off
synchronous_commit = off
full_page_writes = off
max_worker_processes = 8
max_parallel_workers = 4
shared_buffers = 256MB
timezone = 'UTC'
lc_messages = 'C'
EOF
	crm_as_pg "$PG_BINDIR/pg_ctl" -D "$data" -l "$pgdir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$pgdir/server.log" >&2; crm_die "server did not start"; }
	CRM_STARTED=1
	export PGHOST="$sock" PGPORT="$CRM_PORT" PGUSER=postgres PGDATABASE=postgres
	unset PGPASSWORD PGSERVICE PGOPTIONS 2>/dev/null || true
}

crm_psql() {
	"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# Stop the server and remove the work directory (keep both with CRM_KEEP=1).
crm_cleanup() {
	local rc=$?
	if [ -n "$CRM_WORK" ] && [ "$CRM_KEEP" != 1 ]; then
		if [ "${CRM_STARTED:-0}" = 1 ]; then
			crm_as_pg "$PG_BINDIR/pg_ctl" -D "$CRM_WORK/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
		fi
		rm -rf "$CRM_WORK"
	elif [ -n "$CRM_WORK" ]; then
		crm_log "kept: server running with PGHOST=$CRM_WORK/pg/sock PGPORT=$CRM_PORT PGUSER=postgres"
		crm_log "stop it with: runuser -u postgres -- $PG_BINDIR/pg_ctl -D $CRM_WORK/pg/data stop; rm -rf $CRM_WORK"
	fi
	return $rc
}
