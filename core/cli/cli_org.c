#include <stdio.h>
#include <string.h>

#include "cands/cand_status.h"
#include "cli/cli.h"
#include "base/log.h"
#include "base/secret.h"
#include "base/util.h"
#include "sync/schedule.h"

static const char USAGE[] =
    "usage: atsbridge org add ORG [--name NAME]\n"
    "       atsbridge org list [--json]\n"
    "       atsbridge org show ORG [--json]\n"
    "       atsbridge org set ORG [--trigger STATUS] [--name NAME] [--jobs-interval DURATION]\n"
    "\n"
    "ORG is a short key: lower-case letters, digits, '-' and '_' (e.g. acme).\n"
    "--trigger sets the candidate status at which candidates are pushed to the\n"
    "ATS (default engaged).  Statuses, in order: new, contacted, responded,\n"
    "screening, engaged, qualified, interviewing, offered, hired.\n"
    "--jobs-interval overrides sync.jobs_interval for this org (\"90m\", \"3h\";\n"
    "\"default\" goes back to the config's).\n";

int cli_valid_slug(const char *s)
{
    if (str_empty(s) || strlen(s) > 63 || s[0] == '-' || s[0] == '_')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return 0;
    return 1;
}

/* Secret settings are shown as ****.  When the connector is not loaded we do
 * not know which are secret, so every value is masked. */
int cli_setting_is_secret(const plugin *p, const char *name)
{
    if (!p)
        return 1;
    const atsb_setting_spec *s = plugin_setting(p, name);
    return !s || s->secret;
}

static int org_add(cli_ctx *ctx, const char *slug, const char *name)
{
    atsb_error err = ATSB_ERROR_INIT;
    if (!cli_valid_slug(slug))
        return cli_usage_error(USAGE, "invalid organisation key \"%s\"", slug);
    int rc = cli_open_store(ctx, &err);
    if (!rc)
        rc = store_org_add(ctx->st, slug, name, &err);
    if (!rc) {
        store_org o;
        if (store_org_get(ctx->st, slug, &o, &err) == ATSB_OK)
            store_audit(ctx->st, o.id, "org.add", slug, name, NULL);
    }
    if (rc)
        return cli_fail(&err);
    printf("added organisation %s\n", slug);
    return 0;
}

typedef struct list_state {
    store *st;
    json_object *arr;
} list_state;

static int print_org(const store_org *o, void *payload)
{
    list_state *ls = payload;
    store_conn c;
    int has = store_conn_get(ls->st, o->id, &c, NULL) == ATSB_OK;
    if (ls->arr) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "org", json_object_new_string(o->slug));
        json_object_object_add(x, "name", json_object_new_string(o->name));
        json_object_object_add(x, "trigger", json_object_new_string(o->trigger_status));
        json_object_object_add(x, "connector", has ? json_object_new_string(c.connector) : NULL);
        json_object_object_add(x, "state", has ? json_object_new_string(c.state) : NULL);
        json_object_array_add(ls->arr, x);
    } else {
        printf("%-20s %-30s %-14s %s\n", o->slug, cli_esc(o->name), has ? c.connector : "-",
               has ? c.state : "not connected");
    }
    if (has)
        store_conn_free(&c);
    return 0;
}

static int org_list(cli_ctx *ctx, int json)
{
    atsb_error err = ATSB_ERROR_INIT;
    int rc = cli_open_store(ctx, &err);
    if (rc)
        return cli_fail(&err);
    list_state ls = { ctx->st, json ? json_object_new_array() : NULL };
    if (!json)
        printf("%-20s %-30s %-14s %s\n", "ORG", "NAME", "ATS", "STATE");
    rc = store_org_each(ctx->st, print_org, &ls, &err);
    if (rc) {
        json_object_put(ls.arr);
        return cli_fail(&err);
    }
    if (json)
        cli_print_json(ls.arr);
    return 0;
}

static int org_show(cli_ctx *ctx, const char *slug, int json)
{
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    int rc = cli_open_store(ctx, &err);
    if (!rc)
        rc = store_org_get(ctx->st, slug, &o, &err);
    if (rc)
        return cli_fail(&err);
    store_conn c;
    int has = store_conn_get(ctx->st, o.id, &c, NULL) == ATSB_OK;
    const plugin *p = NULL;
    if (has) {
        /* A missing plugin directory only means we cannot tell secrets
         * apart: every value is then masked. */
        atsb_error perr = ATSB_ERROR_INIT;
        if (cli_load_plugins(ctx, &perr) == ATSB_OK)
            p = plugin_registry_find(&ctx->reg, c.connector);
    }
    if (json) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "org", json_object_new_string(o.slug));
        json_object_object_add(x, "name", json_object_new_string(o.name));
        json_object_object_add(x, "trigger", json_object_new_string(o.trigger_status));
        if (has) {
            json_object *cx = json_object_new_object();
            json_object_object_add(cx, "connector", json_object_new_string(c.connector));
            json_object_object_add(cx, "state", json_object_new_string(c.state));
            json_object_object_add(cx, "last_error",
                                   c.last_error ? json_object_new_string(c.last_error) : NULL);
            json_object *sx = json_object_new_object();
            for (size_t i = 0; i < c.n_settings; i++)
                json_object_object_add(sx, c.settings[i].name,
                                       json_object_new_string(
                                           cli_setting_is_secret(p, c.settings[i].name)
                                               ? SECRET_MASK : c.settings[i].value));
            json_object_object_add(cx, "settings", sx);
            json_object_object_add(x, "connection", cx);
        } else {
            json_object_object_add(x, "connection", NULL);
        }
        cli_print_json(x);
    } else {
        printf("org:        %s\nname:       %s\ntrigger:    %s\n", o.slug, cli_esc(o.name),
               o.trigger_status);
        if (!has) {
            printf("connection: none (atsbridge connect %s CONNECTOR --set ...)\n", o.slug);
        } else {
            printf("connection: %s (%s)\n", c.connector, c.state);
            if (c.last_error)
                printf("last error: %s\n", cli_esc(c.last_error));
            for (size_t i = 0; i < c.n_settings; i++)
                printf("  %-16s %s\n", c.settings[i].name,
                       cli_setting_is_secret(p, c.settings[i].name) ? SECRET_MASK
                                                                    : cli_esc(c.settings[i].value));
        }
    }
    if (has)
        store_conn_free(&c);
    return 0;
}

/* A new interval moves the org's next job sync now, not after the one
 * scheduled under the old interval. */
static int reschedule(cli_ctx *ctx, store_org *o, int64_t secs, atsb_error *err)
{
    store_conn c;
    o->jobs_interval_s = secs;
    int rc = store_conn_get(ctx->st, o->id, &c, NULL);
    if (rc)
        return ATSB_OK; /* not connected: scheduled when it is */
    rc = store_conn_set_jobs_due(ctx->st, o->id, sched_org_jobs_due_at(o, &ctx->cfg, c.last_sync_at),
                                 err);
    store_conn_free(&c);
    return rc;
}

static int org_set(cli_ctx *ctx, const char *slug, const char *name, const char *trigger,
                   const char *interval)
{
    atsb_error err = ATSB_ERROR_INIT;
    long secs = 0;
    if (!name && !trigger && !interval)
        return cli_usage_error(USAGE, "org set needs --trigger, --name or --jobs-interval");
    if (interval && !str_eq(interval, "default") &&
        (duration_parse(interval, &secs) < 0 || secs < 60 || secs > 30L * 86400))
        return cli_usage_error(USAGE, "--jobs-interval must be a duration from 1m to 30d");
    if (trigger && !cand_status_valid_trigger(trigger))
        return cli_usage_error(USAGE, "--trigger must be a funnel status (%s)", cand_status_list());
    store_org o;
    int rc = cli_open_store(ctx, &err);
    if (!rc)
        rc = store_org_get(ctx->st, slug, &o, &err);
    if (!rc && trigger)
        rc = store_org_set_trigger(ctx->st, o.id, trigger, &err);
    if (!rc && name)
        rc = store_org_set_name(ctx->st, o.id, name, &err);
    if (!rc && interval)
        rc = store_org_set_jobs_interval(ctx->st, o.id, secs, &err);
    if (!rc && interval)
        rc = reschedule(ctx, &o, secs, &err);
    if (!rc)
        store_audit(ctx->st, o.id, "org.set", trigger ? "trigger" : "name", trigger ? trigger : name, NULL);
    if (rc)
        return cli_fail(&err);
    if (trigger)
        printf("%s: candidates are pushed once they are %s (applies to later status changes)\n",
               slug, trigger);
    if (name)
        printf("%s: renamed to %s\n", slug, name);
    if (interval)
        printf("%s: jobs synced every %s\n", slug, secs ? interval : "sync.jobs_interval (default)");
    return 0;
}

int cmd_org(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(USAGE, "missing sub-command");
    if (cli_is_help(argv[1]))
        return cli_help(USAGE);
    int json = 0;
    const char *name = NULL, *pos = NULL, *trigger = NULL, *interval = NULL;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--json"))
            json = 1;
        else if (str_eq(argv[i], "--name")) {
            if (++i >= argc)
                return cli_usage_error(USAGE, "--name needs a value");
            name = argv[i];
        } else if (str_eq(argv[i], "--jobs-interval")) {
            if (++i >= argc)
                return cli_usage_error(USAGE, "--jobs-interval needs a duration");
            interval = argv[i];
        } else if (str_eq(argv[i], "--trigger")) {
            if (++i >= argc)
                return cli_usage_error(USAGE, "--trigger needs a status");
            trigger = argv[i];
        } else if (argv[i][0] == '-')
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        else if (!pos)
            pos = argv[i];
        else
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
    }
    if (str_eq(argv[1], "add") && pos)
        return org_add(ctx, pos, name);
    if (str_eq(argv[1], "list") && !pos)
        return org_list(ctx, json);
    if (str_eq(argv[1], "show") && pos)
        return org_show(ctx, pos, json);
    if (str_eq(argv[1], "set") && pos)
        return org_set(ctx, pos, name, trigger, interval);
    return cli_usage_error(USAGE, "bad arguments to org %s", argv[1]);
}
