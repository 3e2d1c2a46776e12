#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cands/cand_import.h"
#include "cands/cand_status.h"
#include "cands/candidates.h"
#include "cli/cli.h"
#include "sync/sync_cands.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge candidates import FILE|- [--resume-dir DIR]\n"
    "       atsbridge candidates set-status ORG ID STATUS\n"
    "       atsbridge candidates list ORG [--json]\n"
    "       atsbridge candidates show ORG ID [--json] [--pdf OUT.pdf]\n"
    "\n"
    "import reads one JSON object, a JSON array or JSON Lines (schema in\n"
    "docs/candidates.md); re-importing an id updates it.  A bad record is\n"
    "reported with its number, field and reason; the others are imported.\n"
    "A resume is given inline (text, or base64 with a filename); resume.path\n"
    "is read only below --resume-dir DIR (default: intake.resume_dir, none).\n"
    "A candidate whose status reaches the org's trigger (atsbridge org set ORG\n"
    "--trigger STATUS; default engaged) on an active job is queued for the ATS;\n"
    "on a disabled or archived job it is held, with the reason shown here.\n"
    "show --pdf writes the profile PDF that is pushed to the ATS.\n";

#define MAX_INPUT (256L * 1024 * 1024)

static json_object *cand_json(store *st, const store_cand *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(c->ext_id));
    json_object_object_add(o, "job", json_object_new_string(c->job_remote_id));
    json_object_object_add(o, "first_name", json_object_new_string(c->first_name));
    json_object_object_add(o, "last_name", json_object_new_string(c->last_name));
    json_object_object_add(o, "email", c->email ? json_object_new_string(c->email) : NULL);
    json_object_object_add(o, "phone", c->phone ? json_object_new_string(c->phone) : NULL);
    json_object_object_add(o, "status", json_object_new_string(c->status));
    json_object_object_add(o, "profile_url", c->profile_url ? json_object_new_string(c->profile_url) : NULL);
    json_object_object_add(o, "hold_reason", c->hold_reason ? json_object_new_string(c->hold_reason) : NULL);
    /* The push state, when the candidate was queued. */
    json_object *pushes = json_object_new_array();
    (void)st;
    json_object_object_add(o, "pushes", pushes);
    return o;
}

typedef struct push_collect {
    int64_t cand_id;
    json_object *arr;
} push_collect;

static int add_push(const store_push *p, void *payload)
{
    push_collect *pc = payload;
    if (p->candidate_id != pc->cand_id)
        return 0;
    json_object *x = json_object_new_object();
    json_object_object_add(x, "outbox_id", json_object_new_int64(p->id));
    json_object_object_add(x, "job", json_object_new_string(p->job_remote_id));
    json_object_object_add(x, "state", json_object_new_string(p->state));
    json_object_object_add(x, "attempts", json_object_new_int(p->attempts));
    json_object_object_add(x, "ats_candidate_id", p->remote_candidate_id[0] ? json_object_new_string(p->remote_candidate_id) : NULL);
    json_object_object_add(x, "ats_application_id", p->remote_application_id[0] ? json_object_new_string(p->remote_application_id) : NULL);
    json_object_object_add(x, "last_error", p->last_error ? json_object_new_string(p->last_error) : NULL);
    json_object_array_add(pc->arr, x);
    return 0;
}

static json_object *cand_json_full(store *st, const store_cand *c)
{
    json_object *o = cand_json(st, c);
    json_object *pushes;
    json_object_object_get_ex(o, "pushes", &pushes);
    push_collect pc = { c->id, pushes };
    store_push_each(st, c->org_id, NULL, add_push, &pc, NULL);
    return o;
}

typedef struct list_state {
    store *st;
    json_object *arr;
} list_state;

static int list_cb(const store_cand *c, void *payload)
{
    list_state *ls = payload;
    if (ls->arr) {
        json_object_array_add(ls->arr, cand_json_full(ls->st, c));
        return 0;
    }
    printf("%-14s %-24.24s %-12s %-8s %s\n", cli_esc(c->ext_id), cli_esc(c->first_name),
           cli_esc(c->status), cli_esc(c->job_remote_id), c->hold_reason ? cli_esc(c->hold_reason) : "");
    return 0;
}

static int do_import(cli_ctx *ctx, const char *path, const char *resume_dir)
{
    atsb_error err = ATSB_ERROR_INIT;
    char *data = NULL;
    size_t len = 0;
    if (str_eq(path, "-")) {
        strbuf sb;
        sb_init(&sb);
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
            if (sb_append(&sb, buf, n) < 0 || sb.len > (size_t)MAX_INPUT) {
                sb_free(&sb);
                err_set(&err, CORE_ERR_USAGE, "standard input is too large");
                return cli_fail(&err);
            }
        data = sb_steal(&sb);
        len = data ? strlen(data) : 0;
    } else if (file_read_all(path, &data, &len, (size_t)MAX_INPUT) < 0) {
        err_set(&err, ATSB_ERR_NOT_FOUND, "cannot read %s: %s", path, strerror(errno));
        return cli_fail(&err);
    }
    cand_import_result r;
    int rc = cli_open_store(ctx, &err);
    if (!rc)
        rc = cand_import(ctx->st, &ctx->cfg, resume_dir, data ? data : "", len, stderr, &r, &err);
    free(data);
    if (rc)
        return cli_fail(&err);
    printf("imported %d of %d records (%d new, %d updated); %d queued for the ATS, %d held; "
           "%d failed\n", r.created + r.updated, r.records, r.created, r.updated, r.queued,
           r.held, r.failed);
    return r.failed ? EXIT_FAILURE_ : 0;
}

static int set_status(cli_ctx *ctx, const char *slug, const char *id, const char *status)
{
    atsb_error err = ATSB_ERROR_INIT;
    if (!cand_status_valid(status))
        return cli_usage_error(USAGE, "unknown status \"%s\" (expected %s)", status,
                               cand_status_list());
    store_org o;
    store_cand c;
    int queued = 0;
    int rc = cli_open_store(ctx, &err);
    if (!rc)
        rc = store_org_get(ctx->st, slug, &o, &err);
    if (!rc)
        rc = store_cand_get(ctx->st, o.id, id, &c, &err);
    if (rc)
        return cli_fail(&err);
    int64_t cid = c.id;
    store_cand_free(&c);
    if ((rc = store_begin(ctx->st, &err)))
        return cli_fail(&err);
    if ((rc = store_cand_set_status(ctx->st, cid, status, &err)) ||
        (rc = cand_evaluate(ctx->st, &o, cid, &queued, &err)) ||
        (rc = store_commit(ctx->st, &err))) {
        store_rollback(ctx->st);
        return cli_fail(&err);
    }
    store_cand_get_by_id(ctx->st, cid, &c, NULL);
    printf("candidate %s is now %s", id, status);
    if (queued)
        printf("; queued for the ATS");
    else if (c.hold_reason)
        printf("; held: %s", cli_esc(c.hold_reason));
    printf("\n");
    store_cand_free(&c);
    return 0;
}

static int show(cli_ctx *ctx, const char *slug, const char *id, int json, const char *pdf_out)
{
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    store_cand c;
    int rc = cli_open_store(ctx, &err);
    if (!rc)
        rc = store_org_get(ctx->st, slug, &o, &err);
    if (!rc)
        rc = store_cand_get(ctx->st, o.id, id, &c, &err);
    if (rc)
        return cli_fail(&err);
    if (pdf_out) {
        store_job j;
        int have_job = store_job_get(ctx->st, o.id, c.job_remote_id, &j, NULL) == ATSB_OK;
        unsigned char *pdf = NULL;
        size_t len = 0;
        rc = sync_cands_render(ctx->st, &ctx->cfg, &c, have_job ? j.title : NULL, &pdf, &len, &err);
        if (have_job)
            store_job_free(&j);
        FILE *f = rc ? NULL : fopen(pdf_out, "wb");
        if (!rc && (!f || fwrite(pdf, 1, len, f) != len))
            rc = err_set(&err, ATSB_ERR_CONFIG, "cannot write %s: %s", pdf_out, strerror(errno));
        if (f && fclose(f) != 0 && !rc)
            rc = err_set(&err, ATSB_ERR_CONFIG, "cannot write %s: %s", pdf_out, strerror(errno));
        free(pdf);
        if (rc) {
            store_cand_free(&c);
            return cli_fail(&err);
        }
    }
    if (json) {
        cli_print_json(cand_json_full(ctx->st, &c));
    } else {
        json_object *x = cand_json_full(ctx->st, &c);
        printf("id:          %s\nname:        %s %s\nemail:       %s\nphone:       %s\n"
               "status:      %s\njob:         %s\nprofile:     %s\n",
               cli_esc(c.ext_id), cli_esc(c.first_name), cli_esc(c.last_name),
               c.email ? cli_esc(c.email) : "-", c.phone ? cli_esc(c.phone) : "-",
               cli_esc(c.status), cli_esc(c.job_remote_id),
               c.profile_url ? cli_esc(c.profile_url) : "-");
        if (c.hold_reason)
            printf("held:        %s\n", cli_esc(c.hold_reason));
        json_object *pushes;
        json_object_object_get_ex(x, "pushes", &pushes);
        for (size_t i = 0; i < json_object_array_length(pushes); i++)
            printf("push:        %s\n",
                   cli_esc(json_object_to_json_string(json_object_array_get_idx(pushes, i))));
        json_object_put(x);
        if (pdf_out)
            printf("profile PDF: %s\n", pdf_out);
    }
    store_cand_free(&c);
    return 0;
}

int cmd_candidates(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(USAGE, "missing sub-command");
    if (cli_is_help(argv[1]))
        return cli_help(USAGE);
    const char *pos[3] = { NULL, NULL, NULL }, *pdf = NULL, *resume_dir = NULL;
    int npos = 0, json = 0;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--json"))
            json = 1;
        else if (str_eq(argv[i], "--pdf")) {
            if (++i >= argc)
                return cli_usage_error(USAGE, "--pdf needs a file name");
            pdf = argv[i];
        } else if (str_eq(argv[i], "--resume-dir")) {
            if (++i >= argc || !*argv[i])
                return cli_usage_error(USAGE, "--resume-dir needs a directory");
            resume_dir = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        else if (npos < 3)
            pos[npos++] = argv[i];
        else
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
    }
    const char *sub = argv[1];
    if (str_eq(sub, "import") && npos == 1)
        return do_import(ctx, pos[0], resume_dir);
    if (str_eq(sub, "set-status") && npos == 3)
        return set_status(ctx, pos[0], pos[1], pos[2]);
    if (str_eq(sub, "show") && npos == 2)
        return show(ctx, pos[0], pos[1], json, pdf);
    if (str_eq(sub, "list") && npos == 1) {
        atsb_error err = ATSB_ERROR_INIT;
        store_org o;
        if (cli_open_store(ctx, &err) || store_org_get(ctx->st, pos[0], &o, &err))
            return cli_fail(&err);
        list_state ls = { ctx->st, json ? json_object_new_array() : NULL };
        if (store_cand_each(ctx->st, o.id, list_cb, &ls, &err)) {
            json_object_put(ls.arr);
            return cli_fail(&err);
        }
        if (json)
            cli_print_json(ls.arr);
        return 0;
    }
    return cli_usage_error(USAGE, "bad arguments to candidates %s", sub);
}
