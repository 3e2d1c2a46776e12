#!/usr/bin/env bash
# make install lays out binary, SDK headers, pkg-config file, connectors and
# config under PREFIX inside DESTDIR, writes nothing outside PREFIX unless
# SYSCONFDIR says so; the .pc file is usable by third parties.
. "$(dirname "$0")/../lib.sh"

test_install__layout_and_pkg_config() {
    run make -C "$ROOT" --no-print-directory install DESTDIR="$T/root" BUILD="$BUILD" SANITIZE="${SANITIZE:-}"
    expect_rc 0
    local p="$T/root/usr/local"
    [ -x "$p/bin/atsbridge" ] || fail "no $p/bin/atsbridge"
    [ -f "$p/include/atsbridge/connector.h" ] || fail "no SDK header"
    [ -f "$p/include/atsbridge/connector_util.h" ] || fail "no SDK util header"
    [ -f "$p/lib/pkgconfig/atsbridge-sdk.pc" ] || fail "no atsbridge-sdk.pc"
    [ -d "$p/lib/atsbridge/plugins" ] || fail "no plugin directory"
    for m in man1/atsbridge.1 man5/atsbridge.conf.5 man7/atsbridge-connector.7; do
        [ -f "$p/share/man/$m" ] || fail "no man page $m"
    done
    [ -f "$p/share/bash-completion/completions/atsbridge" ] || fail "no bash completion"
    # The config is under the prefix too: nothing outside /usr/local.
    [ -f "$p/etc/atsbridge/atsbridge.conf" ] || fail "no config in $p/etc"
    [ ! -e "$T/root/etc" ] || fail "make install wrote outside PREFIX: $(find "$T/root/etc")"
    grep -q '"/usr/local/lib/atsbridge/plugins"' "$p/etc/atsbridge/atsbridge.conf" || fail "installed config does not point at the installed plugins"
    grep -q '"/var/lib/atsbridge/atsbridge.db"' "$p/etc/atsbridge/atsbridge.conf" || fail "installed config does not use /var/lib"
    PKG_CONFIG_SYSROOT_DIR="$T/root" PKG_CONFIG_PATH="$p/lib/pkgconfig" run pkg-config --cflags atsbridge-sdk
    expect_rc 0
    expect_out "-I$T/root/usr/local/include"
    PKG_CONFIG_PATH="$p/lib/pkgconfig" run pkg-config --variable=abi_major atsbridge-sdk
    expect_eq 1 "$OUT" "abi_major"
    PKG_CONFIG_PATH="$p/lib/pkgconfig" run pkg-config --variable=connectordir atsbridge-sdk
    expect_eq /usr/local/lib/atsbridge/plugins "$OUT" "connectordir"
    # The installed binary runs with the installed config.
    run "$p/bin/atsbridge" -c "$p/etc/atsbridge/atsbridge.conf" --db "$DB" --plugin-dir "$p/lib/atsbridge/plugins" plugins list
    expect_rc 0
}

# What make install would write for a PREFIX or SYSCONFDIR (dry run: a
# real install with another PREFIX would rebuild the shared build tree).
install_targets() { # install_targets VAR=VALUE...: every path an install writes
    make -n -C "$ROOT" --no-print-directory install BUILD="$BUILD" SANITIZE="${SANITIZE:-}" "$@" |
        grep -E '^(install|sed|test -e)' | tr ' ' '\n' | grep '^/' | tr -d "\";'" | grep -v "^$ROOT" | sort -u
}

test_install__prefix_alone_writes_nothing_outside_it() {
    local targets; targets=$(install_targets PREFIX=/opt/atsb)
    [[ $targets == *"/opt/atsb/etc/atsbridge/atsbridge.conf"* ]] || fail "config not under the prefix: $targets"
    local outside; outside=$(echo "$targets" | grep -v '^/opt/atsb' | grep -v '^/var/lib/atsbridge/atsbridge.db' || true)
    expect_eq "" "$outside" "paths outside PREFIX=/opt/atsb"
}

test_install__sysconfdir_and_prefix_usr_put_the_config_in_etc() {
    local targets
    targets=$(install_targets PREFIX=/opt/atsb SYSCONFDIR=/etc)
    echo "$targets" | grep -qx /etc/atsbridge/atsbridge.conf || fail "SYSCONFDIR=/etc ignored: $targets"
    targets=$(install_targets PREFIX=/usr DESTDIR=/stage)
    [[ $targets == *"/stage/etc/atsbridge/atsbridge.conf"* ]] || fail "PREFIX=/usr: config not in DESTDIR/etc: $targets"
    [[ $targets == *"/stage/usr/bin/atsbridge"* ]] || fail "PREFIX=/usr: no DESTDIR/usr/bin: $targets"
}

test_install__skeleton_builds_out_of_tree_against_the_installed_sdk_passes_the_kit_and_syncs() {
    run make -C "$ROOT" --no-print-directory install DESTDIR="$T/root" BUILD="$BUILD" SANITIZE="${SANITIZE:-}"
    expect_rc 0
    # A third party's tree: only the example's two files, nothing of ours.
    mkdir "$T/vendor"
    cp "$ROOT/sdk/examples/skeleton/skeleton.c" "$ROOT/sdk/examples/skeleton/Makefile" "$T/vendor/"
    local san=""
    [ "${SANITIZE:-}" = 1 ] && san="-fsanitize=address,undefined"
    PKG_CONFIG_SYSROOT_DIR="$T/root" PKG_CONFIG_PATH="$T/root/usr/local/lib/pkgconfig" \
        run make -C "$T/vendor" CFLAGS="-O2 -g $san" LDFLAGS="$san"
    expect_rc 0
    expect_eq "atsb_connector_entry" "$(nm -D --defined-only "$T/vendor/skeleton.so" | awk '{print $3}')" "exports"
    mkdir -m 0755 "$T/plugins"
    install -m 0755 "$T/vendor/skeleton.so" "$T/plugins/"
    run "$ATSB" --db "$DB" --plugin-dir "$T/plugins" plugins list
    expect_out "skeleton"
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    ASAN_OPTIONS=handle_segv=0 run "$ATSB" -c "$TEST_CONF" plugins test "$T/plugins/skeleton.so" \
        --set base_url="$SB/skeleton" --set api_key=sk-key-value
    expect_rc 0
    expect_out "0 failed"
    # ...and it syncs through atsbridge.
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$T/plugins" org add vendorco
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$T/plugins" connect vendorco skeleton \
        --set base_url="$SB/skeleton" --set api_key=sk-key-value
    expect_rc 0
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$T/plugins" sync jobs vendorco --json
    expect_rc 0
    expect_eq "3:1:0:1" "$(echo "$OUT" | jq -r '.[0].counts | "\(.created):\(.non_us):\(.unknown_location):\(.closed_skipped)"')" "skeleton counts"
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$T/plugins" jobs activate vendorco S-1
    echo '{"id":"v1","org":"vendorco","job":"S-1","first_name":"Vi","last_name":"Vendor","email":"vi@example.com","status":"engaged"}' > "$T/c.json"
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$T/plugins" candidates import "$T/c.json"
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$T/plugins" sync candidates vendorco
    expect_rc 0
    expect_out "pushed 1"
}

run_tests
