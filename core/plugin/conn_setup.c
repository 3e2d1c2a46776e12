#include "plugin/conn_setup.h"

#include <stdlib.h>

#include "plugin/conn.h"
#include "base/util.h"

/* What `status` keeps of a check: "passed", "passed; warnings: ..." or
 * "failed: ..." (malloc'd; NULL when out of memory). */
static char *check_result(const conn *c, int rc, const atsb_error *err)
{
    if (rc)
        return str_printf("failed: %s", err->message);
    const char *warn = c ? conn_check_warnings(c) : NULL;
    return warn ? str_printf("passed; warnings: %s", warn) : str_dup("passed");
}

int conn_setup_connect(store *st, const plugin_registry *reg, const config *cfg,
                       const store_org *org, const char *connector,
                       const store_setting *settings, size_t n, int check, char **warnings,
                       atsb_error *err)
{
    conn *c = NULL;
    int rc;
    *warnings = NULL;
    /* Refuse before talking to any ATS: the one-connection rule is checked
     * here for a clear message and enforced again by UNIQUE(org_id). */
    store_conn existing;
    if (store_conn_get(st, org->id, &existing, NULL) == ATSB_OK) {
        err_set(err, CORE_ERR_CONFLICT,
                "organisation %s is already connected to %s; an organisation can have only "
                "one ATS connection (disconnect it first)", org->slug, existing.connector);
        store_conn_free(&existing);
        return CORE_ERR_CONFLICT;
    }
    const plugin *p = plugin_registry_find(reg, connector);
    if (!p)
        return err_set(err, ATSB_ERR_NOT_FOUND,
                       "no connector named \"%s\" in %s (see atsbridge plugins list)", connector,
                       reg->dir);
    if ((rc = conn_open(&c, p, settings, n, cfg, org->slug, err)))
        goto done;
    if (check && (rc = conn_check(c, err))) {
        char msg[ATSB_ERROR_MESSAGE_MAX];
        str_copy(msg, sizeof(msg), err->message);
        err_set(err, rc, "connection check failed, nothing stored: %s", msg);
        goto done;
    }
    if ((rc = store_conn_add(st, org->id, p->desc.name, settings, n, err)))
        goto done;
    store_audit(st, org->id, "connect", p->desc.name, check ? "checked" : "not checked", NULL);
    if (check) {
        char *result = check_result(c, ATSB_OK, err);
        /* The connection is stored: a failure to note the check is not the
         * connect's failure, only a line less in `status`. */
        store_conn_set_check(st, org->id, result, time_now(), NULL);
        free(result);
        *warnings = str_dup(conn_check_warnings(c));
    }
done:
    conn_close(c);
    return rc;
}

int conn_setup_recheck(store *st, const plugin_registry *reg, const config *cfg,
                       const store_org *org, char **result, atsb_error *err)
{
    store_conn sc;
    conn *c = NULL;
    *result = NULL;
    int rc = store_conn_get(st, org->id, &sc, err);
    if (rc)
        return rc;
    const plugin *p = plugin_registry_find(reg, sc.connector);
    if (!p) {
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "connector %s is not loaded from %s",
                     sc.connector, reg->dir);
        goto done;
    }
    rc = conn_open(&c, p, sc.settings, sc.n_settings, cfg, org->slug, err);
    if (!rc)
        rc = conn_check(c, err);
    *result = check_result(c, rc, err);
    int src = store_conn_set_check(st, org->id, *result, time_now(), rc ? NULL : err);
    if (!rc)
        rc = src;
    store_audit(st, org->id, "connection.checked", sc.connector, *result, NULL);
done:
    conn_close(c);
    store_conn_free(&sc);
    return rc;
}
