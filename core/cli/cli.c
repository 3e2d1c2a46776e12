#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

int cli_load_config(cli_ctx *ctx, atsb_error *err)
{
    if (ctx->cfg_loaded)
        return ATSB_OK;
    int rc = config_load(&ctx->cfg, ctx->config_path, err);
    if (rc) {
        config_free(&ctx->cfg);
        return rc;
    }
    ctx->cfg_loaded = 1;
    /* Command-line overrides win over the file. */
    if (ctx->db_path) {
        config_set_store(&ctx->cfg, ctx->db_path);
    }
    if (ctx->plugin_dir) {
        free(ctx->cfg.plugins_dir);
        ctx->cfg.plugins_dir = str_dup(ctx->plugin_dir);
    }
    if (ctx->no_isolation)
        ctx->cfg.isolation = 0;
    if (!ctx->cfg.store_path || !ctx->cfg.plugins_dir)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    if ((int)log_get_level() < ctx->cfg.log_level)
        log_set_level((atsb_log_level)ctx->cfg.log_level);
    return ATSB_OK;
}

int cli_open_store(cli_ctx *ctx, atsb_error *err)
{
    if (ctx->st)
        return ATSB_OK;
    int rc = cli_load_config(ctx, err);
    if (rc)
        return rc;
    return store_open(&ctx->st, ctx->cfg.store_path, err);
}

int cli_load_plugins(cli_ctx *ctx, atsb_error *err)
{
    if (ctx->reg_loaded)
        return ATSB_OK;
    int rc = cli_load_config(ctx, err);
    if (rc)
        return rc;
    plugin_registry_init(&ctx->reg);
    ctx->reg_loaded = 1;
    return plugin_registry_load_dir(&ctx->reg, ctx->cfg.plugins_dir, err);
}

void cli_ctx_free(cli_ctx *ctx)
{
    store_close(ctx->st);
    ctx->st = NULL;
    if (ctx->reg_loaded)
        plugin_registry_free(&ctx->reg);
    ctx->reg_loaded = 0;
    if (ctx->cfg_loaded)
        config_free(&ctx->cfg);
    ctx->cfg_loaded = 0;
}

int cli_exit_code(int status)
{
    switch (status) {
    case ATSB_OK: return EXIT_OK_;
    case CORE_ERR_USAGE: return EXIT_USAGE;
    case ATSB_ERR_CONFIG: return EXIT_CONFIG;
    case ATSB_ERR_NOT_FOUND: return EXIT_NOT_FOUND;
    case CORE_ERR_CONFLICT: return EXIT_CONFLICT;
    case ATSB_ERR_AUTH: return EXIT_AUTH;
    case ATSB_ERR_TRANSIENT:
    case ATSB_ERR_RATE_LIMITED: return EXIT_UNAVAILABLE;
    case CORE_ERR_STORE: return EXIT_STORE;
    case CORE_ERR_BUSY: return EXIT_BUSY;
    default: return EXIT_FAILURE_;
    }
}

int cli_fail(const atsb_error *err)
{
    fprintf(stderr, "atsbridge: error: %s\n",
            err->message[0] ? err->message : err_class_name(err->code));
    return cli_exit_code(err->code);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    fputs("atsbridge: usage error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}

int cli_is_help(const char *arg)
{
    return str_eq(arg, "--help") || str_eq(arg, "-h");
}

int cli_help(const char *usage)
{
    fputs(usage, stdout);
    return EXIT_OK_;
}

const char *cli_esc(const char *s)
{
    /* A ring of results, so one printf can take several; each slot is
     * freed when reused (the last few stay reachable until exit). */
    static char *ring[16];
    static unsigned next;
    if (!s)
        return NULL;
    strbuf sb;
    sb_init(&sb);
    if (sb_put_escaped(&sb, s) < 0) {
        sb_free(&sb);
        return "?";
    }
    char *out = sb_steal(&sb);
    if (!out)
        return "?";
    unsigned i = next++ % ARRAY_LEN(ring);
    free(ring[i]);
    ring[i] = out;
    return out;
}

void cli_print_json(json_object *obj)
{
    puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                 JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(obj);
}
