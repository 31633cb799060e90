#!/bin/sh
# Times a converging `devup` (after a pull): `db` changed, and its stop takes
# 300 ms; `mail` is new and unrelated, ready 300 ms after its spawn. With the
# stops and the starts in one schedule, mail's start overlaps db's restart
# (about 300 ms in all); with every stop before every start, about 600 ms.
#
#   bench/converge-overlap.sh target/release/devup 7
#
# Prints one wall time in milliseconds per run.
set -u
DEVUP=$(realpath "$1"); RUNS=${2:-7}
dir=$(mktemp -d); cd "$dir" || exit 1
write() {
cat > daemons.yaml <<YAML
daemons:
  db:
    daemonize: true
    start: "trap 'sleep 0.3; exit 0' TERM; echo ready; : v$1; while :; do sleep 1 & wait \$!; done"
    ping: { log: "^ready$" }
  mail:
    daemonize: true
    start: "sleep 0.3; echo ready; exec sleep 600"
    ping: { log: "^ready$" }
YAML
}
for i in $(seq 1 "$RUNS"); do
  write 0; "$DEVUP" -q down; "$DEVUP" -q db || exit 1
  write "$i"
  start=$(date +%s%N); "$DEVUP" -q || exit 1; end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
done
"$DEVUP" -q down; cd / && rm -rf "$dir"
