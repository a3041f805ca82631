#!/usr/bin/env bash
# Start Redis on 127.0.0.1:6379 if it is down (the Redis rate-limit and key-status tests use it;
# without it they are skipped with a reason).
set -euo pipefail
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then exit 0; fi
command -v redis-server >/dev/null 2>&1 || { echo "redis-server not installed"; exit 1; }
mkdir -p /var/lib/redis /var/log/redis
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log
for _ in $(seq 1 20); do redis-cli ping >/dev/null 2>&1 && exit 0; sleep 0.5; done
exit 1
