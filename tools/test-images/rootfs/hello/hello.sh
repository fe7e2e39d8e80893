#!/bin/sh
# hello.sh [MESSAGE...]: ocikit-test/hello's program. Prints MESSAGE (the image's default command
# says "hello from onboot"), then what the container sees, one "hello:" line each, so that a test can
# check that config.json took effect: arguments, HELLO_* variables, ids, cwd, hostname, effective
# capabilities, and the entries of each directory of $HELLO_LIST. Exits with $HELLO_EXIT (default 0).
echo "${*:-hello}"
echo "hello: $# args: $*"
env | grep '^HELLO' | sort | sed 's/^/hello: env /'
echo "hello: id: $(id)"
echo "hello: cwd: $(pwd)"
echo "hello: hostname: $(hostname)"
echo "hello: capabilities: $(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)"
for dir in $HELLO_LIST; do
  echo "hello: ls $dir:" $(ls -A "$dir")
done
exit "${HELLO_EXIT:-0}"
