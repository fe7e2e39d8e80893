# Runs a command and prints its exit status and peak resident memory (KiB, its largest process)
# as JSON on stderr's last line: the same yardstick for ocikit and for the baselines.
import json, resource, subprocess, sys
status = subprocess.run(sys.argv[1:]).returncode
print(json.dumps({"status": status, "maxRssKiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}), file=sys.stderr)
sys.exit(status)
