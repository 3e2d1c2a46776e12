#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int err_setv(atsb_error *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        err->struct_size = sizeof(*err);
        err->code = code;
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
    }
    return code;
}

int err_set(atsb_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void err_clear(atsb_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->struct_size = sizeof(*err);
}

const char *err_class_name(int code)
{
    switch (code) {
    case ATSB_OK: return "ok";
    case ATSB_ERR_AUTH: return "auth";
    case ATSB_ERR_CONFIG: return "config";
    case ATSB_ERR_RATE_LIMITED: return "rate-limited";
    case ATSB_ERR_TRANSIENT: return "transient";
    case ATSB_ERR_PERMANENT: return "permanent";
    case ATSB_ERR_UNSUPPORTED: return "unsupported";
    case ATSB_ERR_INTERNAL: return "internal";
    case ATSB_ERR_NOT_FOUND: return "not-found";
    case ATSB_ERR_CANCELLED: return "cancelled";
    default: return "unknown";
    }
}

char *str_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *str_ndup(const char *s, size_t n)
{
    return s ? strndup(s, n) : NULL;
}

char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = malloc((size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int str_empty(const char *s)
{
    return !s || !*s;
}

void str_copy(char *dst, size_t size, const char *src)
{
    if (!size)
        return;
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int str_to_long(const char *s, long *out)
{
    if (str_empty(s))
        return -1;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

void sb_init(strbuf *sb)
{
    memset(sb, 0, sizeof(*sb));
}

void sb_free(strbuf *sb)
{
    free(sb->data);
    sb_init(sb);
}

static int sb_grow(strbuf *sb, size_t need)
{
    if (sb->oom)
        return -1;
    if (sb->len + need + 1 <= sb->cap)
        return 0;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + need + 1) {
        if (cap > SIZE_MAX / 2) {
            sb->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(sb->data, cap);
    if (!p) {
        sb->oom = 1;
        return -1;
    }
    sb->data = p;
    sb->cap = cap;
    return 0;
}

int sb_append(strbuf *sb, const void *data, size_t len)
{
    if (sb_grow(sb, len) < 0)
        return -1;
    if (len)
        memcpy(sb->data + sb->len, data, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
    return 0;
}

int sb_puts(strbuf *sb, const char *s)
{
    return sb_append(sb, s ? s : "", s ? strlen(s) : 0);
}

int sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_grow(sb, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return 0;
}

char *sb_steal(strbuf *sb)
{
    char *p = sb->data;
    if (!p && !sb->oom)
        p = calloc(1, 1);
    if (sb->oom) {
        free(p);
        p = NULL;
    }
    sb_init(sb);
    return p;
}

long utf8_decode(const unsigned char *p, size_t n, size_t *adv)
{
    *adv = 1;
    if (!n)
        return -1;
    if (p[0] < 0x80)
        return p[0];
    size_t len;
    long cp, min;
    if ((p[0] & 0xE0) == 0xC0)
        len = 2, cp = p[0] & 0x1F, min = 0x80;
    else if ((p[0] & 0xF0) == 0xE0)
        len = 3, cp = p[0] & 0x0F, min = 0x800;
    else if ((p[0] & 0xF8) == 0xF0)
        len = 4, cp = p[0] & 0x07, min = 0x10000;
    else
        return -1;
    if (len > n)
        return -1;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return -1;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    /* One spelling per character: overlong forms are how filters are
     * bypassed; surrogates are not characters. */
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *adv = len;
    return cp;
}

int utf8_is_control(long cp)
{
    return (cp >= 0 && cp < 0x20) || (cp >= 0x7F && cp <= 0x9F);
}

int sb_put_escaped(strbuf *sb, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    while (n) {
        size_t adv;
        long cp = utf8_decode(p, n, &adv);
        int rc;
        if (cp < 0)
            rc = sb_printf(sb, "\\x%02X", p[0]);
        else if (utf8_is_control(cp))
            rc = cp < 0x80 ? sb_printf(sb, "\\x%02lX", cp) : sb_printf(sb, "\\u%04lX", cp);
        else
            rc = sb_append(sb, p, adv);
        if (rc < 0)
            return -1;
        p += adv;
        n -= adv;
    }
    return 0;
}

int file_read_all(const char *path, char **out, size_t *len, size_t max)
{
    int rc = -1;
    strbuf sb;
    sb_init(&sb);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto done;
        }
        if (n == 0)
            break;
        if (sb.len + (size_t)n > max) {
            errno = EFBIG;
            goto done;
        }
        if (sb_append(&sb, buf, (size_t)n) < 0) {
            errno = ENOMEM;
            goto done;
        }
    }
    if (len)
        *len = sb.len;
    *out = sb_steal(&sb);
    rc = *out ? 0 : -1;
done:
    sb_free(&sb);
    close(fd);
    return rc;
}

int64_t time_now(void)
{
    return (int64_t)time(NULL);
}

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_format_iso(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        str_copy(buf, size, "");
}

/* Days from civil date, so we never depend on the process time zone. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

int time_parse_iso(const char *s, int64_t *out)
{
    if (!s)
        return -1;
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) ||
        *p++ != '-' || read_digits(&p, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    int64_t off = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (read_digits(&p, 2, &h) || *p++ != ':' || read_digits(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (read_digits(&p, 2, &se))
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
        if (h > 23 || mi > 59 || se > 60)
            return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            p++;
            if (read_digits(&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (*p && read_digits(&p, 2, &om))
                return -1;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p)
        return -1;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
           mi * 60 + se - off;
    return 0;
}

int duration_parse(const char *s, long *out)
{
    if (str_empty(s))
        return -1;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v < 0)
        return -1;
    long mult = 1;
    if (*end) {
        switch (*end) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        default: return -1;
        }
        if (end[1])
            return -1;
    }
    if (v > LONG_MAX / mult)
        return -1;
    *out = v * mult;
    return 0;
}
