/* Connecting an organisation and re-checking its connection: the steps
 * `atsbridge connect` / `check` and the API's PUT .../connection and POST
 * .../connection/check share, so both refuse, check and record alike. */
#ifndef ATSB_CORE_CONN_SETUP_H
#define ATSB_CORE_CONN_SETUP_H

#include "base/config.h"
#include "plugin/plugin.h"
#include "store/store.h"

/* Validate settings against the connector's schema, run its check (unless
 * !check), store the connection and the check's outcome.  Nothing is stored
 * when anything fails.  *warnings (malloc'd, may be NULL): what a passing
 * check warned about. */
int conn_setup_connect(store *st, const plugin_registry *reg, const config *cfg,
                       const store_org *org, const char *connector,
                       const store_setting *settings, size_t n, int check, char **warnings,
                       atsb_error *err);

/* Check a stored connection again and keep the outcome ("passed",
 * "passed; warnings: ..." or "failed: ..."; malloc'd in *result either
 * way).  The check's own error is returned, after it was recorded. */
int conn_setup_recheck(store *st, const plugin_registry *reg, const config *cfg,
                       const store_org *org, char **result, atsb_error *err);

#endif
