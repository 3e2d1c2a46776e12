#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "plugin/kit.h"
#include "base/log.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge plugins list [--json]\n"
    "       atsbridge plugins show NAME [--json]\n"
    "       atsbridge plugins test PATH.so --set KEY=VALUE ... [--job ID] [--timeout SECONDS]\n"
    "\n"
    "list: every connector loaded from the plugin directory (name, version, ABI,\n"
    "      capabilities) and every refused file with the reason.\n"
    "show: one connector's description and the settings it takes.\n"
    "test: the conformance kit.  Runs the connector through the contract against\n"
    "      a live (or sandbox) ATS, each check in a child process, and prints a\n"
    "      PASS/FAIL line per check: descriptor, exports, settings, check with bad\n"
    "      credentials, check, list_jobs (twice), push_candidate, a retry after a\n"
    "      lost reply, classification of 429/500/malformed replies, quiet stdout.\n"
    "      It pushes one test candidate to --job (default: the first open job).\n"
    "      Exit 0 when every check passes, 1 otherwise.\n";

static const char *type_name(atsb_setting_type t)
{
    switch (t) {
    case ATSB_SETTING_STRING: return "string";
    case ATSB_SETTING_INT: return "int";
    case ATSB_SETTING_BOOL: return "bool";
    case ATSB_SETTING_URL: return "url";
    }
    return "?";
}

static json_object *plugin_json(const plugin *p, int with_settings)
{
    json_object *o = json_object_new_object();
    char abi[16], caps[128];
    snprintf(abi, sizeof(abi), "%u.%u", p->desc.abi_major, p->desc.abi_minor);
    plugin_caps_string(p->desc.capabilities, caps, sizeof(caps));
    json_object_object_add(o, "name", json_object_new_string(p->desc.name));
    json_object_object_add(o, "version", json_object_new_string(p->desc.version));
    json_object_object_add(o, "abi", json_object_new_string(abi));
    json_object_object_add(o, "capabilities", json_object_new_string(caps));
    json_object_object_add(o, "description",
                           json_object_new_string(p->desc.description ? p->desc.description : ""));
    json_object_object_add(o, "path", json_object_new_string(p->path));
    if (with_settings) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < p->n_settings; i++) {
            const atsb_setting_spec *s = &p->settings[i];
            json_object *so = json_object_new_object();
            json_object_object_add(so, "name", json_object_new_string(s->name));
            json_object_object_add(so, "type", json_object_new_string(type_name(s->type)));
            json_object_object_add(so, "required", json_object_new_boolean(s->required));
            json_object_object_add(so, "secret", json_object_new_boolean(s->secret));
            json_object_object_add(so, "default", s->default_value
                                   ? json_object_new_string(s->default_value) : NULL);
            json_object_object_add(so, "help", json_object_new_string(s->help ? s->help : ""));
            json_object_array_add(arr, so);
        }
        json_object_object_add(o, "settings", arr);
    }
    return o;
}

static int plugins_list(cli_ctx *ctx, int json)
{
    atsb_error err = ATSB_ERROR_INIT;
    int rc = cli_load_config(ctx, &err);
    if (rc)
        return cli_fail(&err);
    /* Refusals are this command's output; do not repeat them as warnings. */
    if (log_get_level() == ATSB_LOG_WARN)
        log_set_level(ATSB_LOG_ERROR);
    rc = cli_load_plugins(ctx, &err);
    if (rc)
        return cli_fail(&err);
    const plugin_registry *r = &ctx->reg;
    if (json) {
        json_object *o = json_object_new_object();
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < r->n_plugins; i++)
            json_object_array_add(arr, plugin_json(&r->plugins[i], 0));
        json_object *rej = json_object_new_array();
        for (size_t i = 0; i < r->n_rejected; i++) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "path", json_object_new_string(r->rejected[i].path));
            json_object_object_add(x, "reason", json_object_new_string(r->rejected[i].reason));
            json_object_array_add(rej, x);
        }
        json_object_object_add(o, "dir", json_object_new_string(r->dir));
        json_object_object_add(o, "connectors", arr);
        json_object_object_add(o, "rejected", rej);
        cli_print_json(o);
        return 0;
    }
    printf("plugin directory: %s\n", r->dir);
    if (!r->n_plugins)
        printf("no connectors loaded\n");
    else
        printf("%-16s %-10s %-5s %-50s\n", "NAME", "VERSION", "ABI", "CAPABILITIES");
    for (size_t i = 0; i < r->n_plugins; i++) {
        const plugin *p = &r->plugins[i];
        char caps[128];
        plugin_caps_string(p->desc.capabilities, caps, sizeof(caps));
        printf("%-16s %-10s %u.%-3u %-50s\n", p->desc.name, p->desc.version,
               p->desc.abi_major, p->desc.abi_minor, caps);
    }
    for (size_t i = 0; i < r->n_rejected; i++)
        printf("refused %s: %s\n", r->rejected[i].path, r->rejected[i].reason);
    return 0;
}

static int plugins_show(cli_ctx *ctx, const char *name, int json)
{
    atsb_error err = ATSB_ERROR_INIT;
    int rc = cli_load_plugins(ctx, &err);
    if (rc)
        return cli_fail(&err);
    const plugin *p = plugin_registry_find(&ctx->reg, name);
    if (!p) {
        err_set(&err, ATSB_ERR_NOT_FOUND, "no connector named \"%s\" in %s (see atsbridge plugins list)",
                name, ctx->reg.dir);
        return cli_fail(&err);
    }
    if (json) {
        cli_print_json(plugin_json(p, 1));
        return 0;
    }
    char caps[128];
    plugin_caps_string(p->desc.capabilities, caps, sizeof(caps));
    printf("name:         %s\nversion:      %s\nabi:          %u.%u\ncapabilities: %s\n"
           "description:  %s\npath:         %s\nsettings:\n",
           p->desc.name, p->desc.version, p->desc.abi_major, p->desc.abi_minor, caps,
           p->desc.description ? p->desc.description : "", p->path);
    for (size_t i = 0; i < p->n_settings; i++) {
        const atsb_setting_spec *s = &p->settings[i];
        printf("  %-16s %-6s %s%s%s%s%s\n", s->name, type_name(s->type),
               s->required ? "required" : "optional", s->secret ? ", secret" : "",
               s->default_value ? ", default " : "", s->default_value ? s->default_value : "",
               "");
        if (s->help)
            printf("  %-16s %s\n", "", s->help);
    }
    return 0;
}

static int plugins_test(cli_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL, *job = NULL;
    long timeout = 30;
    store_setting sets[64];
    size_t n = 0;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--set")) {
            char *eq = ++i < argc ? strchr(argv[i], '=') : NULL;
            if (!eq || eq == argv[i] || n == 64)
                return cli_usage_error(USAGE, "--set needs KEY=VALUE");
            *eq = '\0';
            sets[n].name = argv[i];
            sets[n].value = eq + 1;
            n++;
        } else if (str_eq(argv[i], "--job")) {
            if (++i >= argc)
                return cli_usage_error(USAGE, "--job needs an ATS job id");
            job = argv[i];
        } else if (str_eq(argv[i], "--timeout")) {
            if (++i >= argc || str_to_long(argv[i], &timeout) < 0 || timeout < 1 || timeout > 3600)
                return cli_usage_error(USAGE, "--timeout needs seconds 1..3600");
        } else if (argv[i][0] == '-') {
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
        }
    }
    if (!path)
        return cli_usage_error(USAGE, "plugins test needs the path of a connector .so");
    atsb_error err = ATSB_ERROR_INIT;
    if (cli_load_config(ctx, &err))
        return cli_fail(&err);
    kit_opts o = { path, sets, n, job, (int)timeout, &ctx->cfg };
    return kit_run(&o) ? EXIT_FAILURE_ : 0;
}

int cmd_plugins(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1]))
        return argc < 2 ? cli_usage_error(USAGE, "missing sub-command") : cli_help(USAGE);
    if (str_eq(argv[1], "test"))
        return plugins_test(ctx, argc, argv);
    int json = 0;
    const char *pos[2] = { NULL, NULL };
    int npos = 0;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--json"))
            json = 1;
        else if (argv[i][0] == '-')
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        else if (npos < 2)
            pos[npos++] = argv[i];
        else
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
    }
    if (str_eq(argv[1], "list") && npos == 0)
        return plugins_list(ctx, json);
    if (str_eq(argv[1], "show") && npos == 1)
        return plugins_show(ctx, pos[0], json);
    return cli_usage_error(USAGE, "bad arguments to plugins %s", argv[1]);
}
