#!/usr/bin/env bash
# Builds the Debian packages from the tracked files of this tree, checks them
# with lintian, installs them on this machine with apt-get, uses them (the
# binary, its connectors, the SDK building the skeleton connector with
# pkg-config), then purges them and checks nothing is left behind but the
# system user (Debian keeps system users on purge: a reused uid would
# inherit whatever the old one still owns).
#
# Root only (it installs packages); run by .ci/run after the suite.  Needs
# debhelper, dpkg-dev, lintian, scdoc and the build packages (make deps).
# DEBS=DIR uses packages already built in DIR instead of building them.
# Starts nothing: in a container without a running systemd, the unit is
# enabled (a symlink) but deb-systemd-invoke starts nothing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then echo "ok - test_debian # skip needs root"; exit 0; fi
for p in atsbridge atsbridge-dev; do
    if dpkg -s "$p" >/dev/null 2>&1; then
        echo "not ok - test_debian: $p is already installed here; refusing to purge it"; exit 1
    fi
done

T=$(mktemp -d /tmp/atsbridge-debtest-XXXXXX)
installed=0
cleanup() {
    if [ $installed = 1 ]; then apt-get purge -y -q atsbridge atsbridge-dev >/dev/null 2>&1 || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*" >&2; exit 1; }

start=$(date +%s)
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
condir=/usr/lib/$triplet/atsbridge/connectors

# ---- build (a copy of the tracked files: the tree stays clean) ----
if [ -z "${DEBS:-}" ]; then
    mkdir "$T/src"
    git -C "$ROOT" ls-files -z | (cd "$ROOT" && tar --null -T - -cf -) | tar -C "$T/src" -xf -
    (cd "$T/src" && dpkg-buildpackage -us -uc -b -j"${JOBS:-1}") > "$T/build.log" 2>&1 ||
        { tail -n 40 "$T/build.log"; fail "dpkg-buildpackage failed"; }
    DEBS=$T
fi
version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
deb=$DEBS/atsbridge_${version}_$arch.deb
devdeb=$DEBS/atsbridge-dev_${version}_$arch.deb
[ -f "$deb" ] && [ -f "$devdeb" ] || fail "no $deb / $devdeb"
ok "dpkg-buildpackage built $(basename "$deb") $(basename "$devdeb")"

# ---- lintian: no error, no warning that is not overridden with a reason ----
lintian --fail-on error,warning --no-tag-display-limit "$DEBS/atsbridge_${version}_$arch.changes" > "$T/lintian.log" 2>&1 ||
    { cat "$T/lintian.log"; fail "lintian"; }
ok "lintian: no errors, no warnings (beyond debian/*.lintian-overrides)"

# What exists before, to compare with after the purge.
snapshot() {
    find /etc /usr /var/lib /lib/systemd -xdev 2>/dev/null |
        grep -v -e '^/var/lib/dpkg' -e '^/var/lib/apt' -e '^/var/lib/ucf' -e '^/etc/ld.so.cache' | sort
}
snapshot > "$T/before"

# ---- install ----
apt-get install -y -q --no-install-recommends "$deb" "$devdeb" > "$T/install.log" 2>&1 ||
    { cat "$T/install.log"; fail "apt-get install"; }
installed=1
ok "apt-get install ./atsbridge*.deb (no running systemd: nothing started, install succeeds)"
snapshot > "$T/installed"

getent passwd atsbridge > /dev/null || fail "no system user atsbridge"
[ "$(stat -c '%U:%a' /var/lib/atsbridge)" = atsbridge:700 ] || fail "/var/lib/atsbridge: $(stat -c '%U:%a' /var/lib/atsbridge)"
dpkg-query --control-show atsbridge conffiles | grep -qx /etc/atsbridge/atsbridge.conf || fail "atsbridge.conf is not a conffile"
grep -q "\"$condir\"" /etc/atsbridge/atsbridge.conf || fail "config does not name $condir"
grep -q '"/var/lib/atsbridge/atsbridge.db"' /etc/atsbridge/atsbridge.conf || fail "config does not name the store in /var/lib/atsbridge"
[ -L /etc/systemd/system/multi-user.target.wants/atsbridge.service ] || fail "unit not enabled"
grep -q '^ExecStart=/usr/bin/atsbridge ' /lib/systemd/system/atsbridge.service || fail "unit ExecStart"
zcat /usr/share/man/man5/atsbridge.conf.5.gz | grep -qF "$condir" || fail "atsbridge.conf(5) does not name $condir"
[ -f /usr/share/man/man1/atsbridge.1.gz ] && [ -f /usr/share/man/man7/atsbridge-connector.7.gz ] || fail "man pages"
[ -f /usr/share/bash-completion/completions/atsbridge ] || fail "no bash completion"
ok "user, state directory, conffile, enabled unit, man pages, completion"

out=$(atsbridge --version) || fail "atsbridge --version"
[[ $out == "atsbridge ${version%%-*} "* ]] || fail "--version said: $out"
ok "atsbridge --version: $out"

# As the daemon's user, with the installed config: the compiled-in and the
# configured plugin directory are the package's.
out=$(cd / && runuser -u atsbridge -- atsbridge plugins list 2>&1) || fail "plugins list: $out"
for c in greenhouse lever workday; do [[ $out == *"$c"* ]] || fail "plugins list lacks $c: $out"; done
out=$(cd / && atsbridge -c /dev/null --db "$T/db" plugins list --json) || fail "plugins list (built-in defaults): $out"
[ "$(echo "$out" | grep -o '"name"' | wc -l)" -ge 3 ] || fail "built-in plugin dir is not $condir: $out"
ok "atsbridge plugins list loads the three connectors from $condir"

# ---- the SDK: the example, built out of tree with pkg-config ----
cp -r /usr/share/doc/atsbridge-dev/examples/skeleton "$T/vendor"
find "$T/vendor" -name '*.gz' -exec gunzip {} +
make -C "$T/vendor" > "$T/vendor.log" 2>&1 || { cat "$T/vendor.log"; fail "skeleton does not build"; }
[ "$(pkg-config --variable=connectordir atsbridge-sdk)" = "$condir" ] || fail "connectordir"
make -C "$T/vendor" install > /dev/null
out=$(cd / && atsbridge --db "$T/db" plugins list) || fail "plugins list with skeleton: $out"
[[ $out == *skeleton* ]] || fail "skeleton not loaded: $out"
rm -f "$condir/skeleton.so"
ok "skeleton connector builds against atsbridge-dev with pkg-config and loads"

# ---- purge ----
apt-get purge -y -q atsbridge atsbridge-dev > "$T/purge.log" 2>&1 || { cat "$T/purge.log"; fail "apt-get purge"; }
installed=0
snapshot > "$T/after"
left=$(comm -13 "$T/before" "$T/after" | grep -i atsbridge || true)
[ -z "$left" ] || fail "left after purge: $left"
for p in /etc/atsbridge /var/lib/atsbridge "$condir" /usr/include/atsbridge; do
    [ ! -e "$p" ] || fail "$p left after purge"
done
ok "purge leaves nothing but the atsbridge system user"
echo "# test_debian took $(($(date +%s) - start)) s"
