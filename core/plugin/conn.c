#include "plugin/conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "plugin/abi.h"
#include "plugin/host_helpers.h"
#include "base/log.h"
#include "base/taskmark.h"
#include "sync/runstate.h"
#include "base/secret.h"
#include "base/util.h"

struct atsb_host {
    const plugin *plugin;
    char *label;              /* "greenhouse[acme]" */
    char **names;             /* every schema setting */
    char **values;            /* resolved; NULL when unset */
    size_t n;
    http_client *http;
    void *instance;
    /* While check() runs, the connector's warnings (an optional permission
     * it lacks) are kept here too, so the caller can record them. */
    int capturing;
    strbuf warnings;
};

struct conn {
    atsb_host host;
};

static void host_log(atsb_host *h, atsb_log_level level, const char *fmt, ...)
    ATSB_PRINTF(3, 4);
static void host_log(atsb_host *h, atsb_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (h && h->capturing && level == ATSB_LOG_WARN) {
        va_list copy;
        va_copy(copy, ap);
        char line[512];
        vsnprintf(line, sizeof(line), fmt, copy);
        va_end(copy);
        sb_printf(&h->warnings, "%s%s", h->warnings.len ? "; " : "", line);
    }
    log_msgv(level, h ? h->label : "connector", fmt, ap);
    va_end(ap);
}

static const char *host_setting(atsb_host *h, const char *name)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (str_eq(h->names[i], name))
            return h->values[i];
    return NULL;
}

static conn_http_fn g_http_override;

void conn_set_http_override(conn_http_fn fn) { g_http_override = fn; }

int conn_http_real(atsb_host *h, const atsb_http_request *req, atsb_http_response **out,
                   atsb_error *err)
{
    return http_request(h->http, req, out, err);
}

static int host_http(atsb_host *h, const atsb_http_request *req, atsb_http_response **out,
                     atsb_error *err)
{
    *out = NULL;
    int rc = abi_check_http_request(req, err);
    if (rc)
        return rc;
    if (g_http_override)
        return g_http_override(h, req, out, err);
    return conn_http_real(h, req, out, err);
}

static void host_http_free(atsb_host *h, atsb_http_response *resp)
{
    ATSB_UNUSED(h);
    http_response_free(resp);
}

static int host_cancelled(atsb_host *h)
{
    ATSB_UNUSED(h);
    return runstate_stop_requested();
}

static char *host_base64(const void *data, size_t len)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (len > (SIZE_MAX / 4) * 3 - 3)
        return NULL;
    size_t olen = 4 * ((len + 2) / 3);
    char *out = malloc(olen + 1);
    if (!out)
        return NULL;
    const unsigned char *in = data;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static void host_free(void *p) { free(p); }

static const atsb_host_api HOST_API = {
    .struct_size = sizeof(atsb_host_api),
    .abi_major = ATSB_ABI_MAJOR,
    .abi_minor = ATSB_ABI_MINOR,
    .log = host_log,
    .setting = host_setting,
    .http = host_http,
    .http_free = host_http_free,
    .http_header = http_response_header,
    .cancelled = host_cancelled,
    .set_error = err_set,
    .url_encode = host_url_encode,
    .base64_encode = host_base64,
    .free = host_free,
    /* ABI 1.1 */
    .url_with_query = host_url_with_query,
    .form_build = host_form_build,
    .form_free = host_form_free,
    .location_classify = host_location_classify,
};

const atsb_host_api *conn_host_api(void) { return &HOST_API; }

static int check_type(const atsb_setting_spec *spec, const char *value, atsb_error *err)
{
    long v;
    switch (spec->type) {
    case ATSB_SETTING_INT:
        if (str_to_long(value, &v) < 0)
            return err_set(err, ATSB_ERR_CONFIG, "setting %s: expected an integer",
                           spec->name);
        break;
    case ATSB_SETTING_BOOL:
        if (!str_eq(value, "true") && !str_eq(value, "false") && !str_eq(value, "1") &&
            !str_eq(value, "0"))
            return err_set(err, ATSB_ERR_CONFIG, "setting %s: expected true or false",
                           spec->name);
        break;
    case ATSB_SETTING_URL:
        if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0)
            return err_set(err, ATSB_ERR_CONFIG,
                           "setting %s: expected an https:// URL, got \"%.200s\"", spec->name,
                           value);
        break;
    default:
        break;
    }
    return ATSB_OK;
}

int conn_validate_settings(const plugin *p, const store_setting *s, size_t n,
                           atsb_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const atsb_setting_spec *spec = plugin_setting(p, s[i].name);
        if (!spec) {
            strbuf known;
            sb_init(&known);
            for (size_t k = 0; k < p->n_settings; k++)
                sb_printf(&known, "%s%s", k ? ", " : "", p->settings[k].name);
            err_set(err, ATSB_ERR_CONFIG, "unknown setting \"%s\" for connector %s (it takes: %s)",
                    s[i].name, p->desc.name, known.data ? known.data : "nothing");
            sb_free(&known);
            return ATSB_ERR_CONFIG;
        }
        for (size_t j = 0; j < i; j++)
            if (str_eq(s[j].name, s[i].name))
                return err_set(err, ATSB_ERR_CONFIG, "setting %s given twice", s[i].name);
        /* References are checked when resolved; literals now. */
        int ref = strncmp(s[i].value, "env:", 4) == 0 || strncmp(s[i].value, "file:", 5) == 0;
        if (!ref) {
            int rc = check_type(spec, s[i].value, err);
            if (rc)
                return rc;
        }
    }
    for (size_t k = 0; k < p->n_settings; k++) {
        const atsb_setting_spec *spec = &p->settings[k];
        if (!spec->required || spec->default_value)
            continue;
        int given = 0;
        for (size_t i = 0; i < n; i++)
            given |= str_eq(s[i].name, spec->name) && !str_empty(s[i].value);
        if (!given)
            return err_set(err, ATSB_ERR_CONFIG,
                           "connector %s needs setting \"%s\" (%s); add --set %s=...",
                           p->desc.name, spec->name, spec->help ? spec->help : "required",
                           spec->name);
    }
    return ATSB_OK;
}

static void host_release(atsb_host *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->names[i]);
        if (h->values[i]) /* wipe secrets before handing memory back */
            memset(h->values[i], 0, strlen(h->values[i]));
        free(h->values[i]);
    }
    free(h->names);
    free(h->values);
    free(h->label);
    http_client_free(h->http);
}

static int conn_stop_requested(void *payload)
{
    ATSB_UNUSED(payload);
    return runstate_stop_requested();
}

int conn_open(conn **out, const plugin *p, const store_setting *s, size_t n,
              const config *cfg, const char *label, atsb_error *err)
{
    *out = NULL;
    int rc = conn_validate_settings(p, s, n, err);
    if (rc)
        return rc;
    conn *c = calloc(1, sizeof(*c));
    if (!c)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    atsb_host *h = &c->host;
    h->plugin = p;
    h->label = label ? str_printf("%s[%s]", p->desc.name, label) : str_dup(p->desc.name);
    h->names = calloc(p->n_settings + 1, sizeof(char *));
    h->values = calloc(p->n_settings + 1, sizeof(char *));
    http_opts ho = { .timeout_ms = cfg->http_timeout_ms, .max_attempts = cfg->http_max_attempts,
                     .backoff_base_ms = cfg->http_backoff_base_ms,
                     .backoff_cap_ms = cfg->http_backoff_cap_ms,
                     .max_response = cfg->http_max_response, .max_rate_wait_s = 120,
                     .rate_limit = cfg->http_rate_limit, .stats_name = p->desc.name };
    h->http = http_client_new(&ho, h->label, conn_stop_requested, NULL);
    if (!h->label || !h->names || !h->values || !h->http) {
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < p->n_settings; k++) {
        const atsb_setting_spec *spec = &p->settings[k];
        const char *raw = spec->default_value;
        for (size_t i = 0; i < n; i++)
            if (str_eq(s[i].name, spec->name))
                raw = s[i].value;
        h->names[k] = str_dup(spec->name);
        h->n = k + 1;
        if (!h->names[k]) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto fail;
        }
        if ((rc = secret_resolve(spec->name, raw, &h->values[k], err)))
            goto fail;
        if (h->values[k] && (rc = check_type(spec, h->values[k], err)))
            goto fail;
        /* The admin's URL settings are the only origins our credentials
         * may go to (see http_check_credentials). */
        if (h->values[k] && spec->type == ATSB_SETTING_URL &&
            http_client_allow_origin(h->http, h->values[k]) < 0) {
            rc = err_set(err, ATSB_ERR_CONFIG, "setting %s: invalid URL", spec->name);
            goto fail;
        }
    }
    atsb_error cerr = ATSB_ERROR_INIT;
    taskmark_op("create");
    rc = p->desc.create(&HOST_API, h, &h->instance, &cerr);
    taskmark_op(NULL);
    if (rc != ATSB_OK || !h->instance) {
        if (rc == ATSB_OK)
            rc = ATSB_ERR_INTERNAL;
        err_set(err, rc, "connector %s: create failed: %s", p->desc.name,
                cerr.message[0] ? cerr.message : err_class_name(rc));
        goto fail;
    }
    *out = c;
    return ATSB_OK;
fail:
    host_release(h);
    free(c);
    return rc;
}

void conn_close(conn *c)
{
    if (!c)
        return;
    if (c->host.instance) {
        taskmark_op("destroy");
        c->host.plugin->desc.destroy(c->host.instance);
        taskmark_op(NULL);
    }
    sb_free(&c->host.warnings);
    host_release(&c->host);
    free(c);
}

const plugin *conn_plugin(const conn *c) { return c->host.plugin; }

/* Every connector result goes through here: unknown codes become internal
 * errors and an empty message gets one, so the CLI always has text. */
static int normalise(conn *c, const char *op, int rc, atsb_error *err)
{
    if (rc == ATSB_OK)
        return ATSB_OK;
    if (!abi_status_known(rc)) {
        err_set(err, ATSB_ERR_INTERNAL, "connector %s: %s returned undefined status %d",
                c->host.plugin->desc.name, op, rc);
        return ATSB_ERR_INTERNAL;
    }
    err->code = rc;
    if (!err->message[0])
        snprintf(err->message, sizeof(err->message), "connector %s: %s failed (%s)",
                 c->host.plugin->desc.name, op, err_class_name(rc));
    return rc;
}

int conn_check(conn *c, atsb_error *err)
{
    err_clear(err);
    sb_free(&c->host.warnings);
    sb_init(&c->host.warnings);
    c->host.capturing = 1;
    taskmark_op("check");
    int rc = c->host.plugin->desc.check(c->host.instance, err);
    taskmark_op(NULL);
    c->host.capturing = 0;
    return normalise(c, "check", rc, err);
}

const char *conn_check_warnings(const conn *c)
{
    return c->host.warnings.len ? c->host.warnings.data : NULL;
}

int conn_list_jobs(conn *c, const atsb_list_request *req, const atsb_job_sink *sink,
                   atsb_error *err)
{
    err_clear(err);
    taskmark_op("list_jobs");
    int rc = c->host.plugin->desc.list_jobs(c->host.instance, req, sink, err);
    taskmark_op(NULL);
    return normalise(c, "list_jobs", rc, err);
}

int conn_push_candidate(conn *c, const atsb_candidate *cand, const atsb_push_result *resume,
                        atsb_push_result *out, atsb_error *err)
{
    err_clear(err);
    memset(out, 0, sizeof(*out));
    if (resume && resume->missing)
        *out = *resume; /* resume mode: what find_candidate found */
    out->struct_size = sizeof(*out);
    taskmark_op("push_candidate");
    int rc = c->host.plugin->desc.push_candidate(c->host.instance, cand, out, err);
    taskmark_op(NULL);
    rc = normalise(c, "push_candidate", rc, err);
    /* ATSB_OK promises a complete push; a connector that says otherwise
     * would have the host mark a push done whose PDF never arrived. */
    if (rc == ATSB_OK && out->missing)
        return err_set(err, ATSB_ERR_INTERNAL,
                       "connector %s: push_candidate returned OK but left %s undone",
                       c->host.plugin->desc.name, conn_missing_name(out->missing));
    return rc;
}

const char *conn_missing_name(uint32_t missing)
{
    int app = (missing & ATSB_PUSH_MISSING_APPLICATION) != 0;
    int att = (missing & ATSB_PUSH_MISSING_ATTACHMENT) != 0;
    return app && att ? "the application and the attachment"
         : app ? "the application"
         : att ? "the attachment"
         : missing ? "an unknown part" : "nothing";
}

int conn_find_candidate(conn *c, const atsb_candidate *cand, atsb_push_result *out,
                        atsb_error *err)
{
    err_clear(err);
    memset(out, 0, sizeof(*out));
    out->struct_size = sizeof(*out);
    taskmark_op("find_candidate");
    int rc = c->host.plugin->desc.find_candidate(c->host.instance, cand, out, err);
    taskmark_op(NULL);
    if (rc == ATSB_ERR_NOT_FOUND) {
        memset(out, 0, sizeof(*out));
        out->struct_size = sizeof(*out);
        return rc;
    }
    rc = normalise(c, "find_candidate", rc, err);
    if (rc == ATSB_OK && (out->missing & ~(uint32_t)(ATSB_PUSH_MISSING_APPLICATION |
                                                    ATSB_PUSH_MISSING_ATTACHMENT)))
        return err_set(err, ATSB_ERR_INTERNAL,
                       "connector %s: find_candidate reported unknown missing parts 0x%x",
                       c->host.plugin->desc.name, (unsigned)out->missing);
    /* A resume starts from the candidate found: without its id the push
     * could only create a second one. */
    if (rc == ATSB_OK && out->missing && !out->candidate_id[0])
        return err_set(err, ATSB_ERR_INTERNAL,
                       "connector %s: find_candidate reported a partial push without a "
                       "candidate id", c->host.plugin->desc.name);
    return rc;
}
