/* A 1.0 host, for the "serve an older host" test: today's loader
 * (core/plugin/plugin.c) compiled against the frozen ABI 1.0 header
 * (tests/fixtures/abi/1.0/), with a 1.0 host API table.  It loads one
 * connector, creates an instance, lists jobs and looks a candidate up, and
 * prints one line per step:
 *     abi_host PATH.so
 * Exit 0 when the connector loaded and ran, 1 when it was refused. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "plugin/plugin.h"

static void h_log(atsb_host *h, atsb_log_level level, const char *fmt, ...)
    ATSB_PRINTF(3, 4);
static void h_log(atsb_host *h, atsb_log_level level, const char *fmt, ...)
{
    (void)h;
    va_list ap;
    va_start(ap, fmt);
    log_msgv(level, "abi_host", fmt, ap);
    va_end(ap);
}
static const char *h_setting(atsb_host *h, const char *name) { (void)h; (void)name; return NULL; }
static int h_http(atsb_host *h, const atsb_http_request *req, atsb_http_response **out,
                  atsb_error *err)
{
    (void)h; (void)req;
    *out = NULL;
    return err_set(err, ATSB_ERR_UNSUPPORTED, "no HTTP in the 1.0 test host");
}
static void h_http_free(atsb_host *h, atsb_http_response *r) { (void)h; (void)r; }
static const char *h_header(const atsb_http_response *r, const char *n) { (void)r; (void)n; return NULL; }
static int h_cancelled(atsb_host *h) { (void)h; return 0; }
static int h_url_encode(char *dst, size_t size, const char *src)
{
    (void)src;
    if (size)
        dst[0] = '\0';
    return size ? 0 : -1;
}
static char *h_base64(const void *d, size_t n) { (void)d; (void)n; return NULL; }

/* Exactly ABI 1.0's table: struct_size is 1.0's. */
static const atsb_host_api API = {
    .struct_size = sizeof(atsb_host_api), .abi_major = ATSB_ABI_MAJOR,
    .abi_minor = ATSB_ABI_MINOR, .log = h_log, .setting = h_setting, .http = h_http,
    .http_free = h_http_free, .http_header = h_header, .cancelled = h_cancelled,
    .set_error = err_set, .url_encode = h_url_encode, .base64_encode = h_base64,
    .free = free,
};

static int on_page(void *payload, const atsb_job *const *jobs, size_t count)
{
    (void)jobs;
    *(size_t *)payload += count;
    return 0;
}
static void on_malformed(void *p, const char *id, const char *why) { (void)p; (void)id; (void)why; }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: abi_host PATH.so\n");
        return 2;
    }
    log_set_level(ATSB_LOG_ERROR);
    plugin_registry reg;
    plugin_registry_init(&reg);
    if (plugin_registry_load_file(&reg, argv[1]) != 0) {
        printf("host ABI %d.%d refused: %s\n", ATSB_ABI_MAJOR, ATSB_ABI_MINOR,
               reg.n_rejected ? reg.rejected[0].reason : "?");
        plugin_registry_free(&reg);
        return 1;
    }
    const plugin *p = &reg.plugins[0];
    printf("host ABI %d.%d loaded %s (needs ABI %u.%u)\n", ATSB_ABI_MAJOR, ATSB_ABI_MINOR,
           p->desc.name, p->desc.abi_major, p->desc.abi_minor);
    void *inst = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = p->desc.create(&API, NULL, &inst, &err);
    printf("create: %s%s%s\n", err_class_name(rc), rc ? ": " : "", rc ? err.message : "");
    if (!rc) {
        size_t jobs = 0;
        atsb_list_request req = { .struct_size = sizeof(req) };
        atsb_job_sink sink = { .struct_size = sizeof(sink), .page = on_page,
                               .malformed = on_malformed, .payload = &jobs };
        rc = p->desc.list_jobs(inst, &req, &sink, &err);
        printf("list_jobs: %s, %zu jobs\n", err_class_name(rc), jobs);
        atsb_candidate c = { .struct_size = sizeof(c), .local_id = "x", .job_remote_id = "NEW-1",
                             .email = "x@example.com" };
        atsb_push_result out = { .struct_size = sizeof(out) };
        rc = p->desc.find_candidate(inst, &c, &out, &err);
        printf("find_candidate: %s\n", err_class_name(rc));
        p->desc.destroy(inst);
    }
    plugin_registry_free(&reg);
    return 0;
}
