#!/usr/bin/env bash
# Runs every test once, each specification against SQLite and PostgreSQL.
# Starts this machine's PostgreSQL, MariaDB (the Kamailio/OpenSIPS migration tests) and Redis when they are down, installs SIPp, Kamailio,
# Chromium and nginx if missing, and builds the console.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if command -v mariadb-admin >/dev/null && ! mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; then
  service mariadb start >/dev/null 2>&1 || (mysqld_safe --bind-address=127.0.0.1 --port=3306 >/dev/null 2>&1 &)
  for _ in $(seq 1 30); do mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1 && break; sleep 1; done
fi
if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi

# SIPp (Debian's sip-tester) registers real phones against the registrar in the tests;
# Linphone (linphonec) registers with a SHA-256 digest (RFC 8760), which SIPp does not speak;
# Kamailio checks that the documented auth_db configuration works on the sip_subscriber view;
# Chromium runs the console's browser tests (driven by playwright-core); slapd is the LDAP
# directory the directory-source tests start, each in a folder of its own; nginx with its stream
# module is the load balancer of docs/deploy, which the cluster test runs in front of its processes.
if ! command -v sipp >/dev/null || ! command -v linphonec >/dev/null || ! command -v kamailio >/dev/null || ! [ -x /usr/bin/chromium ] || ! [ -x /usr/sbin/slapd ] || ! [ -d /usr/share/kamailio/mysql ] || ! [ -x /usr/sbin/nginx ] || ! [ -f /usr/lib/nginx/modules/ngx_stream_module.so ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq sip-tester linphone-cli kamailio kamailio-postgres-modules kamailio-mysql-modules chromium slapd ldap-utils nginx libnginx-mod-stream >/dev/null
  # Where services may start, Debian's nginx started its own site on port 80: the tests need only the program.
  service nginx stop >/dev/null 2>&1 || true
fi

# openssl makes the TLS tests' own certificate authority and server certificates.
if ! command -v openssl >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi

# The browser tests use the console as `npm run build` makes it.
npx vite build --config src/web/vite.config.ts --logLevel warn || exit 1

mapfile -t files < <(find src test docs -name '*.test.ts' -not -path 'src/web/*' | sort)
node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
status=$?
# The schema templates the harness copied its PostgreSQL databases from (test/databases.ts).
for template in $(psql -h 127.0.0.1 -U postgres -d test -Atqc "select datname from pg_database where datname like 'sb\_template\_%'" 2>/dev/null); do
  dropdb -h 127.0.0.1 -U postgres --if-exists --force "$template" >/dev/null 2>&1
done
exit $status
