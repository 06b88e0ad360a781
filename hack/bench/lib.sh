# hack/bench/lib.sh — what the benchmarks share; sourced by their run scripts
# (from the checkout's root, after `eval "$(hack/dev-env env)"`).
# shellcheck shell=bash

die() { echo "bench: $*" >&2; exit 1; }

now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.${3:-1}f}')" "$1" "$2"; }

# emulating says whether an aarch64 binfmt handler is enabled (as
# e2e/testenv.EmulationOff reads it).
emulating() {
	local e
	for e in /proc/sys/fs/binfmt_misc/*; do
		[[ -f $e && ${e##*/} != status && ${e##*/} != register ]] || continue
		[[ $(head -1 "$e") == enabled ]] && grep -q aarch64 "$e" && return 0
	done
	return 1
}

# emulation_for WAY switches the handler on for A (the QEMU baseline) and
# off for every other way, and checks it: those must build without QEMU.
emulation_for() {
	if [[ $1 == A ]]; then
		hack/dev-env emulation on
		emulating || die "cannot enable the qemu-aarch64 binfmt handler, which the baseline needs for arm64"
	else
		hack/dev-env emulation off
		! emulating || die "an aarch64 binfmt handler is still enabled: $1 must build without emulation"
	fi
}

# others T0 T1 REF counts the builds on buildkitd other than REF that ran
# between T0 and T1 (seconds since the epoch; T1 empty: still running).
others() {
	buildctl debug histories --format '{{json .}}' | python3 -c '
import json, sys
t0, t1, ref = float(sys.argv[1] or 0), float(sys.argv[2] or 9e9), sys.argv[3]
def secs(t): return t["seconds"] + t.get("nanos", 0) / 1e9 if t else 9e9
n = 0
for line in sys.stdin:
    r = json.loads(line).get("record") or {}
    if r.get("Ref") != ref and secs(r.get("CreatedAt")) < t1 and secs(r.get("CompletedAt")) > t0:
        n += 1
print(n)' "$1" "$2" "$3"
}

# quiet waits (up to 30 min) until no other build runs on buildkitd: it may
# be shared (other sessions' tests).
quiet() {
	local i
	for i in $(seq 360); do
		[[ $(others "$(now)" "" -) == 0 ]] && return
		[[ $i == 1 ]] && echo "bench: waiting for the other builds on this buildkitd to end" >&2
		sleep 5
	done
	echo "bench: other builds are still running: timing anyway" >&2
}

# frontend is this work tree's frontend, pushed by push_frontend, for
# BUILDKIT_SYNTAX: not whichever frontend:dev was pushed last.
frontend=localhost:5000/strata/frontend:bench
push_frontend() {
	echo "bench: pushing this tree's frontend as $frontend" >&2
	# with zig, as make frontend builds it (the Makefile's ZIG): the image
	# carries zig's libraries
	ZIG=${ZIG:-docker-image://localhost:5000/strata/zig:0.11.0} TAG=bench PLATFORMS=linux/amd64 \
		docker buildx bake --progress=quiet frontend --push >/dev/null
}

# cpu_sampler FILE writes, every 0.25 s until killed, the time (seconds since
# the epoch) and /proc/stat's total and idle jiffies of all cores: how busy
# the machine was in any interval of a build (busy, and the Rust bench's
# breakdown, which reads the samples around each kind of step).
cpu_sampler() {
	python3 -u -c '
import sys, time
out = open(sys.argv[1], "w", buffering=1)
while True:
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    out.write(f"{time.time():.3f} {sum(f)} {f[3] + f[4]}\n")
    time.sleep(0.25)' "$1" </dev/null >/dev/null 2>&1 &
	echo $! # the caller's $(...) returns at once: the sampler holds none of its output
}

# busy FILE: how busy all cores were (percent) over the whole of a
# cpu_sampler file.
busy() {
	python3 -c '
import sys
s = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
print(f"{100 * (1 - (s[-1][2] - s[0][2]) / (s[-1][1] - s[0][1])):.0f}" if len(s) > 1 and s[-1][1] > s[0][1] else "?")' "$1"
}
