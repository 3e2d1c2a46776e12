/* atsbridge location explain: why a job's location was judged US or not,
 * for admins asking why a job did not arrive. */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "sync/location.h"

static const char USAGE[] =
    "usage: atsbridge location explain [--country CC] [--region R] [--city C] [--json] TEXT\n"
    "\n"
    "How the US-only rule reads a job's location: the verdict (us: imported;\n"
    "non-us or unknown: skipped), what decided it (the ATS's country field, its\n"
    "region field, or the text rule), and for each location in TEXT the part\n"
    "read, the gazetteer entry or rule used.  --country/--region/--city give the\n"
    "structured fields an ATS may send beside the text.  location.us_territories\n"
    "in the config decides Puerto Rico, Guam, the USVI, American Samoa and the\n"
    "Northern Mariana Islands.\n";

static int explain(cli_ctx *ctx, int argc, char **argv)
{
    location_input in = { NULL, NULL, NULL, NULL };
    int json = 0;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--json")) {
            json = 1;
        } else if (str_eq(argv[i], "--country") || str_eq(argv[i], "--region") ||
                   str_eq(argv[i], "--city")) {
            if (i + 1 >= argc)
                return cli_usage_error(USAGE, "%s needs a value", argv[i]);
            const char **slot = argv[i][2] == 'c' && argv[i][3] == 'o' ? &in.country_code
                              : argv[i][2] == 'r' ? &in.region : &in.city;
            *slot = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        } else if (!in.text) {
            in.text = argv[i];
        } else {
            return cli_usage_error(USAGE, "unexpected argument %s (quote the location text)",
                                   argv[i]);
        }
    }
    if (!in.text && !in.country_code && !in.region && !in.city)
        return cli_usage_error(USAGE, "location explain needs TEXT");
    atsb_error err = ATSB_ERROR_INIT;
    if (cli_load_config(ctx, &err))
        return cli_fail(&err);
    location_opts o = { ctx->cfg.us_territories, 1 };
    location_result r;
    location_decide(&in, &o, &r);
    const char *outcome = r.verdict == LOCATION_US ? "imported"
                        : r.verdict == LOCATION_NON_US ? "skipped (non-US)"
                        : "skipped (unknown location)";
    if (json) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "verdict", json_object_new_string(location_verdict_name(r.verdict)));
        json_object_object_add(x, "outcome", json_object_new_string(outcome));
        json_object_object_add(x, "country", r.country[0] ? json_object_new_string(r.country) : NULL);
        json_object_object_add(x, "decided_by", json_object_new_string(location_basis_name(r.basis)));
        json_object_object_add(x, "part", r.part[0] ? json_object_new_string(r.part) : NULL);
        json_object_object_add(x, "why", json_object_new_string(r.why));
        json_object_object_add(x, "us_territories", json_object_new_boolean(o.territories_us));
        json_object_object_add(x, "truncated", json_object_new_boolean(r.truncated));
        json_object *parts = json_object_new_array();
        for (size_t i = 0; i < r.nparts; i++) {
            json_object *p = json_object_new_object();
            json_object_object_add(p, "text", json_object_new_string(r.parts[i].text));
            json_object_object_add(p, "verdict",
                                   json_object_new_string(location_verdict_name(r.parts[i].verdict)));
            json_object_object_add(p, "country", r.parts[i].country[0]
                                   ? json_object_new_string(r.parts[i].country) : NULL);
            json_object_object_add(p, "why", json_object_new_string(r.parts[i].why));
            json_object_array_add(parts, p);
        }
        json_object_object_add(x, "parts", parts);
        cli_print_json(x);
        return 0;
    }
    printf("verdict:     %s (%s)\n", location_verdict_name(r.verdict), outcome);
    printf("country:     %s\n", r.country[0] ? r.country : "-");
    printf("decided by:  %s\n", location_basis_name(r.basis));
    if (r.part[0])
        printf("part:        %s\n", cli_esc(r.part));
    printf("why:         %s\n", cli_esc(r.why));
    if (r.basis != LOCATION_BY_COUNTRY_FIELD && r.basis != LOCATION_BY_REGION_FIELD &&
        r.nparts > 1) {
        printf("locations read (%zu%s):\n", r.parts_total, r.truncated ? ", input truncated" : "");
        for (size_t i = 0; i < r.nparts; i++)
            printf("  %-8s %-3s %s: %s\n", location_verdict_name(r.parts[i].verdict),
                   r.parts[i].country[0] ? r.parts[i].country : "-", cli_esc(r.parts[i].text),
                   cli_esc(r.parts[i].why));
    } else if (r.truncated) {
        printf("note:        only the first %d bytes and %d locations are read\n",
               LOCATION_MAX_TEXT, LOCATION_MAX_PARTS);
    }
    printf("territories: %s (location.us_territories)\n",
           o.territories_us ? "count as US" : "do not count as US");
    return 0;
}

int cmd_location(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1]))
        return argc < 2 ? cli_usage_error(USAGE, "location needs a subcommand") : cli_help(USAGE);
    if (str_eq(argv[1], "explain"))
        return explain(ctx, argc, argv);
    return cli_usage_error(USAGE, "unknown location subcommand \"%s\"", argv[1]);
}
