#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge store check\n"
    "       atsbridge store migrate\n"
    "       atsbridge store copy SRC DST\n"
    "\n"
    "The store itself (store.path or store.url, or --db): a SQLite file or a\n"
    "postgresql:// URL.  check says which schema version it has and exits 8\n"
    "when it is behind this atsbridge (or ahead of it), changing nothing.\n"
    "migrate brings it up to date; every command does so on opening, but on\n"
    "a shared PostgreSQL store you may want to do it once, before upgrading\n"
    "the daemons.  copy moves every row of SRC into DST, each a path or a\n"
    "URL (a SQLite store into PostgreSQL, or back): DST must be new or\n"
    "empty, is written in one transaction, and each table's rows are counted\n"
    "on both sides.  Stop the daemons writing to SRC first.\n";

static int check(cli_ctx *ctx, int migrate)
{
    atsb_error err = ATSB_ERROR_INIT;
    store *st = NULL;
    int rc = cli_load_config(ctx, &err);
    if (!rc)
        rc = store_open_as_is(&st, ctx->cfg.store_path, &err);
    if (rc)
        return cli_fail(&err);
    int have = store_schema_version(st), latest = store_schema_latest();
    const char *kind = store_is_shared(st) ? "PostgreSQL" : "SQLite";
    int exit_code = 0;
    if (migrate) {
        int from = 0;
        if ((rc = store_upgrade(st, &from, &err))) {
            store_close(st);
            return cli_fail(&err);
        }
        if (from == latest)
            printf("%s store %s: schema version %d, already up to date\n", kind,
                   store_name(st), latest);
        else
            printf("%s store %s: schema migrated from version %d to %d\n", kind,
                   store_name(st), from, latest);
    } else if (have == latest) {
        printf("%s store %s: schema version %d, up to date\n", kind, store_name(st), have);
    } else {
        fprintf(stderr, "atsbridge: %s store %s: schema version %d, %s this atsbridge's %d%s\n",
                kind, store_name(st), have, have < latest ? "behind" : "ahead of", latest,
                have < latest ? "; run `atsbridge store migrate`" : "; upgrade atsbridge");
        exit_code = EXIT_STORE;
    }
    store_close(st);
    return exit_code;
}

static void copied(const char *table, int64_t rows, void *payload)
{
    (void)payload;
    printf("  %-22s %lld rows\n", table, (long long)rows);
}

static int copy(int argc, char **argv)
{
    if (argc != 4)
        return cli_usage_error(USAGE, "store copy needs exactly SRC and DST");
    if (str_eq(argv[2], argv[3]))
        return cli_usage_error(USAGE, "SRC and DST are the same store");
    atsb_error err = ATSB_ERROR_INIT;
    store *src = NULL, *dst = NULL;
    int rc = store_open(&src, argv[2], &err);
    if (!rc)
        rc = store_open(&dst, argv[3], &err);
    if (!rc) {
        printf("copying %s into %s\n", store_name(src), store_name(dst));
        rc = store_copy(src, dst, copied, NULL, &err);
    }
    if (!rc)
        printf("copied; every table's rows counted equal on both sides\n");
    store_close(src);
    store_close(dst);
    return rc ? cli_fail(&err) : 0;
}

int cmd_store(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1]))
        return argc < 2 ? cli_usage_error(USAGE, "missing sub-command") : cli_help(USAGE);
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
    if (str_eq(argv[1], "copy"))
        return copy(argc, argv);
    if (argc > 2)
        return cli_usage_error(USAGE, "unexpected argument %s", argv[2]);
    if (str_eq(argv[1], "check"))
        return check(ctx, 0);
    if (str_eq(argv[1], "migrate"))
        return check(ctx, 1);
    return cli_usage_error(USAGE, "unknown sub-command \"%s\"", argv[1]);
}
