#!/usr/bin/env bash
# Redis and PostgreSQL for development, tests and CI.
#
#   bash scripts/services.sh [up|down|status|restart-postgres|stop-postgres|start-postgres|stop-redis|start-redis]
#
# Targets the same variables the worker reads:
#   REDIS_URL     default redis://127.0.0.1:6379
#   DATABASE_URL  default postgres://ragworker:ragworker@127.0.0.1:5432/ragworker
# Nothing is exported: callers keep using these variables (or their defaults).
#
# up (default)      A service that already answers at its URL is used as is. A PostgreSQL that answers
#                   on a local host but refuses the URL's login (the Debian system cluster, say) gets
#                   the URL's role (LOGIN CREATEDB, the URL's password) and database. When nothing
#                   answers and the URL's host is local (127.0.0.1, localhost, ::1), missing packages
#                   are installed with apt-get (as root or with sudo) and a project-owned instance is
#                   started. Idempotent; after a machine restart it starts the instances again.
#                   pgvector: when the server lacks the `vector` extension and is a local Debian
#                   PostgreSQL, it is installed (the distribution's postgresql-<major>-pgvector where
#                   apt has one, else ../shared/scripts/install-pgvector.sh <major> beside the
#                   checkout); then, through a superuser socket, `vector` is created in template1 (so
#                   every new database, the tests' included, has it; a non-superuser cannot create
#                   it) and in the URL's database. A database made from template0 has no `vector`
#                   (the tests' real[] path). When none of this is possible it says so in one line
#                   and goes on.
# down              Stops only the instances this script started.
# status            One line per service; exit 1 when one is not usable.
# restart-postgres  Restarts PostgreSQL (fast shutdown: clients are disconnected). For fault tests.
# stop-postgres     Stops the project PostgreSQL cluster (fast shutdown). For fault tests.
# start-postgres    Starts it again (same as `up` for PostgreSQL alone).
# stop-redis        Stops the project Redis. For fault tests.
# start-redis       Starts it again (same as `up` for Redis alone).
# runtime-tools     Installs the Debian packages the worker itself runs (OCR: tesseract and its
#                   languages, poppler's pdftoppm), listed in scripts/runtime-packages.txt.
# test-tools        Installs the tools the tests use besides the services (promtool, prometheus;
#                   redis-sentinel for the Sentinel failover test; imagemagick for the OCR tests'
#                   images; chromium for the operator web view's browser test), and the runtime tools.
#
# Project-owned state lives under $RAGWORKER_STATE_DIR (default /var/tmp/ragworker as root,
# /var/tmp/ragworker-<uid> otherwise), one directory per port, outside the repository because the
# PostgreSQL server runs as the `postgres` OS user, which may not be able to enter the checkout:
#   redis-<port>/  redis.pid, redis.log      (no persistence unless REDIS_APPENDONLY=yes)
#   pg-<port>/     data/, socket/, postgresql.log, initdb.log   (owned by `postgres` when run as root)
# SERVICES_WAIT_SECONDS (default 30) bounds each wait. Passwords are never printed.
# REDIS_APPENDONLY=yes starts a new Redis instance with an append-only file (fsync every second), so
# a stop-redis/start-redis keeps the queue, as a production Redis would; the fault suite uses it.
set -euo pipefail

REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DATABASE_URL="${DATABASE_URL:-postgres://ragworker:ragworker@127.0.0.1:5432/ragworker}"
WAIT_SECONDS="${SERVICES_WAIT_SECONDS:-30}"

IS_ROOT=0
if [ "$(id -u)" -eq 0 ]; then IS_ROOT=1; fi
if [ -n "${RAGWORKER_STATE_DIR:-}" ]; then
  STATE_ROOT="$RAGWORKER_STATE_DIR"
elif [ "$IS_ROOT" = 1 ]; then
  STATE_ROOT=/var/tmp/ragworker
else
  STATE_ROOT="/var/tmp/ragworker-$(id -u)"
fi
SYSTEM_PG_SOCKET_DIR=/var/run/postgresql

say() { printf '%s\n' "$*"; }
die() {
  printf 'services.sh: error: %s\n' "$*" >&2
  exit 1
}

[[ "$WAIT_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "SERVICES_WAIT_SECONDS must be a positive integer"
command -v node >/dev/null 2>&1 || die "node (Node.js 20) is required"

is_local_host() {
  case "$1" in
    127.0.0.1 | localhost | ::1) return 0 ;;
    *) return 1 ;;
  esac
}

# Prints the parts of a URL, one per line: host, port, user, password, database, tls (0/1), the URL
# without its password, then "end". $1 is redis or pg. The URL travels in the environment, not in
# argv, and error messages never repeat it (it may hold a password).
parse_url() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  RW_KIND="$1" RW_URL="$2" node -e '
    const kind = process.env.RW_KIND;
    const name = kind === "redis" ? "REDIS_URL" : "DATABASE_URL";
    const fail = (m) => {
      console.error(`services.sh: error: ${name}: ${m}`);
      process.exit(1);
    };
    let u;
    try {
      u = new URL(process.env.RW_URL);
    } catch {
      fail("not a valid URL");
    }
    const schemes = kind === "redis" ? ["redis:", "rediss:"] : ["postgres:", "postgresql:"];
    if (!schemes.includes(u.protocol)) fail(`the scheme must be ${schemes.join(" or ")}`);
    const dec = (s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return fail("bad percent-encoding");
      }
    };
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
    if (!host) fail("must name a host");
    const user = dec(u.username);
    const password = dec(u.password);
    const port = u.port || (kind === "redis" ? "6379" : "5432");
    const database = dec(u.pathname.replace(/^\//, ""));
    if (kind === "pg" && !user) fail("must name a user");
    const fields = [host, port, user, password, kind === "pg" ? database || user : database];
    fields.push(u.protocol === "rediss:" ? "1" : "0");
    if (fields.some((f) => /[\r\n]/.test(f))) fail("line breaks are not supported");
    u.password = "";
    process.stdout.write([...fields, u.href, "end"].join("\n") + "\n");
  '
}

# --------------------------------------------------------------------------------------------------
# Packages

APT_UPDATED=0
# Installs Debian's PACKAGE (no recommends) unless PROGRAM, a name on PATH or a path, is already
# there; dies naming both if the package did not bring it.
ensure_program() {
  local package="$1" program="$2" found
  if found="$(command -v "$program")"; then
    say "${program##*/}: $found"
    return
  fi
  apt_install --no-install-recommends "$package"
  command -v "$program" >/dev/null 2>&1 || die "the $package package did not install $program"
  say "${program##*/}: installed (Debian package $package)"
}

apt_install() {
  local sudo=() log="$STATE_ROOT/apt.log"
  if [ "$IS_ROOT" != 1 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      die "missing $*: install with 'sudo apt-get install -y $*' or run this script as root"
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing $* and there is no apt-get here; install $* yourself"
  say "services: installing $* with apt-get (log $log)"
  if [ "$APT_UPDATED" = 0 ]; then
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >>"$log" 2>&1 9>&-; then
      tail -n 20 "$log" >&2
      die "apt-get update failed; see $log"
    fi
    APT_UPDATED=1
  fi
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$log" 2>&1 9>&-; then
    tail -n 20 "$log" >&2
    die "apt-get install $* failed; see $log"
  fi
}

# --------------------------------------------------------------------------------------------------
# Helpers

# Prints the pid in pid file $1 when that process is alive and its command line matches regex $2.
live_pid() {
  local pid
  pid="$(head -n 1 "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -Eq -- "$2" || return 1
  printf '%s\n' "$pid"
}

# Waits up to $2 seconds for process $1 to exit; returns 1 if it is still there.
wait_exit() {
  local deadline=$((SECONDS + $2))
  while [ -e "/proc/$1" ]; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

log_tail() {
  if [ -r "$1" ]; then
    printf -- '--- last lines of %s ---\n' "$1" >&2
    tail -n 15 "$1" >&2 || true
  fi
}

make_state_root() {
  if [ ! -d "$STATE_ROOT" ]; then
    mkdir -p "$STATE_ROOT"
    chmod 755 "$STATE_ROOT"
  fi
}

# Serializes up/down/restart between concurrent callers. The lock descriptor (9) is closed for the
# daemons started under it, or they would hold the lock for as long as they live.
take_lock() {
  make_state_root
  if command -v flock >/dev/null 2>&1; then
    exec 9>>"$STATE_ROOT/services.lock"
    flock -w 120 9 || die "another services.sh has held $STATE_ROOT/services.lock for 120 s"
  fi
}

# --------------------------------------------------------------------------------------------------
# Runtime packages: what the worker runs besides Node (scripts/runtime-packages.txt)

install_runtime_packages() {
  local list="$(dirname "${BASH_SOURCE[0]}")/runtime-packages.txt" missing=() package
  while read -r package; do
    # dpkg-query's status, not `command -v`: a language pack has no command of its own.
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
  if [ "${#missing[@]}" -eq 0 ]; then
    say "runtime packages: installed ($(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list" | tr '\n' ' '| sed 's/ $//'))"
  else
    apt_install --no-install-recommends "${missing[@]}"
    say "runtime packages: installed ${missing[*]} (Debian)"
  fi
}

# --------------------------------------------------------------------------------------------------
# Redis

load_redis_url() {
  local out
  out="$(parse_url redis "$REDIS_URL")" || exit 1
  local f
  mapfile -t f <<<"$out"
  [ "${f[7]:-}" = end ] || die "REDIS_URL: could not be parsed"
  R_HOST="${f[0]}" R_PORT="${f[1]}" R_USER="${f[2]}" R_PASS="${f[3]}" R_TLS="${f[5]}"
  R_DIR="$STATE_ROOT/redis-$R_PORT"
  R_PIDFILE="$R_DIR/redis.pid"
  R_LOG="$R_DIR/redis.log"
}

# Speaks RESP directly (no redis-cli needed): AUTH when the URL has a password, then PING.
# Exit 0: PONG. 3: something answers but refuses (message on stderr). 2: no usable answer yet.
redis_probe() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  RW_HOST="$R_HOST" RW_PORT="$R_PORT" RW_USER="$R_USER" RW_PASS="$R_PASS" RW_TLS="$R_TLS" node -e '
    const net = require("node:net");
    const tls = require("node:tls");
    const { RW_HOST: host, RW_PORT: port, RW_USER: user, RW_PASS: pass, RW_TLS: useTls } = process.env;
    const resp = (args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
    const commands = [];
    if (pass) commands.push(user ? ["AUTH", user, pass] : ["AUTH", pass]);
    commands.push(["PING"]);
    const options = { host, port: Number(port), servername: host };
    const sock = useTls === "1" ? tls.connect(options) : net.connect(options);
    const done = (code, message) => {
      if (message) console.error(message);
      sock.destroy();
      process.exit(code);
    };
    sock.setTimeout(3000, () => done(2, "no answer within 3 s"));
    sock.on(useTls === "1" ? "secureConnect" : "connect", () => sock.write(commands.map(resp).join("")));
    sock.on("error", (e) => done(2, e.code || e.message));
    sock.on("close", () => done(2, "connection closed"));
    let buffer = "";
    sock.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      const lines = buffer.split("\r\n").slice(0, -1);
      const error = lines.find((l) => l.startsWith("-"));
      if (error) done(/^-(LOADING|BUSY|MASTERDOWN)/.test(error) ? 2 : 3, error.slice(1));
      if (lines.length >= commands.length) {
        const last = lines[lines.length - 1];
        done(last === "+PONG" ? 0 : 3, last === "+PONG" ? "" : "it does not speak Redis");
      }
    });
  '
}

redis_our_pid() { live_pid "$R_PIDFILE" "redis-server.*:$R_PORT"; }

# Quotes a value for a redis.conf line.
redis_quote() {
  local s="${1//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

redis_start() {
  mkdir -p "$R_DIR"
  local bind=(127.0.0.1) conf="" pid persistence=(--appendonly no)
  if [ "${REDIS_APPENDONLY:-no}" = yes ]; then persistence=(--appendonly yes --appendfsync everysec); fi
  case "$R_HOST" in
    ::1) bind=(::1) ;;
    localhost) bind=(127.0.0.1 -::1) ;; # "-": skip ::1 where IPv6 is off
  esac
  # A password in the URL becomes the instance's password. It goes in through stdin ("-"), not argv.
  if [ -n "$R_PASS" ]; then
    if [ -n "$R_USER" ] && [ "$R_USER" != default ]; then
      conf="user $(redis_quote "$R_USER") on $(redis_quote ">$R_PASS") $(redis_quote '~*') $(redis_quote '&*') +@all"
    else
      conf="requirepass $(redis_quote "$R_PASS")"
    fi
  fi
  # A pid file left by a previous boot is simply overwritten.
  rm -f "$R_PIDFILE"
  # shellcheck disable=SC2094 # redis-server appends to its log; the startup errors go there too
  if ! printf '%s\n' "$conf" | redis-server - --port "$R_PORT" --bind "${bind[@]}" --daemonize yes \
    --dir "$R_DIR" --save '' "${persistence[@]}" --maxmemory-policy noeviction \
    --pidfile "$R_PIDFILE" --logfile "$R_LOG" >>"$R_LOG" 2>&1 9>&-; then
    log_tail "$R_LOG"
    die "redis: redis-server did not start; see $R_LOG"
  fi
  local deadline=$((SECONDS + WAIT_SECONDS)) started=$SECONDS
  until redis_probe 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log_tail "$R_LOG"
      die "redis: no answer at $R_HOST:$R_PORT after ${WAIT_SECONDS}s; see $R_LOG"
    fi
    if [ $((SECONDS - started)) -ge 2 ] && ! redis_our_pid >/dev/null; then
      log_tail "$R_LOG"
      die "redis: redis-server exited right after starting; see $R_LOG"
    fi
    sleep 0.2
  done
}

# Returns 1 when there is no running instance that this script started.
redis_stop() {
  local pid
  if ! pid="$(redis_our_pid)"; then
    rm -f "$R_PIDFILE"
    return 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_exit "$pid" 15; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 5 || die "redis: pid $pid did not exit"
  fi
  rm -f "$R_PIDFILE"
}

redis_up() {
  load_redis_url
  local rc=0 message pid
  message="$(redis_probe 2>&1)" || rc=$?
  if [ "$rc" = 0 ]; then
    if pid="$(redis_our_pid)"; then
      say "redis: project instance already running at $R_HOST:$R_PORT (pid $pid, log $R_LOG)"
    else
      say "redis: using existing at $R_HOST:$R_PORT"
    fi
    return 0
  fi
  [ "$rc" = 2 ] || die "redis: something answers at $R_HOST:$R_PORT but refuses: $message (check REDIS_URL)"
  is_local_host "$R_HOST" ||
    die "redis: nothing answers at $R_HOST:$R_PORT ($message); the host is not local, so no instance is started"
  [ "$R_TLS" = 0 ] || die "redis: a local project instance speaks plain redis://, not rediss://"
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
    # On a machine where apt starts services, the Debian instance may answer now.
    if redis_probe 2>/dev/null; then
      say "redis: using existing at $R_HOST:$R_PORT (started by the redis-server package)"
      return 0
    fi
  fi
  make_state_root
  redis_start
  pid="$(redis_our_pid || echo '?')"
  say "redis: started project instance at $R_HOST:$R_PORT (pid $pid, dir $R_DIR, log $R_LOG, appendonly ${REDIS_APPENDONLY:-no})"
}

redis_down() {
  load_redis_url
  if redis_stop; then
    say "redis: stopped project instance at $R_HOST:$R_PORT"
  else
    say "redis: no project instance running at $R_HOST:$R_PORT; nothing stopped"
  fi
}

redis_status() {
  load_redis_url
  local rc=0 message pid
  message="$(redis_probe 2>&1)" || rc=$?
  case "$rc" in
    0)
      if pid="$(redis_our_pid)"; then
        say "redis: up at $R_HOST:$R_PORT (project instance, pid $pid, log $R_LOG)"
      else
        say "redis: up at $R_HOST:$R_PORT (not started by this script)"
      fi
      ;;
    3)
      say "redis: answers at $R_HOST:$R_PORT but refuses: $message"
      return 1
      ;;
    *)
      say "redis: DOWN at $R_HOST:$R_PORT ($message)"
      return 1
      ;;
  esac
}

# --------------------------------------------------------------------------------------------------
# PostgreSQL

load_pg_url() {
  local out
  out="$(parse_url pg "$DATABASE_URL")" || exit 1
  local f
  mapfile -t f <<<"$out"
  [ "${f[7]:-}" = end ] || die "DATABASE_URL: could not be parsed"
  P_HOST="${f[0]}" P_PORT="${f[1]}" P_USER="${f[2]}" P_PASS="${f[3]}" P_DB="${f[4]}" P_URL_NOPW="${f[6]}"
  P_DIR="$STATE_ROOT/pg-$P_PORT"
  P_DATA="$P_DIR/data"
  P_SOCK="$P_DIR/socket"
  P_LOG="$P_DIR/postgresql.log"
}

# Server binaries: Debian keeps them in /usr/lib/postgresql/<version>/bin (newest wins).
pg_bindir() {
  local d
  d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then
    printf '%s\n' "$d"
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  else
    return 1
  fi
}

# Client tools: the Debian wrappers in /usr/bin, else the server's bin directory.
find_pg_clients() {
  local bindir=""
  bindir="$(pg_bindir || true)"
  PSQL="$(command -v psql || true)"
  PG_ISREADY="$(command -v pg_isready || true)"
  if [ -z "$PSQL" ] && [ -n "$bindir" ] && [ -x "$bindir/psql" ]; then PSQL="$bindir/psql"; fi
  if [ -z "$PG_ISREADY" ] && [ -n "$bindir" ] && [ -x "$bindir/pg_isready" ]; then PG_ISREADY="$bindir/pg_isready"; fi
  [ -n "$PSQL" ] && [ -n "$PG_ISREADY" ]
}

ensure_pg_clients() {
  find_pg_clients && return 0
  if is_local_host "$P_HOST"; then apt_install postgresql; else apt_install postgresql-client; fi
  find_pg_clients || die "postgresql: psql and pg_isready are still missing after installing"
}

# Runs a command as the OS user that owns the project cluster (PostgreSQL refuses to run as root),
# from / because the checkout may be a directory that user cannot enter.
as_pg() {
  if [ "$IS_ROOT" = 1 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# pg_isready's code: 0 accepting, 1 rejecting (starting up), 2 no answer, 3 bad parameters.
pg_ready_code() {
  local rc=0
  "$PG_ISREADY" -q -h "$P_HOST" -p "$P_PORT" -t 3 || rc=$?
  printf '%s\n' "$rc"
}

# Logs in with the URL (its password through the environment). Failure message on stderr.
pg_login() {
  (
    if [ -n "$P_PASS" ]; then export PGPASSWORD="$P_PASS"; fi
    export PGCONNECT_TIMEOUT=5
    "$PSQL" -X -w -A -t -q -d "$P_URL_NOPW" -c 'SELECT 1' 2>&1 >/dev/null | sed 's/^psql: error: //' >&2
    exit "${PIPESTATUS[0]}"
  )
}

pg_our_pid() { live_pid "$P_DATA/postmaster.pid" "postgres.* -D $P_DATA"; }

# Waits (bounded) while the server says it is starting up.
pg_wait_while_starting() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  while [ "$(pg_ready_code)" = 1 ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
}

# Runs SQL from stdin as a superuser through a local socket: the project cluster's, else the Debian
# system cluster's (peer authentication as `postgres`). Returns 2 when neither is reachable.
pg_admin() {
  local sockdir
  if pg_our_pid >/dev/null && [ -S "$P_SOCK/.s.PGSQL.$P_PORT" ]; then
    sockdir="$P_SOCK"
  elif [ -S "$SYSTEM_PG_SOCKET_DIR/.s.PGSQL.$P_PORT" ]; then
    sockdir="$SYSTEM_PG_SOCKET_DIR"
  else
    return 2
  fi
  local cmd=("$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p "$P_PORT" -d postgres)
  if [ "$IS_ROOT" = 1 ] || [ "$sockdir" = "$P_SOCK" ]; then
    as_pg "${cmd[@]}"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    (cd / && sudo -n -u postgres "${cmd[@]}")
  else
    return 2
  fi
}

sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }

# Creates the URL's role (LOGIN CREATEDB, the URL's password) and database when missing.
# The SQL goes through stdin, so the password is in no command line; VERBOSITY terse keeps psql
# from echoing a failed statement.
pg_ensure_role_db() {
  local u p d
  u="$(sql_literal "$P_USER")"
  p="$(sql_literal "$P_PASS")"
  d="$(sql_literal "$P_DB")"
  pg_admin <<SQL
\\set VERBOSITY terse
SELECT format('CREATE ROLE %I', $u) WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $u) \\gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', $u, $p) \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', $d, $u)
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = $d) \\gexec
SQL
}

pg_write_conf() {
  local listen="127.0.0.1"
  case "$P_HOST" in
    ::1) listen="::1" ;;
    localhost) listen="localhost" ;;
  esac
  as_pg tee "$P_DATA/ragworker.conf" >/dev/null <<CONF
# Written by scripts/services.sh on every \`up\`; change the script, not this file.
listen_addresses = '$listen'
port = $P_PORT
unix_socket_directories = '$P_SOCK'
max_connections = 200
# Speed over durability, for tests: this cluster only holds disposable development and test data,
# and a crash of the machine may lose or corrupt it. Never use these settings for real data.
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
}

pg_start() {
  local bindir
  bindir="$(pg_bindir)" || die "postgresql: no initdb/pg_ctl found"
  if [ "$IS_ROOT" = 1 ]; then
    id postgres >/dev/null 2>&1 || die "postgresql: there is no 'postgres' OS user to run the cluster as"
    command -v runuser >/dev/null 2>&1 || die "postgresql: runuser (util-linux) is needed to run as 'postgres'"
  fi
  make_state_root
  if [ ! -d "$P_DIR" ]; then
    mkdir -p "$P_DIR"
    if [ "$IS_ROOT" = 1 ]; then chown postgres:postgres "$P_DIR"; fi
    chmod 700 "$P_DIR"
  fi
  as_pg test -w "$P_DIR" || die "postgresql: $P_DIR is not writable by the cluster's OS user; remove it or set RAGWORKER_STATE_DIR"

  if [ ! -f "$P_DATA/PG_VERSION" ]; then
    as_pg rm -rf "$P_DATA" # what a failed initdb may have left
    if ! as_pg "$bindir/initdb" -D "$P_DATA" --auth-local=peer --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$P_DIR/initdb.log" 2>&1; then
      log_tail "$P_DIR/initdb.log"
      die "postgresql: initdb failed; see $P_DIR/initdb.log"
    fi
    printf "\ninclude_if_exists = 'ragworker.conf'\n" | as_pg tee -a "$P_DATA/postgresql.conf" >/dev/null
  fi
  pg_write_conf
  as_pg mkdir -p "$P_SOCK"

  if ! pg_our_pid >/dev/null; then
    # After a machine restart the old pid (in postmaster.pid and the socket lock) may belong to
    # another process now, which would make the postmaster refuse to start.
    as_pg rm -f "$P_DATA/postmaster.pid" "$P_SOCK/.s.PGSQL.$P_PORT" "$P_SOCK/.s.PGSQL.$P_PORT.lock"
    if ! as_pg "$bindir/pg_ctl" -D "$P_DATA" -l "$P_LOG" -w -t "$WAIT_SECONDS" start >/dev/null 2>&1 9>&-; then
      log_tail "$P_LOG"
      die "postgresql: the project cluster did not start within ${WAIT_SECONDS}s; see $P_LOG"
    fi
  fi
  local deadline=$((SECONDS + WAIT_SECONDS))
  until [ "$(pg_ready_code)" = 0 ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log_tail "$P_LOG"
      die "postgresql: no answer at $P_HOST:$P_PORT after ${WAIT_SECONDS}s; see $P_LOG"
    fi
    sleep 0.3
  done
}

# Returns 1 when no cluster started by this script is running.
pg_stop() {
  local pid bindir
  pid="$(pg_our_pid)" || return 1
  if bindir="$(pg_bindir)"; then
    as_pg "$bindir/pg_ctl" -D "$P_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  else
    kill -INT "$pid" 2>/dev/null || true
  fi
  wait_exit "$pid" 30 || die "postgresql: the project cluster (pid $pid) did not stop; see $P_LOG"
}

# Where the server at the URL is this script's cluster, say so.
pg_describe() {
  local pid
  if pid="$(pg_our_pid)"; then
    printf 'project cluster, pid %s, data %s, log %s' "$pid" "$P_DATA" "$P_LOG"
  elif [ -S "$SYSTEM_PG_SOCKET_DIR/.s.PGSQL.$P_PORT" ] && is_local_host "$P_HOST"; then
    printf 'Debian system cluster'
  else
    printf 'not started by this script'
  fi
}

# The server answers; make sure the URL's login works, creating role and database when the server
# is local and a superuser socket is at hand.
pg_use_answering() {
  local error
  if error="$(pg_login 2>&1)"; then
    if pg_our_pid >/dev/null; then
      say "postgresql: project cluster already running on $P_HOST:$P_PORT (data $P_DATA, log $P_LOG)"
    else
      say "postgresql: using existing at $P_HOST:$P_PORT ($(pg_describe))"
    fi
    return 0
  fi
  is_local_host "$P_HOST" ||
    die "postgresql: $P_HOST:$P_PORT answers but the login as '$P_USER' to '$P_DB' fails: $error"
  local admin_rc=0
  pg_ensure_role_db || admin_rc=$?
  if [ "$admin_rc" = 2 ]; then
    die "postgresql: $P_HOST:$P_PORT answers but the login as '$P_USER' to '$P_DB' fails ($error), and" \
      "there is no superuser socket here to create them; create role '$P_USER' (LOGIN CREATEDB, with the" \
      "URL's password) and database '$P_DB', or run this script as root"
  elif [ "$admin_rc" != 0 ]; then
    die "postgresql: creating role '$P_USER' and database '$P_DB' at $P_HOST:$P_PORT failed"
  fi
  error="$(pg_login 2>&1)" ||
    die "postgresql: the login as '$P_USER' to '$P_DB' at $P_HOST:$P_PORT still fails: $error"
  say "postgresql: using existing at $P_HOST:$P_PORT ($(pg_describe); role '$P_USER' and database '$P_DB' ensured)"
}

pg_up() {
  load_pg_url
  ensure_pg_clients
  pg_wait_while_starting
  if [ "$(pg_ready_code)" = 0 ]; then
    pg_use_answering
    return 0
  fi
  is_local_host "$P_HOST" ||
    die "postgresql: nothing answers at $P_HOST:$P_PORT; the host is not local, so no cluster is started"
  if ! pg_bindir >/dev/null; then
    apt_install postgresql
    find_pg_clients || true
    # On a machine where apt starts services, the new Debian cluster may answer now.
    pg_wait_while_starting
    if [ "$(pg_ready_code)" = 0 ]; then
      pg_use_answering
      return 0
    fi
  fi
  local existed=0
  if pg_our_pid >/dev/null; then existed=1; fi
  pg_start
  pg_ensure_role_db || die "postgresql: creating role '$P_USER' and database '$P_DB' failed; see $P_LOG"
  local error
  error="$(pg_login 2>&1)" || die "postgresql: the login as '$P_USER' to '$P_DB' fails: $error"
  if [ "$existed" = 1 ]; then
    say "postgresql: project cluster already running on $P_HOST:$P_PORT (data $P_DATA, log $P_LOG)"
  else
    say "postgresql: started project cluster on $P_HOST:$P_PORT (data $P_DATA, log $P_LOG)"
  fi
}

# --------------------------------------------------------------------------------------------------
# pgvector

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PGVECTOR_INSTALLER="$REPO_ROOT/../shared/scripts/install-pgvector.sh"

# Runs one query with the URL's login and prints its single value (empty on failure).
pg_value() {
  (
    if [ -n "$P_PASS" ]; then export PGPASSWORD="$P_PASS"; fi
    export PGCONNECT_TIMEOUT=5
    "$PSQL" -X -w -A -t -q -d "$P_URL_NOPW" -c "$1" 2>/dev/null
  ) || true
}

pgvector_available() {
  [ "$(pg_value "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")" = 1 ]
}

# Installs pgvector's files for PostgreSQL major $1. Returns 1, with the reason in
# PGVECTOR_REASON, when it cannot.
pgvector_install() {
  local major="$1" candidate="" sudo=()
  if [ "$IS_ROOT" != 1 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      PGVECTOR_REASON="installing it needs root or passwordless sudo"
      return 1
    fi
  fi
  if command -v apt-cache >/dev/null 2>&1; then
    candidate="$(apt-cache policy "postgresql-$major-pgvector" 2>/dev/null | sed -n 's/^ *Candidate: *//p')"
  fi
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
    local log="$STATE_ROOT/apt.log"
    say "pgvector: installing postgresql-$major-pgvector $candidate with apt-get (log $log)"
    if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "postgresql-$major-pgvector" >>"$log" 2>&1 9>&-; then
      return 0
    fi
    PGVECTOR_REASON="apt-get install postgresql-$major-pgvector failed (see $log)"
    return 1
  fi
  if [ -f "$PGVECTOR_INSTALLER" ]; then
    local out log="$STATE_ROOT/apt.log"
    # The installer takes an existing pg_config for a build environment, but Debian ships
    # pg_config with the client, without the server headers the build needs.
    if [ ! -f "/usr/include/postgresql/$major/server/postgres.h" ] && command -v apt-get >/dev/null 2>&1; then
      say "pgvector: installing postgresql-server-dev-$major (headers to build it) with apt-get (log $log)"
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "postgresql-server-dev-$major" make gcc >>"$log" 2>&1 9>&- || {
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >>"$log" 2>&1 9>&- || true
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
          "postgresql-server-dev-$major" make gcc >>"$log" 2>&1 9>&-
      } || {
        PGVECTOR_REASON="apt-get install postgresql-server-dev-$major failed (see $log)"
        return 1
      }
    fi
    if out="$("${sudo[@]}" bash "$PGVECTOR_INSTALLER" "$major" 2>&1 9>&-)"; then
      say "pgvector: ${out##*$'\n'}"
      return 0
    fi
    PGVECTOR_REASON="install-pgvector.sh failed: ${out##*$'\n'}"
    return 1
  fi
  PGVECTOR_REASON="apt has no postgresql-$major-pgvector and $PGVECTOR_INSTALLER is absent"
  return 1
}

# apt may upgrade postgresql-<major> along with the packages pgvector needs (the server headers
# depend on the newest minor release). A server still running the old binaries then fails to load
# the new libraries (plpgsql: "undefined symbol"), so it is restarted onto the new ones.
pgvector_restart_if_upgraded() {
  local major="$1" running installed
  running="$(pg_value "SHOW server_version")"
  running="${running%% *}"
  installed="$("/usr/lib/postgresql/$major/bin/postgres" --version 2>/dev/null || true)"
  installed="${installed#postgres (PostgreSQL) }"
  installed="${installed%% *}"
  if [ -z "$running" ] || [ -z "$installed" ] || [ "$running" = "$installed" ]; then return 0; fi
  say "postgresql: apt upgraded PostgreSQL $major from $running to $installed under the running server; restarting it"
  (pg_restart) || say "postgresql: could not restart it: restart the server at $P_HOST:$P_PORT yourself (until then it may fail to load its libraries)"
}

# Makes sure the server at the URL has pgvector, in template1 and in the URL's database. Never
# fails `up`: what cannot be done is reported in one line (the vector-path tests then fail saying
# pgvector is missing).
pgvector_up() {
  local version major
  version="$(pg_value "SHOW server_version_num")"
  [[ "$version" =~ ^[0-9]+$ ]] || {
    say "pgvector: could not read the server version at $P_HOST:$P_PORT; not checked"
    return 0
  }
  major=$((version / 10000))
  if ! pgvector_available; then
    if ! is_local_host "$P_HOST"; then
      say "pgvector: MISSING on $P_HOST:$P_PORT (PostgreSQL $major), a remote server: install it there; going on without it"
      return 0
    fi
    if [ ! -x "/usr/lib/postgresql/$major/bin/postgres" ]; then
      say "pgvector: MISSING on $P_HOST:$P_PORT, and PostgreSQL $major is not installed under /usr/lib/postgresql here to add it to; going on without it"
      return 0
    fi
    if ! pgvector_install "$major"; then
      pgvector_restart_if_upgraded "$major"
      say "pgvector: MISSING on $P_HOST:$P_PORT (PostgreSQL $major), not installed: $PGVECTOR_REASON; going on without it"
      return 0
    fi
    pgvector_restart_if_upgraded "$major"
    if ! pgvector_available; then
      say "pgvector: installed for PostgreSQL $major, but the server at $P_HOST:$P_PORT still does not list it (another installation?); going on without it"
      return 0
    fi
  fi
  # CREATE EXTENSION vector needs a superuser (it is not a trusted extension).
  local d rc=0
  d="$(sql_literal "$P_DB")"
  pg_admin <<SQL || rc=$?
\\set VERBOSITY terse
SET client_min_messages = warning;
\\c template1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
\\c $d
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
SQL
  if [ "$rc" = 0 ]; then
    say "pgvector: $(pg_value "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'") available; extension present in template1 and '$P_DB'"
  elif [ "$(pg_value "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ]; then
    say "pgvector: available; the URL's role is a superuser, so migrations create the extension themselves"
  elif [ "$rc" = 2 ]; then
    say "pgvector: available, but there is no superuser socket here to create it in template1; a role without superuser gets real[] columns"
  else
    say "pgvector: available, but creating the extension in template1 / '$P_DB' failed; a role without superuser gets real[] columns"
  fi
  return 0
}

pg_down() {
  load_pg_url
  if pg_stop; then
    say "postgresql: stopped project cluster on $P_HOST:$P_PORT (data kept in $P_DATA)"
  else
    say "postgresql: no project cluster running on $P_HOST:$P_PORT; nothing stopped"
  fi
}

pg_status() {
  load_pg_url
  if ! find_pg_clients; then
    say "postgresql: cannot check $P_HOST:$P_PORT (psql/pg_isready not installed; run 'up')"
    return 1
  fi
  local code error
  code="$(pg_ready_code)"
  case "$code" in
    0)
      if error="$(pg_login 2>&1)"; then
        say "postgresql: up at $P_HOST:$P_PORT, login as '$P_USER' to '$P_DB' works ($(pg_describe))"
      else
        say "postgresql: answers at $P_HOST:$P_PORT but the login as '$P_USER' to '$P_DB' fails: $error"
        return 1
      fi
      ;;
    1)
      say "postgresql: starting up at $P_HOST:$P_PORT (not accepting connections yet)"
      return 1
      ;;
    *)
      say "postgresql: DOWN at $P_HOST:$P_PORT"
      return 1
      ;;
  esac
}

pg_restart() {
  load_pg_url
  find_pg_clients || die "postgresql: psql/pg_isready not installed; run 'up' first"
  local bindir cluster
  if pg_our_pid >/dev/null; then
    bindir="$(pg_bindir)" || die "postgresql: pg_ctl not found"
    if ! as_pg "$bindir/pg_ctl" -D "$P_DATA" -l "$P_LOG" -m fast -w -t "$WAIT_SECONDS" restart >/dev/null 2>&1 9>&-; then
      log_tail "$P_LOG"
      die "postgresql: the project cluster did not restart; see $P_LOG"
    fi
    cluster="project cluster"
  elif [ "$IS_ROOT" = 1 ] && command -v pg_lsclusters >/dev/null 2>&1 &&
    read -r version name < <(pg_lsclusters -h 2>/dev/null | awk -v p="$P_PORT" '$3 == p && $4 == "online" { print $1, $2; exit }') &&
    [ -n "${name:-}" ]; then
    pg_ctlcluster "$version" "$name" restart -m fast 9>&- || die "postgresql: pg_ctlcluster $version $name restart failed"
    cluster="Debian cluster $version/$name"
  else
    die "postgresql: the server at $P_HOST:$P_PORT was not started by this script; not restarting it"
  fi
  local deadline=$((SECONDS + WAIT_SECONDS)) error=""
  until error="$(pg_login 2>&1)"; do
    [ "$SECONDS" -lt "$deadline" ] || die "postgresql: no login at $P_HOST:$P_PORT after the restart: $error"
    sleep 0.3
  done
  say "postgresql: restarted $cluster on $P_HOST:$P_PORT"
}

# --------------------------------------------------------------------------------------------------

command="${1:-up}"
case "$command" in
  up)
    take_lock
    redis_up
    pg_up
    pgvector_up
    ;;
  down)
    take_lock
    redis_down
    pg_down
    ;;
  status)
    rc=0
    redis_status || rc=1
    pg_status || rc=1
    exit "$rc"
    ;;
  restart-postgres)
    take_lock
    pg_restart
    ;;
  stop-postgres)
    take_lock
    load_pg_url
    pg_stop || die "postgresql: no project cluster running on $P_HOST:$P_PORT (not started by this script?)"
    say "postgresql: stopped project cluster on $P_HOST:$P_PORT"
    ;;
  start-postgres)
    take_lock
    pg_up
    ;;
  stop-redis)
    take_lock
    load_redis_url
    redis_stop || die "redis: no project instance running at $R_HOST:$R_PORT (not started by this script?)"
    say "redis: stopped project instance at $R_HOST:$R_PORT"
    ;;
  start-redis)
    take_lock
    redis_up
    ;;
  runtime-tools)
    take_lock
    install_runtime_packages
    ;;
  test-tools)
    take_lock
    install_runtime_packages
    # Tools the test suite runs besides the services, both from Debian's package prometheus:
    # promtool checks /metrics' exposition format and the deploy configurations; the prometheus
    # server scrapes a real worker (test/ops/prometheus-scrape.test.ts). The tests start their own
    # server on a free port; a packaged service the install may start is left as it is.
    ensure_program prometheus promtool
    ensure_program prometheus prometheus
    # redis-sentinel: the Sentinel failover test (test/support/sentinel-set.ts) starts three of its
    # own on free ports. Debian's package is the redis-server binary under that name, plus a
    # packaged service on 26379 that the install may start; that one is left as it is.
    # ImageMagick: the OCR tests make their BMP and multi-page TIFF inputs with its convert (by
    # /usr/bin/convert: a machine may have another program of that name first on PATH).
    ensure_program imagemagick /usr/bin/convert
    ensure_program redis-sentinel redis-sentinel
    # Chromium: the operator web view's test (test/ops/admin/operator-web-view.test.ts) drives
    # Debian's /usr/bin/chromium, headless, through playwright-core; no browser is ever downloaded.
    ensure_program chromium /usr/bin/chromium
    ;;
  -h | --help | help)
    sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//'
    ;;
  *)
    die "unknown command '$command' (up, down, status, restart-postgres, stop-postgres, start-postgres, stop-redis, start-redis, test-tools)"
    ;;
esac
