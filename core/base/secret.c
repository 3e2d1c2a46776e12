#include "base/secret.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

int secret_resolve(const char *setting, const char *value, char **out, atsb_error *err)
{
    *out = NULL;
    if (!value)
        return ATSB_OK;
    if (strncmp(value, "env:", 4) == 0) {
        const char *name = value + 4;
        const char *v = getenv(name);
        if (str_empty(name) || !v)
            return err_set(err, ATSB_ERR_CONFIG,
                           "setting %s: environment variable %s is not set", setting,
                           str_empty(name) ? "(empty name)" : name);
        *out = str_dup(v);
    } else if (strncmp(value, "file:", 5) == 0) {
        const char *path = value + 5;
        char *data = NULL;
        size_t len = 0;
        if (file_read_all(path, &data, &len, 64 * 1024) < 0)
            return err_set(err, ATSB_ERR_CONFIG, "setting %s: cannot read secret file %s: %s",
                           setting, path, strerror(errno));
        /* The first line only: editors add a newline, nobody wants it. */
        data[strcspn(data, "\r\n")] = '\0';
        *out = data;
    } else {
        *out = str_dup(value);
    }
    return *out ? ATSB_OK : err_set(err, ATSB_ERR_INTERNAL, "out of memory");
}

static int sensitive_key(const char *k, size_t n)
{
    static const char *needles[] = { "token", "key", "secret", "password", "passwd",
                                     "signature", "sig", "code", "auth", "credential",
                                     "perform_as" };
    char lower[64];
    if (n >= sizeof(lower))
        n = sizeof(lower) - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)k[i]);
    lower[n] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(needles); i++) {
        if (strcmp(needles[i], "perform_as") == 0)
            continue; /* a user id, not a credential */
        if (strstr(lower, needles[i]))
            return 1;
    }
    return 0;
}

void secret_redact_url(const char *url, char *dst, size_t size)
{
    strbuf sb;
    sb_init(&sb);
    if (!url)
        url = "";
    const char *p = url;
    /* user:password@ in the authority */
    const char *scheme = strstr(p, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        const char *end = auth + strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', (size_t)(end - auth));
        sb_append(&sb, p, (size_t)(auth - p));
        if (at) {
            sb_puts(&sb, SECRET_MASK "@");
            p = at + 1;
        } else {
            p = auth;
        }
    }
    const char *q = strchr(p, '?');
    if (!q) {
        sb_puts(&sb, p);
    } else {
        sb_append(&sb, p, (size_t)(q - p) + 1);
        p = q + 1;
        while (*p) {
            size_t plen = strcspn(p, "&#");
            const char *eq = memchr(p, '=', plen);
            if (eq && sensitive_key(p, (size_t)(eq - p))) {
                sb_append(&sb, p, (size_t)(eq - p) + 1);
                sb_puts(&sb, SECRET_MASK);
            } else {
                sb_append(&sb, p, plen);
            }
            p += plen;
            if (*p == '&') {
                sb_puts(&sb, "&");
                p++;
            } else if (*p == '#') {
                sb_puts(&sb, p);
                break;
            }
        }
    }
    str_copy(dst, size, sb.data ? sb.data : "");
    sb_free(&sb);
}
