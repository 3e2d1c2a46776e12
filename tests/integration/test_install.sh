#!/usr/bin/env bash
# make install lays out binary, SDK header, pkg-config file, connectors and
# config under PREFIX inside DESTDIR; the .pc file is usable by third parties.
. "$(dirname "$0")/../lib.sh"

test_install__layout_and_pkg_config() {
    run make -C "$ROOT" --no-print-directory install DESTDIR="$T/root" BUILD="$BUILD" SANITIZE="${SANITIZE:-}"
    expect_rc 0
    local p="$T/root/usr/local"
    [ -x "$p/bin/atsbridge" ] || fail "no $p/bin/atsbridge"
    [ -f "$p/include/atsbridge/connector.h" ] || fail "no SDK header"
    [ -f "$p/lib/pkgconfig/atsbridge-sdk.pc" ] || fail "no atsbridge-sdk.pc"
    [ -d "$p/lib/atsbridge/plugins" ] || fail "no plugin directory"
    [ -f "$T/root/etc/atsbridge/atsbridge.conf" ] || fail "no config"
    grep -q '"/usr/local/lib/atsbridge/plugins"' "$T/root/etc/atsbridge/atsbridge.conf" || fail "installed config does not point at the installed plugins"
    grep -q '"/var/lib/atsbridge/atsbridge.db"' "$T/root/etc/atsbridge/atsbridge.conf" || fail "installed config does not use /var/lib"
    PKG_CONFIG_SYSROOT_DIR="$T/root" PKG_CONFIG_PATH="$p/lib/pkgconfig" run pkg-config --cflags atsbridge-sdk
    expect_rc 0
    expect_out "-I$T/root/usr/local/include"
    PKG_CONFIG_PATH="$p/lib/pkgconfig" run pkg-config --variable=abi_major atsbridge-sdk
    expect_eq 1 "$OUT" "abi_major"
    PKG_CONFIG_PATH="$p/lib/pkgconfig" run pkg-config --variable=connectordir atsbridge-sdk
    expect_eq /usr/local/lib/atsbridge/plugins "$OUT" "connectordir"
    # The installed binary runs with the installed config.
    run "$p/bin/atsbridge" -c "$T/root/etc/atsbridge/atsbridge.conf" --db "$T/db" --plugin-dir "$p/lib/atsbridge/plugins" plugins list
    expect_rc 0
}

run_tests
