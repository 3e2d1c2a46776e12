# atsbridge — GNU make, no autotools.
#   make              host, connectors, tests            -> build/
#   make test         build and run the whole suite
#   make test-pg      the whole suite again, every store on PostgreSQL
#   make demo         the end-to-end demo
#   make bench        benchmarks (not part of make test)
#   make deps         install the Debian build/test packages (no-op when present)
#   make install      PREFIX=/usr/local DESTDIR= SYSCONFDIR=PREFIX/etc LOCALSTATEDIR=/var/lib
#                     LIBDIR=PREFIX/lib PLUGINDIR=LIBDIR/atsbridge/plugins
#   make progs        only what make install ships (no test packages needed)
#   make man          the man pages (scdoc sources in man/) -> build/man/
#   make SANITIZE=1 test   the suite under ASan + UBSan
#   make CC=clang     any C11 compiler; warnings are errors

VERSION   := 0.1.0
ABI_MAJOR := $(shell sed -n 's/^\#define ATSB_ABI_MAJOR \([0-9]*\)/\1/p' sdk/include/atsbridge/connector.h)
ABI_MINOR := $(shell sed -n 's/^\#define ATSB_ABI_MINOR \([0-9]*\)/\1/p' sdk/include/atsbridge/connector.h)

PREFIX     ?= /usr/local
DESTDIR    ?=
# Everything make install writes goes under PREFIX (inside DESTDIR, for
# packagers): the config too, in PREFIX/etc, unless SYSCONFDIR says where.
# PREFIX=/usr is the system's own prefix, whose config lives in /etc (FHS).
SYSCONFDIR ?= $(if $(filter /usr /usr/,$(PREFIX)),/etc,$(PREFIX)/etc)
# Only compiled in and written into the installed config (the database's
# default place); make install creates nothing there.
LOCALSTATEDIR ?= /var/lib
# Where atsbridge-sdk.pc goes, and the connectors' directory (compiled in as
# the default plugins.dir).  Debian's package sets LIBDIR to the multiarch
# directory and PLUGINDIR to LIBDIR/atsbridge/connectors (debian/rules).
LIBDIR    ?= $(PREFIX)/lib
PLUGINDIR ?= $(LIBDIR)/atsbridge/plugins
# The admin console's files (compiled in as the default api.console_dir).
WWWDIR    ?= $(PREFIX)/share/atsbridge/www
CONSOLE_FILES := core/api/www/index.html core/api/www/console.js core/api/www/console.css
BUILD      ?= build
# V=1 shows full compiler command lines.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

CC  ?= cc
CXX ?= c++
PKG_CONFIG ?= pkg-config
# The public SDK: what a connector may include, and what make install ships.
SDK_HEADERS := sdk/include/atsbridge/connector.h sdk/include/atsbridge/connector_util.h

PKGS := libcurl json-c libconfig sqlite3 libpq pangocairo cairo-pdf libqpdf libmicrohttpd libsystemd
# libgeonames (GPL-3) is used only by a build-time tool that extracts its
# CC-BY city data; atsbridge itself never links it.
GEN_PKGS := geonames
TEST_PKGS := libmicrohttpd cmocka libxml-2.0
# Debian packages for building and testing (make deps).  The fonts are
# run-time dependencies too: the profile PDF draws every script with them
# (docs/candidates.md, "Fonts").
FONT_PKGS := fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji fontconfig
# A family from each font package, for the probe below.
FONT_PROBES := 'DejaVu Sans' 'Noto Sans Thai' 'Noto Sans CJK SC' 'Noto Color Emoji'
# The console's browser test: Debian's Chromium, driven by puppeteer-core
# (tests/browser/package.json, installed by the test with npm ci).
BROWSER_PKGS := chromium
DEB_PKGS := build-essential pkg-config clang valgrind jq curl \
            libcurl4-openssl-dev libjson-c-dev libconfig-dev libsqlite3-dev \
            libmicrohttpd-dev libcmocka-dev libcairo2-dev libpango1.0-dev libpq-dev postgresql \
            libqpdf-dev poppler-utils libxml2-dev libsystemd-dev $(FONT_PKGS) \
            libgeonames-dev libgeonames-common scdoc $(BROWSER_PKGS) python3-yaml

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
JSONC_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS   := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CSTD    := -std=c11
# DWARF 4: the valgrind in Debian 12 cannot read clang 14's default DWARF 5.
OPT     ?= -O2 -g -gdwarf-4
DEFS    := -D_GNU_SOURCE -DATSB_VERSION='"$(VERSION)"' \
           -DSYSCONFDIR='"$(SYSCONFDIR)"' -DLOCALSTATEDIR='"$(LOCALSTATEDIR)"' \
           -DPLUGINDIR='"$(PLUGINDIR)"' -DWWWDIR='"$(WWWDIR)"'
ifeq ($(SANITIZE),1)
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# make fuzz builds everything for libFuzzer (clang only) in build/fuzz.
ifeq ($(SANITIZE),fuzz)
SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
endif
# CPPFLAGS from the environment (e.g. dpkg-buildflags' -D_FORTIFY_SOURCE=2) too.
CFLAGS_ALL  := $(CSTD) $(OPT) $(WARN) $(SAN) $(DEFS) -Isdk/include -fvisibility=hidden $(CPPFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(SAN) $(LDFLAGS)
HOST_LIBS   := $(PKG_LIBS) -ldl -lpthread

# Connectors see only the SDK header (and json-c, which they may use).
PLUGIN_CFLAGS  := $(CSTD) $(OPT) $(WARN) $(SAN) -D_GNU_SOURCE -Isdk/include $(JSONC_CFLAGS) \
                  -fPIC -fvisibility=hidden $(CPPFLAGS) $(CFLAGS)
PLUGIN_LDFLAGS := $(SAN) -shared -Wl,--version-script=sdk/connector.map $(LDFLAGS)

# core/ is grouped by subsystem: base/ cli/ store/ net/ plugin/ sync/ cands/ daemon/.
CORE_SRCS := $(wildcard core/*.c core/*/*.c)
# + the GeoNames city table, generated (see "generated sources" below).
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/cities_data.o \
             $(BUILD)/obj/gen/openapi_json.o
CORE_LIB_OBJS := $(filter-out $(BUILD)/obj/core/main.o,$(CORE_OBJS))

PLUGIN_NAMES := $(notdir $(wildcard plugins/*))
# Extra pkg-config packages a connector links, beside json-c.
PLUGIN_PKGS_workday := libxml-2.0
plugin_pkg = $(if $(PLUGIN_PKGS_$(2)),$(shell $(PKG_CONFIG) --$(1) $(PLUGIN_PKGS_$(2))))
PLUGIN_SOS   := $(PLUGIN_NAMES:%=$(BUILD)/plugins/%.so)

FIXTURE_SRCS := $(wildcard tests/fixtures/connectors/*.c)
FIXTURE_SOS  := $(FIXTURE_SRCS:tests/fixtures/connectors/%.c=$(BUILD)/tests/fixtures/%.so)

SANDBOX_SRCS := $(wildcard tests/sandbox/*.c)
SANDBOX_OBJS := $(SANDBOX_SRCS:%.c=$(BUILD)/obj/%.o)

# Deliberately broken connectors for the conformance kit's tests, and the
# SDK's skeleton example built in-tree (CI also builds it out of tree).
KIT_BREAKS := crash abort hang stdout misclass nofind noauth exports loosefind nopdf
KIT_SOS    := $(KIT_BREAKS:%=$(BUILD)/tests/kit/broken_%.so) $(BUILD)/tests/kit/skeleton.so

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

# Fuzz targets (see "fuzzing" below).
FUZZ_PLAIN   := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out tests/fuzz/fuzz_connector.c,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS := $(FUZZ_PLAIN) $(PLUGIN_NAMES)
FUZZ_BUILD   ?= build/fuzz
FUZZ_SECONDS ?= 30

.PHONY: all progs man deps need-deps need-build-deps test test-pg check-run demo demo-run bench fuzz fuzz-bins install clean FORCE

all: need-deps $(BUILD)/atsbridge $(PLUGIN_SOS) man tests-build

# What make install ships, built with the build packages alone (Debian's
# package builds this: its Build-Depends are the packages checked here).
progs: need-build-deps $(BUILD)/atsbridge $(PLUGIN_SOS) man

need-build-deps:
	@$(PKG_CONFIG) --exists $(PKGS) $(GEN_PKGS) libxml-2.0 && command -v scdoc >/dev/null || { \
	  echo "atsbridge: missing build packages; run 'make deps'" >&2; exit 1; }

need-deps:
	@$(PKG_CONFIG) --exists $(PKGS) $(TEST_PKGS) $(GEN_PKGS) || { \
	  echo "atsbridge: missing build packages; run 'make deps' (or 'make test', which does)" >&2; exit 1; }

# Installs only when something is missing, so it is a no-op on a ready machine.
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "deps: all packages present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing

# make test / make demo: install whatever is missing first (libraries
# pkg-config cannot find, the tools the tests use: jq, curl, valgrind,
# pdftotext, the PostgreSQL server the store tests start, and the fonts
# fontconfig cannot find), then re-run make so the pkg-config flags above
# are read afresh.  A no-op when everything is there.
define ensure_deps
	@$(PKG_CONFIG) --exists $(PKGS) $(TEST_PKGS) $(GEN_PKGS) 2>/dev/null && \
	  command -v jq >/dev/null && command -v curl >/dev/null && \
	  command -v valgrind >/dev/null && command -v pdftotext >/dev/null && \
	  command -v scdoc >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
	  (for f in $(FONT_PROBES); do fc-list -q "$$f" 2>/dev/null || exit 1; done) || \
	  $(MAKE) --no-print-directory deps
endef

test:
	$(ensure_deps)
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) CC="$(CC)" CXX="$(CXX)" bash tests/run.sh

# The whole suite again with every test's store on PostgreSQL (a
# throwaway server for the run; tests/pg_lib.sh).
test-pg:
	$(ensure_deps)
	@$(MAKE) --no-print-directory all
	@STORE=pg BUILD=$(BUILD) SANITIZE=$(SANITIZE) CC="$(CC)" CXX="$(CXX)" bash tests/run.sh

demo:
	$(ensure_deps)
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash tests/demo.sh

bench:
	$(ensure_deps)
	@$(MAKE) --no-print-directory all $(BUILD)/tests/bench/download $(BUILD)/tests/bench/rusage \
	  $(BUILD)/tests/bench/profile_bench $(BUILD)/tests/bench/sched_seed $(BUILD)/tests/bench/task_bench
	@BUILD=$(BUILD) bash tests/bench/run.sh

# Benchmarks that call into the host's code.
BENCH_HOST := $(BUILD)/tests/bench/profile_bench $(BUILD)/tests/bench/sched_seed \
              $(BUILD)/tests/bench/task_bench
$(BENCH_HOST): $(BUILD)/tests/bench/%: $(BUILD)/obj/tests/bench/%.o $(CORE_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(HOST_LIBS)

$(BUILD)/tests/bench/%: $(BUILD)/obj/tests/bench/%.o
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# Rebuild everything when the compiler or flags change (e.g. SANITIZE=1).
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) $(PLUGIN_CFLAGS)' | cmp -s - $@ || \
	  echo '$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) $(PLUGIN_CFLAGS)' > $@

$(BUILD)/obj/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS_ALL) -Icore $(PKG_CFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/atsbridge: $(CORE_OBJS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(HOST_LIBS)

# ---- generated sources ----
# The city table: gen_cities (linked with libgeonames, built without
# sanitizers since it only runs here) writes the data as C.
GEONAMES_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(GEN_PKGS) 2>/dev/null)
GEONAMES_LIBS   := $(shell $(PKG_CONFIG) --libs $(GEN_PKGS) 2>/dev/null)
$(BUILD)/gen/gen_cities: core/sync/gen/gen_cities.c
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CSTD) -O1 $(WARN) $(GEONAMES_CFLAGS) -o $@ $< $(GEONAMES_LIBS)

$(BUILD)/gen/cities_data.c: $(BUILD)/gen/gen_cities
	$(call say,GEN,$@)
	$(Q)$< $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/cities_data.o: $(BUILD)/gen/cities_data.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS_ALL) -O0 -U_FORTIFY_SOURCE -c $< -o $@

# The API's OpenAPI document, served at /v1/openapi.json: docs/openapi.yaml
# converted to JSON and embedded as a C string (python3 with PyYAML).
$(BUILD)/gen/openapi_json.c: docs/openapi.yaml core/api/openapi2c.py
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)python3 core/api/openapi2c.py $< $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/openapi_json.o: $(BUILD)/gen/openapi_json.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

# ---- man pages ----
# scdoc sources in man/, with the install paths filled in.  The settings of
# atsbridge.conf(5) are generated from conf/atsbridge.conf, so the page and
# the shipped file never disagree (tests/integration/test_man.sh checks both
# against the code).
MAN_PAGES := $(BUILD)/man/atsbridge.1 $(BUILD)/man/atsbridge.conf.5 $(BUILD)/man/atsbridge-connector.7
MAN_SUBST := -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' \
             -e 's|@PLUGINDIR@|$(PLUGINDIR)|g'
man: $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SCDOC,$@)
	$(Q)sed $(MAN_SUBST) $< | scdoc > $@.tmp && mv $@.tmp $@

$(BUILD)/man/atsbridge.conf.5: man/atsbridge.conf.5.scd.in man/conf2scd.awk conf/atsbridge.conf $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SCDOC,$@)
	$(Q)awk -v plugindir='$(PLUGINDIR)' -v wwwdir='$(WWWDIR)' -v localstatedir='$(LOCALSTATEDIR)' \
	  -f man/conf2scd.awk conf/atsbridge.conf > $@.settings
	$(Q)sed $(MAN_SUBST) -e '/^@SETTINGS@$$/{r $@.settings' -e 'd;}' $< | scdoc > $@.tmp && \
	  mv $@.tmp $@ && rm -f $@.settings

# One connector per plugins/<name>/ directory.
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(wildcard plugins/%/*.c) $$(wildcard plugins/%/*.h) $(SDK_HEADERS) sdk/connector.map $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SO,$@)
	$(Q)$(CC) $(PLUGIN_CFLAGS) $(call plugin_pkg,cflags,$*) $(PLUGIN_LDFLAGS) -o $@ \
	  $(filter %.c,$^) $(JSONC_LIBS) $(call plugin_pkg,libs,$*)
	@chmod 0755 $@

$(BUILD)/tests/fixtures/%.so: tests/fixtures/connectors/%.c $(SDK_HEADERS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SO,$@)
	$(Q)$(CC) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $< $(JSONC_LIBS)

# A connector that crashes, exits, prints, hangs or eats memory on demand,
# for the isolation tests; apart from the other fixtures, whose directory the
# loader tests list.
$(BUILD)/tests/isolation/rogue.so: tests/fixtures/isolation/rogue.c $(SDK_HEADERS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SO,$@)
	$(Q)$(CC) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $< $(JSONC_LIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(CORE_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(HOST_LIBS) $(TEST_LIBS)

.SECONDARY:

tests-build: $(FIXTURE_SOS) $(BUILD)/tests/isolation/rogue.so $(UNIT_BINS) $(BUILD)/atsbridge-sandbox $(BUILD)/tests/tools/mkpdf \
	$(BUILD)/tests/tools/notify_sink \
	$(KIT_SOS) $(BUILD)/tests/abi/v1_0.so $(BUILD)/tests/abi/v1_1_needs_1_0.so \
	$(BUILD)/tests/abi/v1_1_needs_1_1.so $(BUILD)/tests/abi/host_1_0 \
	$(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/replay_%)

# ---- fuzzing ----
# Each target is tests/fuzz/fuzz_<name>.c, or fuzz_connector.c built once per
# connector.  `make fuzz` builds them for libFuzzer with clang in build/fuzz
# and runs each for FUZZ_SECONDS; `make test` replays their corpora
# (tests/fuzz/corpus/<name>/, seeds and kept crash inputs) with a plain
# main() in every build, so a fixed crash stays fixed.

$(BUILD)/obj/tests/fuzz/conn_%.o: tests/fuzz/fuzz_connector.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,CC,$<[$*])
	$(Q)$(CC) $(CFLAGS_ALL) -Icore $(PKG_CFLAGS) -DFUZZ_CONNECTOR='"$*"' -MMD -MP -c $< -o $@

fuzz_obj = $(if $(filter $(1),$(PLUGIN_NAMES)),$(BUILD)/obj/tests/fuzz/conn_$(1).o,$(BUILD)/obj/tests/fuzz/fuzz_$(1).o)

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/obj/tests/fuzz/replay.o $$(call fuzz_obj,$$*) $(CORE_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(HOST_LIBS)

$(BUILD)/tests/fuzz/fuzz_%: $$(call fuzz_obj,$$*) $(CORE_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)

fuzz-bins: $(PLUGIN_SOS) $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz_%)

fuzz:
	$(ensure_deps)
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CXX=clang++ SANITIZE=fuzz fuzz-bins
	@BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_TARGETS)

# Built against the frozen ABI 1.0 header, never against sdk/include: every
# later 1.x host must load it.
$(BUILD)/tests/abi/v1_0.so: tests/fixtures/abi/v1_0.c tests/fixtures/abi/1.0/atsbridge/connector.h $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SO,$@)
	$(Q)$(CC) $(subst -Isdk/include,-Itests/fixtures/abi/1.0,$(PLUGIN_CFLAGS)) $(PLUGIN_LDFLAGS) -o $@ $<

# The same connector built against today's header twice: needing ABI 1.1,
# and declaring it serves 1.0 hosts too.
$(BUILD)/tests/abi/v1_1_needs_1_%.so: tests/fixtures/abi/v1_1.c $(SDK_HEADERS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SO,$@)
	$(Q)$(CC) $(PLUGIN_CFLAGS) -DNEEDS_MINOR=$* $(PLUGIN_LDFLAGS) -o $@ $<

# A 1.0 host: today's loader compiled against the frozen 1.0 header.
ABI_HOST_SRCS := tests/tools/abi_host.c core/plugin/plugin.c core/plugin/elfsyms.c \
                 core/base/util.c core/base/log.c
$(BUILD)/tests/abi/host_1_0: $(ABI_HOST_SRCS) tests/fixtures/abi/1.0/atsbridge/connector.h $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CSTD) $(OPT) $(WARN) $(SAN) $(DEFS) -Itests/fixtures/abi/1.0 -Icore \
	  $(LDFLAGS_ALL) -o $@ $(ABI_HOST_SRCS) -ldl -lpthread

$(BUILD)/tests/kit/broken_exports.so: tests/fixtures/kit/broken.c $(SDK_HEADERS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SO,$@)
	$(Q)$(CC) $(PLUGIN_CFLAGS) -DBREAK_exports $(SAN) -shared -o $@ $< $(JSONC_LIBS)

$(BUILD)/tests/kit/broken_%.so: tests/fixtures/kit/broken.c $(SDK_HEADERS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SO,$@)
	$(Q)$(CC) $(PLUGIN_CFLAGS) -DBREAK_$* $(PLUGIN_LDFLAGS) -o $@ $< $(JSONC_LIBS)

$(BUILD)/tests/kit/skeleton.so: sdk/examples/skeleton/skeleton.c $(SDK_HEADERS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call say,SO,$@)
	$(Q)$(CC) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $< $(JSONC_LIBS)

$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# The sandbox ATS: test infrastructure, never installed.
$(BUILD)/atsbridge-sandbox: $(SANDBOX_OBJS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS) $(JSONC_LIBS) -lpthread

install: progs
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/atsbridge \
	  $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PLUGINDIR) \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	  $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/atsbridge $(DESTDIR)$(SYSCONFDIR)/atsbridge $(DESTDIR)$(WWWDIR)
	install -m 0755 $(BUILD)/atsbridge $(DESTDIR)$(PREFIX)/bin/atsbridge
	install -m 0644 $(BUILD)/man/atsbridge.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(BUILD)/man/atsbridge.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(BUILD)/man/atsbridge-connector.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 0644 completion/atsbridge.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/atsbridge
	install -m 0644 $(SDK_HEADERS) $(DESTDIR)$(PREFIX)/include/atsbridge/
	install -m 0644 sdk/connector.map $(DESTDIR)$(PREFIX)/share/atsbridge/connector.map
	install -m 0644 $(CONSOLE_FILES) $(DESTDIR)$(WWWDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' \
	    -e 's|@ABI_MAJOR@|$(ABI_MAJOR)|g' -e 's|@ABI_MINOR@|$(ABI_MINOR)|g' \
	    sdk/atsbridge-sdk.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/atsbridge-sdk.pc
	for so in $(PLUGIN_SOS); do install -m 0755 $$so $(DESTDIR)$(PLUGINDIR)/; done
	@# Never overwrite an admin's config.
	test -e $(DESTDIR)$(SYSCONFDIR)/atsbridge/atsbridge.conf || \
	  sed -e 's|^\(\s*path = \).*|\1"$(LOCALSTATEDIR)/atsbridge/atsbridge.db";|' \
	      -e 's|^\(\s*dir = \).*|\1"$(PLUGINDIR)";|' \
	      -e 's|^\(\s*console_dir = \).*|\1"$(WWWDIR)";|' \
	      conf/atsbridge.conf > $(DESTDIR)$(SYSCONFDIR)/atsbridge/atsbridge.conf

clean:
	rm -rf $(BUILD)

# Header dependencies of every object built so far (written by -MMD); make
# must never try to build them itself (conn_%.o would match conn_x.d.o).
$(BUILD)/obj/%.d: ;
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
