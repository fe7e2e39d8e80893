# Runs a command and prints its exit status, wall time (ms, measured around the command only, so
# this wrapper's own start-up is not counted) and peak resident memory (KiB, its largest process)
# as JSON on stderr's last line: the same yardstick for ocikit and for the baselines.
import json, resource, subprocess, sys, time
start = time.monotonic()
status = subprocess.run(sys.argv[1:]).returncode
wall_ms = (time.monotonic() - start) * 1000
print(json.dumps({"status": status, "wallMs": wall_ms, "maxRssKiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}), file=sys.stderr)
sys.exit(status)
