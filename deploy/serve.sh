#!/usr/bin/env bash
# RNN Explorer for a class: N replicas of the app behind HAProxy, with sticky sessions and health checks.
#
#   deploy/serve.sh N [PORT]      HAProxy on PORT (default 8501), replicas on 127.0.0.1:PORT+1 ... PORT+N
#
# Ctrl-C or SIGTERM stops all of them. Logs go to a folder it names at the start. BIND (default 0.0.0.0) is where
# HAProxy listens; PYTHON (default .venv/bin/python) runs the replicas. It installs nothing: it needs Debian's
# haproxy package (sudo apt-get install haproxy) and the app's requirements (see the README).
set -euo pipefail

usage() { echo "usage: deploy/serve.sh N [PORT]  (N replicas, HAProxy on PORT, default 8501)" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
replicas=$1 port=${2:-8501}
[[ $replicas =~ ^[1-9][0-9]*$ && $port =~ ^[1-9][0-9]*$ ]] || usage
if ! command -v haproxy >/dev/null 2>&1; then
  echo "haproxy is not installed. On Debian or Ubuntu: sudo apt-get install haproxy" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
[[ -x $python ]] || { echo "no Python at $python: install the app first (README), or set PYTHON" >&2; exit 2; }

logs=$(mktemp -d -t rnn-explorer-class.XXXXXX)
pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "stopped; logs in $logs"
}
trap stop INT TERM EXIT

servers=""
for i in $(seq 1 "$replicas"); do
  replica_port=$((port + i))
  "$python" -m streamlit run app.py --server.address 127.0.0.1 --server.port "$replica_port" --server.headless true \
    --server.fileWatcherType none --browser.gatherUsageStats false >"$logs/replica-$i.log" 2>&1 &
  pids+=($!)
  echo "replica r$i: pid $! on 127.0.0.1:$replica_port"
  servers+="    server r$i 127.0.0.1:$replica_port check inter 2s fall 2 rise 2 cookie r$i"$'\n'
done

config="$logs/haproxy.cfg"
sed -e "s/@BIND@/${BIND:-0.0.0.0}/" -e "s/@PORT@/$port/" deploy/haproxy.cfg.in | awk -v servers="$servers" '{ if ($0 == "@SERVERS@") printf "%s", servers; else print }' >"$config"
haproxy -c -q -f "$config"
haproxy -db -f "$config" >"$logs/haproxy.log" 2>&1 &
haproxy=$!
pids+=($!)
echo "haproxy: pid $! on ${BIND:-0.0.0.0}:$port (config $config, logs $logs)"

wait "$haproxy"  # a replica that dies is only logged: HAProxy sends its students to the others
echo "haproxy ended (see $logs): stopping the replicas" >&2
