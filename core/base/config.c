#include "base/config.h"

#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var/lib"
#endif
#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/atsbridge/plugins"
#endif
#ifndef WWWDIR
#define WWWDIR "/usr/local/share/atsbridge/www"
#endif

/* K_STORE: a path, or a postgresql:// URL kept as given.
 * K_OPTSTRING: a string where "" means none (NULL).  K_OPTPATH: a path
 * like K_PATH where "" means none, not checked here (a staged install's
 * config names directories that exist only once installed). */
typedef enum { K_STRING, K_INT, K_LONG, K_DURATION, K_LOGLEVEL, K_PATH, K_DIR, K_BOOL,
               K_OPTSTRING, K_OPTPATH, K_STORE } key_kind;

typedef struct key_spec {
    const char *group;
    const char *name;
    key_kind kind;
    size_t offset;
    long min, max;
} key_spec;

#define OFF(f) offsetof(config, f)
static const key_spec KEYS[] = {
    { "store", "path", K_STORE, OFF(store_path), 0, 0 },
    { "store", "url", K_OPTSTRING, OFF(store_url), 0, 0 },
    { "store", "pool_size", K_INT, OFF(store_pool_size), 1, 256 },
    { "plugins", "dir", K_PATH, OFF(plugins_dir), 0, 0 },
    { "log", "level", K_LOGLEVEL, OFF(log_level), 0, 0 },
    { "sync", "jobs_interval", K_DURATION, OFF(jobs_interval_s), 60, 30L * 86400 },
    { "sync", "full_pass_interval", K_DURATION, OFF(full_pass_interval_s), 60, 30L * 86400 },
    { "sync", "workers", K_INT, OFF(workers), 1, 64 },
    { "sync", "max_page_jobs", K_INT, OFF(max_page_jobs), 1, 100000 },
    { "sync", "max_pages", K_INT, OFF(max_pages), 1, 1000000 },
    { "sync", "lease", K_DURATION, OFF(lease_s), 5, 3600 },
    { "sync", "push_batch", K_INT, OFF(push_batch), 1, 100000 },
    { "sync", "pages_per_turn", K_INT, OFF(pages_per_turn), 1, 1000000 },
    { "http", "timeout_ms", K_INT, OFF(http_timeout_ms), 100, 600000 },
    { "http", "max_attempts", K_INT, OFF(http_max_attempts), 1, 20 },
    { "http", "backoff_base_ms", K_INT, OFF(http_backoff_base_ms), 1, 600000 },
    { "http", "backoff_cap_ms", K_INT, OFF(http_backoff_cap_ms), 1, 3600000 },
    { "http", "max_response_bytes", K_LONG, OFF(http_max_response), 1024, 1L << 30 },
    { "http", "rate_limit", K_INT, OFF(http_rate_limit), 0, 1000 },
    { "candidates", "source_name", K_STRING, OFF(source_name), 0, 0 },
    { "candidates", "default_trigger", K_STRING, OFF(default_trigger), 0, 0 },
    { "candidates", "profile_url_template", K_STRING, OFF(profile_url_template), 0, 0 },
    { "candidates", "retry_base", K_DURATION, OFF(push_retry_base_s), 1, 86400 },
    { "candidates", "retry_cap", K_DURATION, OFF(push_retry_cap_s), 1, 7L * 86400 },
    { "candidates", "max_attempts", K_INT, OFF(push_max_attempts), 1, 100 },
    { "intake", "resume_dir", K_DIR, OFF(resume_dir), 0, 0 },
    /* Below 64 MiB the child cannot even load its libraries. */
    { "profile", "max_memory_mb", K_INT, OFF(profile_max_memory_mb), 64, 65536 },
    { "profile", "timeout_s", K_INT, OFF(profile_timeout_s), 1, 3600 },
    { "profile", "max_resume_mb", K_INT, OFF(profile_max_resume_mb), 1, 20 },
    { "profile", "max_resume_pages", K_INT, OFF(profile_max_pages), 1, 100000 },
    { "profile", "max_page_tree_depth", K_INT, OFF(profile_max_tree_depth), 2, 1000000 },
    { "profile", "max_pdf_objects", K_INT, OFF(profile_max_objects), 100, 10000000 },
    { "profile", "max_inflate_mb", K_INT, OFF(profile_max_inflate_mb), 1, 65536 },
    { "location", "us_territories", K_BOOL, OFF(us_territories), 0, 1 },
    { "api", "listen", K_OPTSTRING, OFF(api_listen), 0, 0 },
    { "api", "max_body_bytes", K_LONG, OFF(api_max_body), 1024, 1L << 30 },
    { "api", "rate_limit", K_INT, OFF(api_rate_limit), 0, 1000000 },
    { "api", "rate_burst", K_INT, OFF(api_rate_burst), 1, 1000000 },
    { "api", "metrics_open", K_BOOL, OFF(api_metrics_open), 0, 1 },
    { "api", "max_wait", K_DURATION, OFF(api_max_wait_s), 1, 3600 },
    { "api", "max_connections", K_INT, OFF(api_max_connections), 1, 4096 },
    { "api", "console_dir", K_OPTPATH, OFF(api_console_dir), 0, 0 },
    { "webhooks", "url", K_OPTSTRING, OFF(webhook_url), 0, 0 },
    { "webhooks", "secret", K_OPTSTRING, OFF(webhook_secret), 0, 0 },
    { "webhooks", "retry_base", K_DURATION, OFF(webhook_retry_base_s), 1, 86400 },
    { "webhooks", "retry_cap", K_DURATION, OFF(webhook_retry_cap_s), 1, 7L * 86400 },
    { "webhooks", "timeout_ms", K_INT, OFF(webhook_timeout_ms), 100, 600000 },
    { "isolation", "enabled", K_BOOL, OFF(isolation), 0, 1 },
    /* Below 64 MiB the child cannot even load its libraries. */
    { "isolation", "max_memory_mb", K_INT, OFF(task_max_memory_mb), 64, 1048576 },
    { "isolation", "max_cpu_s", K_INT, OFF(task_max_cpu_s), 1, 7 * 86400 },
    { "isolation", "timeout_s", K_INT, OFF(task_timeout_s), 1, 7 * 86400 },
};

/* Durations and byte sizes (K_LONG) live in longs, the rest in ints. */
static int stored_as_long(const key_spec *k)
{
    return k->kind == K_DURATION || k->kind == K_LONG;
}

static int set_defaults(config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->store_path = str_dup(LOCALSTATEDIR "/atsbridge/atsbridge.db");
    cfg->plugins_dir = str_dup(PLUGINDIR);
    cfg->store_pool_size = 16;
    cfg->log_level = ATSB_LOG_WARN;
    cfg->jobs_interval_s = 3 * 3600;
    cfg->full_pass_interval_s = 86400;
    cfg->workers = 4;
    cfg->max_page_jobs = 1000;
    cfg->max_pages = 10000;
    cfg->lease_s = 60;
    cfg->push_batch = 100;
    cfg->pages_per_turn = 20;
    cfg->http_timeout_ms = 30000;
    cfg->http_max_attempts = 5;
    cfg->http_backoff_base_ms = 500;
    cfg->http_backoff_cap_ms = 30000;
    cfg->http_max_response = 8L * 1024 * 1024;
    cfg->http_rate_limit = 10;
    cfg->source_name = str_dup("FactoryFix");
    cfg->default_trigger = str_dup("engaged");
    cfg->profile_url_template = str_dup("https://app.factoryfix.com/candidates/{id}");
    cfg->push_retry_base_s = 30;
    cfg->push_retry_cap_s = 3600;
    cfg->push_max_attempts = 10;
    /* Keep in step with profile_limits_default and conf/atsbridge.conf. */
    cfg->profile_max_memory_mb = 512;
    cfg->profile_timeout_s = 30;
    cfg->profile_max_resume_mb = 20;
    cfg->profile_max_pages = 500;
    cfg->profile_max_tree_depth = 64;
    cfg->profile_max_objects = 250000;
    cfg->profile_max_inflate_mb = 512;
    /* Puerto Rico, Guam, the USVI, American Samoa and the Northern Mariana
     * Islands are under US law and their people are US citizens or
     * nationals: their jobs count as US unless an admin says otherwise. */
    cfg->us_territories = 1;
    /* A base64 PDF resume at its 20 MiB limit is about 27 MiB of JSON. */
    cfg->api_max_body = 30L * 1024 * 1024;
    cfg->api_rate_limit = 100;
    cfg->api_rate_burst = 200;
    cfg->api_max_wait_s = 30;
    cfg->api_max_connections = 64;
    cfg->api_console_dir = str_dup(WWWDIR);
    cfg->webhook_retry_base_s = 5;
    cfg->webhook_retry_cap_s = 3600;
    cfg->webhook_timeout_ms = 10000;
    /* Keep in step with conf/atsbridge.conf ("isolation"). */
    cfg->isolation = 1;
    cfg->task_max_memory_mb = 2048;
    cfg->task_max_cpu_s = 1800;
    cfg->task_timeout_s = 3600;
    if (!cfg->store_path || !cfg->plugins_dir || !cfg->source_name ||
        !cfg->default_trigger || !cfg->profile_url_template)
        return -1;
    return 0;
}

void config_free(config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->store_path);
    free(cfg->store_url);
    free(cfg->plugins_dir);
    free(cfg->source_name);
    free(cfg->default_trigger);
    free(cfg->profile_url_template);
    free(cfg->resume_dir);
    free(cfg->api_listen);
    free(cfg->api_console_dir);
    free(cfg->webhook_url);
    free(cfg->webhook_secret);
    memset(cfg, 0, sizeof(*cfg));
}

static int file_exists(const char *p)
{
    return p && access(p, R_OK) == 0;
}

char *config_default_path(void)
{
    const char *env = getenv("ATSBRIDGE_CONFIG");
    if (!str_empty(env))
        return str_dup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = dirname(exe);
        char *cand = str_printf("%s/../conf/atsbridge.conf", dir);
        char real[PATH_MAX];
        if (cand && file_exists(cand) && realpath(cand, real)) {
            free(cand);
            return str_dup(real);
        }
        free(cand);
    }
    if (file_exists(SYSCONFDIR "/atsbridge/atsbridge.conf"))
        return str_dup(SYSCONFDIR "/atsbridge/atsbridge.conf");
    return NULL;
}

/* Relative paths in the file are relative to the file's directory, so a
 * config works wherever the process is started from. */
void config_set_store(config *cfg, const char *path_or_url)
{
    free(cfg->store_path);
    free(cfg->store_url);
    cfg->store_url = NULL;
    cfg->store_path = str_dup(path_or_url);
}

int config_is_store_url(const char *v)
{
    return strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0;
}

static char *resolve_path(const char *cfg_path, const char *value)
{
    if (value[0] == '/' || !cfg_path)
        return str_dup(value);
    char *copy = str_dup(cfg_path);
    if (!copy)
        return NULL;
    char *out = str_printf("%s/%s", dirname(copy), value);
    free(copy);
    return out;
}

static const key_spec *find_key(const char *group, const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(KEYS); i++)
        if (str_eq(KEYS[i].group, group) && str_eq(KEYS[i].name, name))
            return &KEYS[i];
    return NULL;
}

static int known_group(const char *group)
{
    for (size_t i = 0; i < ARRAY_LEN(KEYS); i++)
        if (str_eq(KEYS[i].group, group))
            return 1;
    return 0;
}

static int apply_key(config *cfg, const key_spec *k, config_setting_t *s,
                     const char *file, atsb_error *err)
{
    int line = config_setting_source_line(s);
    char *field = (char *)cfg + k->offset;
    long lv = 0;
    switch (k->kind) {
    case K_STRING:
    case K_OPTSTRING:
    case K_PATH:
    case K_OPTPATH:
    case K_STORE:
    case K_DIR: {
        const char *v = config_setting_get_string(s);
        if (!v)
            return err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s.%s: expected a string",
                           file, line, k->group, k->name);
        if ((k->kind == K_DIR || k->kind == K_OPTSTRING || k->kind == K_OPTPATH) && !*v) {
            /* "" = none, the default */
            free(*(char **)field);
            *(char **)field = NULL;
            return 0;
        }
        if (!*v)
            return err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s.%s: must not be empty",
                           file, line, k->group, k->name);
        char *copy = k->kind == K_STRING || k->kind == K_OPTSTRING ||
                             (k->kind == K_STORE && config_is_store_url(v))
                         ? str_dup(v)
                         : resolve_path(file, v);
        if (!copy)
            return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        struct stat sb;
        int bad = k->kind != K_DIR ? 0 : stat(copy, &sb) != 0 ? errno
                : !S_ISDIR(sb.st_mode) ? ENOTDIR : 0;
        if (bad) {
            err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s.%s: %s: %s", file, line, k->group, k->name,
                    copy, strerror(bad));
            free(copy);
            return ATSB_ERR_CONFIG;
        }
        free(*(char **)field);
        *(char **)field = copy;
        return 0;
    }
    case K_LOGLEVEL: {
        const char *v = config_setting_get_string(s);
        int lvl = log_level_parse(v);
        if (lvl < 0)
            return err_set(err, ATSB_ERR_CONFIG,
                           "%s:%d: log.level: expected one of error, warn, info, debug",
                           file, line);
        *(int *)field = lvl;
        return 0;
    }
    case K_DURATION:
        if (config_setting_type(s) == CONFIG_TYPE_STRING) {
            if (duration_parse(config_setting_get_string(s), &lv) < 0)
                return err_set(err, ATSB_ERR_CONFIG,
                               "%s:%d: %s.%s: expected a duration such as \"90s\", \"15m\", \"3h\" or \"1d\"",
                               file, line, k->group, k->name);
        } else if (config_setting_type(s) == CONFIG_TYPE_INT ||
                   config_setting_type(s) == CONFIG_TYPE_INT64) {
            lv = (long)config_setting_get_int64(s);
        } else {
            return err_set(err, ATSB_ERR_CONFIG,
                           "%s:%d: %s.%s: expected seconds or a duration string",
                           file, line, k->group, k->name);
        }
        break;
    case K_BOOL:
        /* true/false only: a 0/1 or "yes" is a typo we would rather name. */
        if (config_setting_type(s) != CONFIG_TYPE_BOOL)
            return err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s.%s: expected true or false",
                           file, line, k->group, k->name);
        lv = config_setting_get_bool(s) ? 1 : 0;
        break;
    case K_INT:
    case K_LONG:
        if (config_setting_type(s) != CONFIG_TYPE_INT &&
            config_setting_type(s) != CONFIG_TYPE_INT64)
            return err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s.%s: expected an integer",
                           file, line, k->group, k->name);
        lv = (long)config_setting_get_int64(s);
        break;
    }
    if (lv < k->min || lv > k->max)
        return err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s.%s: %ld is out of range %ld..%ld",
                       file, line, k->group, k->name, lv, k->min, k->max);
    if (stored_as_long(k))
        *(long *)field = lv;
    else
        *(int *)field = (int)lv;
    return 0;
}

/* Validate and apply a parsed document; file names it in errors. */
static int apply_doc(config *cfg, config_t *lc, const char *file, atsb_error *err)
{
    int rc = ATSB_OK;
    config_setting_t *root = config_root_setting(lc);
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
        const char *gname = config_setting_name(g);
        int gline = config_setting_source_line(g);
        if (!known_group(gname)) {
            rc = err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s: unknown setting group",
                         file, gline, gname ? gname : "?");
            goto done;
        }
        if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            rc = err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s: expected a group { ... }",
                         file, gline, gname);
            goto done;
        }
        for (int j = 0; j < config_setting_length(g); j++) {
            config_setting_t *s = config_setting_get_elem(g, (unsigned)j);
            const key_spec *k = find_key(gname, config_setting_name(s));
            if (!k) {
                rc = err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s.%s: unknown setting",
                             file, config_setting_source_line(s), gname,
                             config_setting_name(s));
                goto done;
            }
            if ((rc = apply_key(cfg, k, s, file, err)) != ATSB_OK)
                goto done;
        }
    }
    if (cfg->http_backoff_base_ms > cfg->http_backoff_cap_ms) {
        rc = err_set(err, ATSB_ERR_CONFIG,
                     "%s: http.backoff_base_ms must not exceed http.backoff_cap_ms", file);
        goto done;
    }
    char host[256];
    int port;
    if (cfg->api_listen && config_parse_listen(cfg->api_listen, host, sizeof(host), &port) < 0) {
        rc = err_set(err, ATSB_ERR_CONFIG,
                     "%s: api.listen: expected HOST:PORT (e.g. \"127.0.0.1:7600\"), got \"%s\"",
                     file, cfg->api_listen);
        goto done;
    }
    if (cfg->store_url) {
        if (!config_is_store_url(cfg->store_url)) {
            rc = err_set(err, ATSB_ERR_CONFIG,
                         "%s: store.url: expected a postgresql:// URL (a SQLite store is "
                         "store.path)", file);
            goto done;
        }
        char *u = str_dup(cfg->store_url);
        if (!u) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        free(cfg->store_path);
        cfg->store_path = u;
    }
    if (cfg->webhook_url && strncmp(cfg->webhook_url, "https://", 8) &&
        strncmp(cfg->webhook_url, "http://", 7)) {
        rc = err_set(err, ATSB_ERR_CONFIG, "%s: webhooks.url: expected an http(s) URL", file);
        goto done;
    }
    if (cfg->webhook_url && !cfg->webhook_secret) {
        rc = err_set(err, ATSB_ERR_CONFIG,
                     "%s: webhooks.secret: required when webhooks.url is set (receivers "
                     "verify the signature with it)", file);
        goto done;
    }
    if (cfg->webhook_retry_base_s > cfg->webhook_retry_cap_s) {
        rc = err_set(err, ATSB_ERR_CONFIG,
                     "%s: webhooks.retry_base must not exceed webhooks.retry_cap", file);
        goto done;
    }
    /* A task's profile renders are its children: they cannot have more
     * address space than the task (a hard limit is inherited). */
    if (cfg->isolation && cfg->task_max_memory_mb < cfg->profile_max_memory_mb) {
        rc = err_set(err, ATSB_ERR_CONFIG,
                     "%s: isolation.max_memory_mb (%d) must not be below profile.max_memory_mb "
                     "(%d): a task's profile renders run within its limit", file,
                     cfg->task_max_memory_mb, cfg->profile_max_memory_mb);
        goto done;
    }
done:
    return rc;
}

int config_parse_listen(const char *s, char *host, size_t host_size, int *port)
{
    const char *colon;
    if (!s || !*s)
        return -1;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        if ((size_t)(close - s - 1) >= host_size)
            return -1;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || colon == s || (size_t)(colon - s) >= host_size || memchr(s, ':', (size_t)(colon - s)))
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    long p;
    if (str_to_long(colon + 1, &p) < 0 || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

int config_load(config *cfg, const char *path, atsb_error *err)
{
    int rc = ATSB_OK;
    config_t lc;
    config_init(&lc);
    if (set_defaults(cfg) < 0) {
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        goto done;
    }
    char *chosen = path ? str_dup(path) : config_default_path();
    if (!chosen) {
        if (path) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        goto done; /* no file anywhere: built-in defaults */
    }
    cfg->path = chosen;
    if (access(chosen, R_OK) != 0) {
        rc = err_set(err, ATSB_ERR_CONFIG, "%s: cannot read config file: %s",
                     chosen, strerror(errno));
        goto done;
    }
    if (config_read_file(&lc, chosen) != CONFIG_TRUE) {
        rc = err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s",
                     config_error_file(&lc) ? config_error_file(&lc) : chosen,
                     config_error_line(&lc), config_error_text(&lc));
        goto done;
    }
    rc = apply_doc(cfg, &lc, chosen, err);
done:
    config_destroy(&lc);
    return rc;
}

int config_load_string(config *cfg, const char *name, const char *text, atsb_error *err)
{
    int rc = ATSB_OK;
    config_t lc;
    config_init(&lc);
    if (set_defaults(cfg) < 0) {
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        goto done;
    }
    /* libconfig 1.5 has no hook to refuse @include, and an include would
     * read whatever file the text names. */
    if (strstr(text, "@include")) {
        rc = err_set(err, ATSB_ERR_CONFIG, "%s: @include is not allowed here", name);
        goto done;
    }
    if (config_read_string(&lc, text) != CONFIG_TRUE) {
        rc = err_set(err, ATSB_ERR_CONFIG, "%s:%d: %s", name, config_error_line(&lc),
                     config_error_text(&lc));
        goto done;
    }
    rc = apply_doc(cfg, &lc, name, err);
done:
    config_destroy(&lc);
    return rc;
}

/* A string as a libconfig literal: quotes and backslashes escaped, other
 * control bytes as \xNN (libconfig reads both). */
static void put_literal(strbuf *b, const char *v)
{
    sb_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            sb_printf(b, "\\x%02x", *p);
        else
            sb_append(b, p, 1);
    }
    sb_puts(b, "\"");
}

char *config_to_text(const config *cfg)
{
    static const char *levels[] = { "error", "warn", "info", "debug" };
    strbuf b;
    sb_init(&b);
    const char *group = NULL;
    for (size_t i = 0; i < ARRAY_LEN(KEYS); i++) {
        const key_spec *k = &KEYS[i];
        const char *field = (const char *)cfg + k->offset;
        if (!str_eq(group, k->group)) {
            sb_printf(&b, "%s%s: {\n", group ? "};\n" : "", k->group);
            group = k->group;
        }
        long lv = stored_as_long(k) ? *(const long *)field : (long)*(const int *)field;
        switch (k->kind) {
        case K_STRING:
        case K_OPTSTRING:
        case K_PATH:
        case K_OPTPATH:
        case K_STORE:
        case K_DIR: {
            const char *v = *(char *const *)field;
            sb_printf(&b, "  %s = ", k->name);
            put_literal(&b, v ? v : "");
            sb_puts(&b, ";\n");
            break;
        }
        case K_LOGLEVEL:
            sb_printf(&b, "  %s = \"%s\";\n", k->name, levels[lv < 0 || lv > 3 ? 1 : lv]);
            break;
        case K_BOOL:
            sb_printf(&b, "  %s = %s;\n", k->name, lv ? "true" : "false");
            break;
        case K_INT:
        case K_LONG:
        case K_DURATION:
            sb_printf(&b, "  %s = %ldL;\n", k->name, lv);
            break;
        }
    }
    if (group)
        sb_puts(&b, "};\n");
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    return sb_steal(&b);
}
