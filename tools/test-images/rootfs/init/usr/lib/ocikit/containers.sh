# shellcheck shell=sh
# Sourced by rc.init and rc.shutdown: runs LinuxKit container bundles (linuxkit-reference.md §3.5,
# §3.7, §3.15) with runc, as pkg/init's `service` tool does. For each bundle directory: create the
# runtime.json `mkdir` directories, make its `mounts` in order in the root mount namespace, create
# its `cgroups`, then `runc run --bundle DIR NAME` with NAME the directory's name (`000-hello`).
# `interfaces`, `bindNS` and `namespace` are reported and ignored. Output goes to the console.

RUNC=/usr/bin/runc
LIB=/usr/lib/ocikit

say() { echo "ocikit-init: $*"; }

# json_value FLAT KEY: the scalar at KEY of a flattened document (json-flatten.awk), if any.
json_value() {
  printf '%s\n' "$1" | awk -F '\t' -v key="$2" '$1 == key { sub(/^[^\t]*\t/, ""); print; exit }'
}

# json_list FLAT KEY: the scalars of the array at KEY, one a line.
json_list() {
  printf '%s\n' "$1" | awk -F '\t' -v key="$2" '
    index($1, key ".") == 1 && substr($1, length(key) + 2) ~ /^[0-9]+$/ { sub(/^[^\t]*\t/, ""); print }'
}

# runtime_mount FLAT INDEX: makes mount INDEX of runtime.json. Like mount(8), propagation options
# (private, rshared…) take a second mount call, and a read-only bind a remount; overlay's upperdir
# and workdir are created first, as LinuxKit does.
runtime_mount() {
  local dest type source bind remount readonly data propagation option
  dest=$(json_value "$1" "mounts.$2.destination")
  type=$(json_value "$1" "mounts.$2.type")
  source=$(json_value "$1" "mounts.$2.source")
  bind="" remount="" readonly="" data="" propagation=""
  for option in $(json_list "$1" "mounts.$2.options"); do
    case "$option" in
      bind | rbind) bind=$option ;;
      remount) remount=1 ;;
      private | rprivate | shared | rshared | slave | rslave | unbindable | runbindable)
        propagation="$propagation $option" ;;
      *)
        case "$option" in
          upperdir=* | workdir=*) mkdir -p "${option#*=}" || return 1 ;;
          ro) readonly=1 ;;
        esac
        data="${data:+$data,}$option" ;;
    esac
  done
  [ -n "$dest" ] || { say "mount $2 has no destination"; return 1; }
  [ -e "$dest" ] || mkdir -p "$dest" || return 1
  if [ -n "$remount" ]; then
    mount -o "remount${data:+,$data}" "${source:-none}" "$dest" || return 1
  elif [ -n "$bind" ]; then
    mount -o "$bind${data:+,$data}" "$source" "$dest" || return 1
    if [ -n "$readonly" ]; then mount -o remount,bind,ro "$source" "$dest" || return 1; fi
  else
    mount -t "${type:-none}" ${data:+-o "$data"} "${source:-${type:-none}}" "$dest" || return 1
  fi
  for option in $propagation; do mount --make-"$option" "$dest" || return 1; done
}

# prepare_bundle DIR: applies DIR/runtime.json in the root namespace (a bundle without one needs nothing).
prepare_bundle() {
  local flat dir index group unsupported
  [ -f "$1/runtime.json" ] || return 0
  flat=$(awk -f "$LIB/json-flatten.awk" "$1/runtime.json") || return 1
  for dir in $(json_list "$flat" mkdir); do mkdir -p "$dir" || return 1; done
  index=0
  while [ -n "$(json_value "$flat" "mounts.$index.destination")" ]; do
    runtime_mount "$flat" "$index" || { say "$1: runtime.json mount $index failed"; return 1; }
    index=$((index + 1))
  done
  for group in $(json_list "$flat" cgroups); do mkdir -p "/sys/fs/cgroup/$group" || return 1; done
  unsupported=$(printf '%s\n' "$flat" | awk -F '\t' '
    ($1 ~ /^interfaces\./ || $1 ~ /^bindNS\./ || $1 == "namespace") && $2 != "" && $2 != "false" { print $1 }')
  [ -z "$unsupported" ] || say "$1: runtime.json: ignored (not supported here):" $unsupported
}

# run_bundle KIND DIR: prepares and runs one container in the foreground; returns its status.
run_bundle() {
  local name
  name=${2##*/}
  if ! prepare_bundle "$2"; then
    say "$1 $name: cannot prepare (runtime.json)"
    return 1
  fi
  $RUNC run --bundle "$2" "$name" </dev/null
}

# run_all KIND DIR: runs every bundle of DIR in name order, one after the other (onboot, onshutdown).
run_all() {
  local bundle
  [ -d "$2" ] || return 0
  for bundle in "$2"/*; do
    [ -d "$bundle" ] || continue
    say "$1 ${bundle##*/} starting"
    run_bundle "$1" "$bundle"
    say "$1 ${bundle##*/} exited $?"
  done
}

# start_all DIR: starts every bundle of DIR in the background and reports when each one exits.
start_all() {
  local bundle
  [ -d "$1" ] || return 0
  for bundle in "$1"/*; do
    [ -d "$bundle" ] || continue
    (
      say "service ${bundle##*/} starting"
      run_bundle service "$bundle"
      say "service ${bundle##*/} exited $?"
    ) &
  done
}
