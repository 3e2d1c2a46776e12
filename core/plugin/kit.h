/* The connector conformance kit: `atsbridge plugins test PATH.so --set ...`
 * runs a connector through the ABI contract, each check in a child process
 * so a connector that crashes or hangs is reported, not fatal. */
#ifndef ATSB_CORE_KIT_H
#define ATSB_CORE_KIT_H

#include "base/config.h"
#include "store/store.h"

typedef struct kit_opts {
    const char *path;
    const store_setting *settings;
    size_t n_settings;
    const char *job;          /* job to push to; default: the first open one listed */
    int timeout_s;            /* per check */
    const config *cfg;
} kit_opts;

/* Prints one PASS/FAIL/SKIP line per check and a summary; returns the
 * number of failed checks. */
int kit_run(const kit_opts *o);

#endif
