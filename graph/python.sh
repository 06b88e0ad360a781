#!/bin/sh
# Installs a uv project's locked dependencies into the venv at $VENV (or,
# with $SITE, into the directory $SITE as uv pip install --target does, for
# a function's layer or code package) for one target platform, on the build
# platform: uv picks the target's wheels
# ($PLATFORM, the manylinux tag of the runtime's glibc); the packages that
# have no wheel for it ($UNBUILT: NAME=VERSION=SDIST, from uv.lock) are
# compiled from their checked sdists with zig for the target, against the
# target's Python headers and sysconfig (the target image at $TARGET,
# files only) and the build_packages sysroot. Nothing of the target runs.
# With REQUIREMENTS (a file in $APP_DIR) it installs what the file says.
# With PROJECT=1 it installs the project itself (its sources at $APP_DIR)
# into the venv the dependency step made, built into a wheel the same way.
# The first error line of a failure is left in /strata-error.txt, where the
# frontend reads it for the build's final error.
set -eu
fail() {
	printf 'strata: %s\n' "$*" >&2
	printf '%s\n' "$*" | head -n 1 >/strata-error.txt
	exit 1
}
# run LABEL CMD...: runs a tool, its output in the log; on failure its
# first error line ends the build's error.
run() {
	label=$1
	shift
	s=0
	"$@" >/tmp/strata-out 2>&1 || s=$?
	cat /tmp/strata-out >&2
	if [ "$s" != 0 ]; then
		# A compiler's error (file:line:col: fatal error: 'portaudio.h' file
		# not found) says more than uv's "Failed to build" above it.
		line=$(grep -m 1 -E '[^ ]+:[0-9]+:[0-9]+: (fatal )?error: ' /tmp/strata-out | sed 's/^[[:space:]]*//' || :)
		[ -n "$line" ] || line=$(grep -m 1 -E '^error: |(fatal )?error: ' /tmp/strata-out | sed 's/^[[:space:]]*//' || :)
		[ -n "$line" ] || line=$(grep -v '^[[:space:]]*$' /tmp/strata-out | tail -n 1)
		fail "$label: $line"
	fi
}
py=/usr/local/bin/python$PYTHON_VERSION
[ -x "$py" ] || fail "the build image has no $py: python.version $PYTHON_VERSION needs a python:$PYTHON_VERSION image for the build platform"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt; fi
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_NO_PROGRESS=1 PATH=/strata/uv:$PATH
# build_wheel LABEL DIR: builds the project at DIR into a wheel in $wheels
# for the target: zig's wrappers for it as compilers ($CC), the target's
# sysconfig (its include paths under $TARGET: setuptools takes Python.h and
# pyconfig.h from INCLUDEPY) in place of the build Python's.
wheels=/tmp/strata-wheels
mkdir -p $wheels
# target_sysconfig puts the target's sysconfig beside the build Python's
# own (this step's root is thrown away; uv queries the interpreter in
# isolated mode, without PYTHONPATH) and names it in $confname.
target_sysconfig() {
	[ -z "${confname:-}" ] || return 0
	# The official images' own Python first: a python:X-bookworm image also
	# holds Debian's python3 under /usr.
	conf=$(ls "$TARGET"/usr/local/lib/python"$PYTHON_VERSION"/_sysconfigdata_*.py 2>/dev/null | head -n 1) || :
	[ -n "$conf" ] || conf=$(ls "$TARGET"/usr/lib/python"$PYTHON_VERSION"/_sysconfigdata_*.py 2>/dev/null | head -n 1) || :
	[ -n "$conf" ] || fail "the target image has no _sysconfigdata_*.py of Python $PYTHON_VERSION (the official python images have it)"
	confname=target${conf##*/_sysconfigdata}
	stdlib=$("$py" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
	sed -e "s#'/usr/local/include#'$TARGET/usr/local/include#g" -e "s#'/usr/include#'$TARGET/usr/include#g" "$conf" >"$stdlib/_sysconfigdata_$confname"
	confname=_sysconfigdata_${confname%.py}
}
# cross LABEL CMD...: runs a uv command that may build packages, as
# builds for the target.
cross() {
	target_sysconfig
	label=$1
	shift
	cc=${CC:-}
	run "$label" env SOURCE_DATE_EPOCH=315532800 ${cc:+LDSHARED="$cc -shared"} \
		_PYTHON_HOST_PLATFORM="linux-$MACHINE" _PYTHON_SYSCONFIGDATA_NAME="$confname" "$@"
}
# build_wheel LABEL DIR OUT: the wheel is the one file in OUT, which
# build_wheel prints (a backend may spell the name otherwise: zope.interface).
build_wheel() {
	cross "$1 for $MACHINE" env UV_CACHE_DIR=/tmp/strata-build-cache uv build --wheel --python "$py" -o "$3" "$2"
	set -- "$1" "$2" "$3" "$3"/*.whl
	[ $# = 4 ] && [ -f "$4" ] || fail "$1: uv build made no wheel"
	cp "$4" $wheels/
	echo "$wheels/${4##*/}"
}
cd "$APP_DIR"
dest=${VENV:-}
if [ "${PROJECT:-}" = 1 ]; then
	# The project's own files only: the dependency step installed the rest.
	# Built from a copy at a fixed path: build backends write into the
	# source tree, which is mounted read-only.
	cp -a "$APP_DIR/." /tmp/strata-project
	whl=$(build_wheel "the project" /tmp/strata-project /tmp/strata-build/project)
	run "install the project for $PLATFORM" uv pip install --python "$VENV/bin/python" --python-platform "$PLATFORM" \
		--python-version "$PYTHON_VERSION" --no-deps --no-build "$whl"
	# Byte-code of the project's files (the others' is the dependency step's).
	# The wheel's name-version is its .dist-info's, whose RECORD lists its files.
	record=$VENV/lib/python$PYTHON_VERSION/site-packages/$(basename "$whl" | cut -d- -f1-2).dist-info/RECORD
	[ -f "$record" ] || record=
	if [ -n "$record" ]; then
		cut -d, -f1 "$record" | grep '\.py$' | sed "s#^#$VENV/lib/python$PYTHON_VERSION/site-packages/#" >/tmp/project-py.txt
		"$py" -m compileall -q --invalidation-mode unchecked-hash -i /tmp/project-py.txt >/dev/null || fail "compileall failed"
	fi
elif [ -n "${REQUIREMENTS:-}" ]; then
	# A requirements file: uv resolves and installs for the target, and
	# builds what has no wheel for it with the target's compilers, in a
	# cache of the target's own (uv's cache of built wheels does not key on
	# the compiler).
	if [ -n "${SITE:-}" ]; then
		set -- --target "$SITE" --python "$py"
		dest=$SITE
		lib=$SITE
	else
		run "uv venv" uv venv --quiet --allow-existing --python "$py" "$VENV"
		set -- --python "$VENV/bin/python"
		lib=$VENV/lib
	fi
	set -- "$@" --python-platform "$PLATFORM" --python-version "$PYTHON_VERSION" -r "$REQUIREMENTS"
	# As pip: a file with hashes installs only what its hashes name.
	if grep -q -e '--hash[= ]' "$REQUIREMENTS"; then set -- "$@" --require-hashes; fi
	if [ "$CROSS" = 1 ]; then
		cross "$REQUIREMENTS for $PLATFORM" env UV_CACHE_DIR="$UV_CACHE_DIR/$PLATFORM" uv pip install "$@"
	else
		run "$REQUIREMENTS for $PLATFORM (python.cross_compile is off)" uv pip install --no-build "$@"
	fi
	# Console scripts of a function's packages: their #! is this build's.
	if [ -n "${SITE:-}" ]; then rm -rf "$SITE/bin"; fi
	"$py" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$lib" >/dev/null || fail "compileall failed"
else
if [ -n "${SITE:-}" ]; then
	into="--target $SITE --python $py"
	dest=$SITE
else
	run "uv venv" uv venv --quiet --allow-existing --python "$py" "$VENV"
	into="--python $VENV/bin/python"
fi
# shellcheck disable=SC2086 # EXPORT is a list of flags
run "uv.lock" uv export --locked --no-emit-project --emit-index-url --format requirements-txt --no-header --no-annotate $EXPORT -o /tmp/all.txt
# What the install takes for this target, its markers evaluated by uv.
# shellcheck disable=SC2086 # into is a list of flags
run "uv pip install --dry-run" uv pip install --dry-run $into --python-platform "$PLATFORM" \
	--python-version "$PYTHON_VERSION" --require-hashes --no-deps -r /tmp/all.txt
cp /tmp/strata-out /tmp/plan.txt
: >/tmp/local.txt
skip=
for u in $UNBUILT; do
	name=${u%%=*}
	rest=${u#*=}
	version=${rest%%=*}
	sdist=${rest#*=}
	grep -q -i -x " + $name==$version" /tmp/plan.txt || continue # not installed for this target (markers)
	if [ "$CROSS" != 1 ]; then
		fail "$name $version has no wheel for $PLATFORM (Python $PYTHON_VERSION) and python.cross_compile is off"
	fi
	# A fixed directory: the path is in the objects' debug info.
	src=/tmp/strata-src/$name/$version
	mkdir -p "$src"
	"$py" -c 'import shutil, sys; shutil.unpack_archive(sys.argv[1], sys.argv[2])' "/strata/sdist/$sdist" "$src" ||
		fail "$name $version: its sdist $sdist could not be unpacked"
	top=$(find "$src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -f "$top/pyproject.toml" ] || [ -f "$top/setup.py" ] || fail "$name $version: its sdist $sdist holds no pyproject.toml or setup.py"
	whl=$(build_wheel "$name $version" "$top" "/tmp/strata-build/$name/$version")
	echo "$name==$version --hash=sha256:$(sha256sum "$whl" | cut -d' ' -f1)" >>/tmp/local.txt
	skip="$skip --no-emit-package $name"
done
# shellcheck disable=SC2086 # EXPORT and skip are lists of flags
run "uv.lock" uv export --frozen --no-emit-project --emit-index-url --format requirements-txt --no-header --no-annotate $EXPORT $skip -o /tmp/req.txt
# shellcheck disable=SC2086 # into is a list of flags
run "install for $PLATFORM" uv pip install $into --python-platform "$PLATFORM" --python-version "$PYTHON_VERSION" \
	--require-hashes --no-deps --no-build --find-links $wheels -r /tmp/req.txt -r /tmp/local.txt
if [ -n "${SITE:-}" ]; then
	# Console scripts, whose #! is this build's interpreter: a function
	# imports its packages, it runs none of their commands.
	rm -rf "$SITE/bin"
	lib=$SITE
else
	lib=$VENV/lib
fi
# Byte-code for the interpreter of the image or runtime (the same version;
# pyc does not depend on the CPU), compiled where it runs from, with hashes
# instead of times: the same every build.
"$py" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$lib" >/dev/null || fail "compileall failed"
fi
# Every native module is for the target's machine.
"$py" - "$dest" "$MACHINE" <<'PY' || exit 1
import os, struct, sys
want = {"x86_64": 62, "aarch64": 183}[sys.argv[2]]
for d, _, files in os.walk(sys.argv[1]):
    for f in files:
        p = os.path.join(d, f)
        if os.path.islink(p) or not (f.endswith(".so") or ".so." in f):
            continue
        with open(p, "rb") as fh:
            h = fh.read(20)
        if h[:4] != b"\x7fELF":
            continue
        m = struct.unpack("<H" if h[5] == 1 else ">H", h[18:20])[0]
        if m != want:
            msg = "%s is for ELF machine %d, not %s" % (p, m, sys.argv[2])
            open("/strata-error.txt", "w").write(msg + "\n")
            sys.exit("strata: " + msg)
PY
