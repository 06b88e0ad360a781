#!/bin/sh
# Resolves Debian packages and their dependencies for the target
# architecture ($ARCH) with an isolated apt (its own sources, state, cache
# and an empty dpkg status, one architecture only: no Multi-Arch version
# skew with the build machine's), downloads them and unpacks them with
# dpkg-deb -x. It runs on the build platform; nothing of the target
# architecture is executed, and no maintainer script runs.
# The archive's indices are fetched once for $SETS sets of packages, each
# resolved and unpacked on its own: set n's variables end in _n
# (PACKAGES_1, OUT_1, SKIP_1, ...).
set -eu
A=/tmp/strata-apt
mkdir -p $A/etc/apt.conf.d $A/etc/preferences.d $A/etc/sources.list.d $A/etc/trusted.gpg.d \
	$A/state/lists/partial $A/cache
: >$A/status
K=/usr/share/keyrings/debian-archive-keyring.gpg
{
	echo "deb [signed-by=$K] $MIRROR $SUITE main"
	echo "deb [signed-by=$K] $MIRROR $SUITE-updates main"
	if [ "$SECURITY" = true ]; then echo "deb [signed-by=$K] $MIRROR-security $SUITE-security main"; fi
} >$A/etc/sources.list
set -- -o Dir::Etc=$A/etc -o Dir::State=$A/state -o Dir::Cache=$A/cache -o Dir::State::status=$A/status \
	-o APT::Architecture="$ARCH" -o APT::Architectures="$ARCH" -o Acquire::Languages=none -o Debug::NoLocking=1 \
	-o APT::Install-Recommends=false -o APT::Sandbox::User=root \
	-o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=
# pkgcache.bin: update writes apt's binary cache of the indices once, and
# each set's install reads it, instead of parsing the indices again (0.4 s
# of CPU each). Debian's images turn it off (docker-clean in apt.conf.d,
# read before these options); the source cache is not needed.
# apt's own first error (E: Unable to locate package ...) is left in
# /strata-error.txt, where the frontend reads it for the build's final
# error; its output still reaches the log.
apt() {
	s=0
	apt-get "$@" 2>$A/err || s=$?
	cat $A/err >&2
	if [ "$s" != 0 ]; then
		grep '^E: ' $A/err | head -n 1 >/strata-error.txt || :
		exit "$s"
	fi
}
# unpack_set resolves, downloads and unpacks one set: PACKAGES into OUT,
# with SKIP, STATUS, MERGED_USR and LINKS_AT as below.
unpack_set() {
	mkdir -p $A/cache/archives/partial "$OUT/.strata"
	# shellcheck disable=SC2086 # PACKAGES is a list
	apt "$@" -q -y install --download-only $PACKAGES
	# STATUS: the dpkg status of the system the tree goes onto; the tree then
	# holds it with the unpacked packages added as installed, and their file
	# lists, so that what reads an image's packages (SBOM scanners) sees them.
	if [ -n "${STATUS:-}" ]; then
		mkdir -p "$OUT/var/lib/dpkg/info"
		{ cat "$STATUS"; echo; } >$A/dpkg-status
	fi
	# The packages in apt's order, numbered by k (not i: a function shares the
	# script's variables, and the loop over the sets counts in i), each with
	# whether SKIP names it (packages the consumer has already: zig's own libc
	# for a sysroot). apt names a .deb NAME_VERSION_ARCH.deb.
	k=0
	for deb in $A/cache/archives/*.deb; do
		k=$((k + 1))
		pkg=${deb##*/}
		pkg=${pkg%%_*}
		skip=0
		case " ${SKIP:-} " in *" $pkg "*) skip=1 ;; esac
		printf '%s %s %s %s\n' "$k" "$pkg" "$skip" "$deb"
	done >$A/debs
	# Unpacked on every core at once, as dpkg-deb -x does, each into a
	# directory of its own beside OUT (the same file system) with the list
	# of what it holds, its postinst and, for STATUS, its control file:
	# decompressing data.tar.xz is the step's work (FFmpeg's 230 packages:
	# 7 s on one core). The job's arguments: the stage, whether STATUS is
	# set, then a line of $A/debs.
	S=$OUT/.strata-stage
	mkdir -p "$S"
	# shellcheck disable=SC2016 # the job's own variables
	xargs -P "$(nproc)" -L 1 sh -c 'set -e
		if [ -n "$1" ]; then dpkg-deb -f "$5" >"$0/$2.control"; fi
		dpkg-deb -I "$5" postinst >"$0/$2.postinst" 2>/dev/null || :
		if [ "$4" = 0 ]; then mkdir "$0/$2"; dpkg-deb -X "$5" "$0/$2" >"$0/$2.list"; fi' "$S" "${STATUS:-}" <$A/debs
	# Then merged into OUT in apt's order, as unpacking them one after the
	# other would leave it: a later package's file replaces an earlier one's.
	# Hard links, no copies; the stage goes after.
	n=0
	while read -r k pkg skip deb; do
		[ "$skip" = 0 ] || continue
		cp -a -l --remove-destination "$S/$k/." "$OUT/"
		awk -v p="$pkg" '{ print $0 "\t" p }' "$S/$k.list" >>"$OUT/.strata/packages.tsv"
		if [ -n "${STATUS:-}" ]; then
			awk 'NR == 1 { print; print "Status: install ok installed"; next } { print }' "$S/$k.control" >>$A/dpkg-status
			echo >>$A/dpkg-status
			list=$pkg
			if grep -q -x 'Multi-Arch: same' "$S/$k.control"; then list=$pkg:$ARCH; fi
			sed -e 's#^\./$#/.#' -e 's#^\.##' -e 's#\(.\)/$#\1#' "$S/$k.list" >"$OUT/var/lib/dpkg/info/$list.list"
		fi
		n=$((n + 1))
	done <$A/debs
	if [ -n "${STATUS:-}" ]; then
		cp $A/dpkg-status "$OUT/var/lib/dpkg/status"
		chmod 0644 "$OUT/var/lib/dpkg/status"
	fi
	# Library alternatives: maintainer scripts are not run, so the links that
	# update-alternatives would make (libblas.so.3 -> blas/libblas.so.3) are
	# read from the postinst scripts and made here, highest priority first.
	while read -r k pkg skip deb; do
	  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$S/$k.postinst" |
	    awk '{ gsub(/["\047]/, ""); for (i = 1; i < NF; i++) if ($i == "--install" && i + 4 <= NF) print $(i+4), $(i+1), $(i+3) }'
	done <$A/debs | grep -v '\$' | sort -k1,1nr | while read -r prio link target; do
	  [ -e "$OUT$target" ] || continue
	  [ -e "$OUT$link" ] || [ -L "$OUT$link" ] && continue
	  mkdir -p "$(dirname "$OUT$link")"
	  ln -s "$target" "$OUT$link"
	  printf '%s\t%s\n' ".$link" alternatives >> $OUT/.strata/packages.tsv
	done
	rm -rf "$S"
	# CA certificates: ca-certificates' postinst (update-ca-certificates)
	# makes the bundle that OpenSSL, Go and Python read; it never runs here, so
	# the bundle is made the same way: every certificate the package ships,
	# trusted, listed in /etc/ca-certificates.conf, concatenated into
	# /etc/ssl/certs/ca-certificates.crt, with a NAME.pem link for each (not
	# the subject-hash links, which need openssl's hash).
	if [ -d "$OUT/usr/share/ca-certificates" ] && [ ! -e "$OUT/etc/ca-certificates.conf" ]; then
		mkdir -p "$OUT/etc/ssl/certs"
		(cd "$OUT/usr/share/ca-certificates" && find . -name '*.crt' -type f | sed 's#^\./##' | LC_ALL=C sort) >$A/certs
		{
			echo "# Made by Strata as update-ca-certificates would: every certificate of"
			echo "# /usr/share/ca-certificates, trusted."
			cat $A/certs
		} >"$OUT/etc/ca-certificates.conf"
		: >"$OUT/etc/ssl/certs/ca-certificates.crt"
		while read -r c; do
			cat "$OUT/usr/share/ca-certificates/$c" >>"$OUT/etc/ssl/certs/ca-certificates.crt"
			# a certificate file without a final newline would run into the next
			[ -z "$(tail -c 1 "$OUT/usr/share/ca-certificates/$c")" ] || echo >>"$OUT/etc/ssl/certs/ca-certificates.crt"
			b=$(basename "$c" .crt)
			ln -sfn "/usr/share/ca-certificates/$c" "$OUT/etc/ssl/certs/$b.pem"
		done <$A/certs
		printf '%s\t%s\n' ./etc/ca-certificates.conf ca-certificates ./etc/ssl/certs/ca-certificates.crt ca-certificates >>"$OUT/.strata/packages.tsv"
		echo "made /etc/ssl/certs/ca-certificates.crt from $(wc -l <$A/certs) certificates"
	fi
	# MERGED_USR: the tree goes onto a merged-/usr system (Debian 12 and
	# later), whose /lib, /bin and /sbin are links into /usr; a directory of
	# the same name in an image layer above would replace the link.
	if [ -n "${MERGED_USR:-}" ]; then
		for d in bin sbin lib lib32 lib64 libx32; do
			if [ -d "$OUT/$d" ] && [ ! -L "$OUT/$d" ]; then
				mkdir -p "$OUT/usr/$d"
				cp -a "$OUT/$d/." "$OUT/usr/$d/"
				rm -rf "${OUT:?}/$d"
			fi
		done
	fi
	# LINKS_AT: where the tree is mounted for a compiler; absolute links
	# (Debian's lib*.so -> /lib/...) would lead it out of the tree.
	if [ -n "${LINKS_AT:-}" ]; then
		find "$OUT" -type l | while read -r l; do
			t=$(readlink "$l")
			case $t in /*) ln -sfn "$LINKS_AT$t" "$l" ;; esac
		done
	fi
	# the next set downloads into the same cache (apt's own caches kept)
	rm -f $A/dpkg-status $A/debs $A/cache/archives/*.deb
	echo "unpacked $n packages for $ARCH from $SUITE into $OUT"
}
apt "$@" -q update
i=1
while [ "$i" -le "$SETS" ]; do
	eval "PACKAGES=\$PACKAGES_$i OUT=\$OUT_$i SKIP=\${SKIP_$i:-} STATUS=\${STATUS_$i:-} MERGED_USR=\${MERGED_USR_$i:-} LINKS_AT=\${LINKS_AT_$i:-}"
	unpack_set "$@"
	i=$((i + 1))
done
