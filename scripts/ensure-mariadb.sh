#!/usr/bin/env bash
# Start MariaDB if it is not answering on 127.0.0.1:3306 (python-svc machines start it at boot;
# a stopped one is started the same way). Installs it from Debian's packages if it is missing.
set -euo pipefail
ping_db() { mariadb-admin -uroot -h127.0.0.1 --connect-timeout=2 ping >/dev/null 2>&1; }
if ping_db; then exit 0; fi
if ! command -v mariadbd >/dev/null 2>&1; then
  echo "MariaDB is not installed: installing it from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
fi
echo "Starting MariaDB"
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
for _ in $(seq 1 60); do
  if ping_db; then exit 0; fi
  sleep 1
done
echo "MariaDB did not come up on 127.0.0.1:3306" >&2
exit 1
