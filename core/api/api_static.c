/* The admin console's files (index.html, console.js, console.css) from
 * api.console_dir, at / of the API's listener.  Only names made of
 * [a-z0-9._-] are looked up, directly in that directory, so no request
 * reaches a file outside it; every answer carries the console's security
 * headers (CSP without inline script, no framing, no sniffing). */
#include "api/api_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

#define STATIC_MAX_BYTES (4L << 20)

static const char *mime_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    if (str_eq(dot, ".html"))
        return "text/html; charset=utf-8";
    if (str_eq(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (str_eq(dot, ".css"))
        return "text/css; charset=utf-8";
    if (str_eq(dot, ".svg"))
        return "image/svg+xml";
    if (str_eq(dot, ".png"))
        return "image/png";
    return NULL;
}

static int plain_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
              *s == '_'))
            return 0;
    return 1;
}

int api_static_wanted(const char *method, const char *url)
{
    if (!str_eq(method, "GET") && !str_eq(method, "HEAD"))
        return 0;
    if (str_eq(url, "/"))
        return 1;
    return url[0] == '/' && !strchr(url + 1, '/') && plain_name(url + 1) && mime_of(url + 1);
}

int api_static_serve(api_req *r)
{
    const char *dir = r->srv->cfg->api_console_dir;
    const char *name = str_eq(r->url, "/") ? "index.html" : r->url + 1;
    r->console = 1;
    if (!dir || !*dir)
        return api_problem(r, 404, "not-found", NULL,
                           "the console is not served here (api.console_dir is empty)");
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return api_problem(r, 404, "not-found", NULL, "no such resource: %s", r->url);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat stt;
    if (fd < 0 || fstat(fd, &stt) < 0 || !S_ISREG(stt.st_mode) || stt.st_size > STATIC_MAX_BYTES) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (str_eq(name, "index.html"))
            log_warn("api", "console: cannot read %s: %s", path, fd < 0 ? strerror(e) : "not a "
                     "regular file of at most 4 MiB");
        return api_problem(r, 404, "not-found", NULL, "no such resource: %s", r->url);
    }
    char *buf = malloc((size_t)stt.st_size + 1);
    ssize_t got = buf ? read(fd, buf, (size_t)stt.st_size) : -1;
    close(fd);
    if (got != (ssize_t)stt.st_size) {
        free(buf);
        return api_problem(r, 500, "internal", NULL, "console: cannot read %s", name);
    }
    r->status = 200;
    r->out = buf;
    r->out_len = (size_t)got;
    r->content_type = mime_of(name);
    return 0;
}

void api_static_check(const config *cfg)
{
    const char *dir = cfg->api_console_dir;
    char path[4096];
    struct stat stt;
    if (!dir || !*dir)
        return;
    int e = snprintf(path, sizeof(path), "%s/index.html", dir) >= (int)sizeof(path) ? ENAMETOOLONG
          : stat(path, &stt) != 0 ? errno
          : !S_ISREG(stt.st_mode) ? EISDIR : 0;
    if (e)
        log_warn("api", "the console is not served: api.console_dir %s has no index.html (%s)",
                 dir, strerror(e));
}
