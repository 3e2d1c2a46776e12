#include "plugin/host_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "sync/location.h"

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

int host_url_encode(char *dst, size_t size, const char *src)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (!size)
        return -1;
    for (const unsigned char *p = (const unsigned char *)(src ? src : ""); *p; p++) {
        size_t need = unreserved(*p) ? 1 : 3;
        if (o + need >= size)
            return -1;
        if (need == 1) {
            dst[o++] = (char)*p;
        } else {
            dst[o++] = '%';
            dst[o++] = hex[*p >> 4];
            dst[o++] = hex[*p & 15];
        }
    }
    dst[o] = '\0';
    return (int)o;
}

/* Append s percent-encoded. */
static void sb_put_encoded(strbuf *sb, const char *s)
{
    char buf[3 * 256 + 1];
    size_t n = strlen(s);
    /* In slices, so a long value needs no large stack buffer; a slice
     * boundary never splits an escape since each byte encodes alone. */
    for (size_t off = 0; off < n; off += 256) {
        char slice[257];
        size_t take = n - off < 256 ? n - off : 256;
        memcpy(slice, s + off, take);
        slice[take] = '\0';
        if (host_url_encode(buf, sizeof(buf), slice) >= 0)
            sb_puts(sb, buf);
        else
            sb->oom = 1;
    }
}

char *host_url_with_query(const char *base, const char *const *pairs, size_t n_pairs)
{
    strbuf sb;
    sb_init(&sb);
    sb_puts(&sb, base ? base : "");
    int first = !base || !strchr(base, '?');
    for (size_t i = 0; i < n_pairs; i++) {
        const char *name = pairs[2 * i], *value = pairs[2 * i + 1];
        if (!name || !value)
            continue;
        sb_puts(&sb, first ? "?" : "&");
        first = 0;
        sb_put_encoded(&sb, name);
        sb_puts(&sb, "=");
        sb_put_encoded(&sb, value);
    }
    if (sb.oom) {
        sb_free(&sb);
        return NULL;
    }
    return sb_steal(&sb);
}

/* ---- multipart/form-data ---- */

typedef struct form_impl {
    atsb_form pub;
    char content_type[96];
    unsigned char *body;
} form_impl;

/* A header parameter value: quotes, backslashes and line breaks would end
 * the header or the quoted string early (RFC 7578 4.2), so they become '_'. */
static void sb_put_param(strbuf *sb, const char *s)
{
    for (const char *p = s; *p; p++) {
        char c = (*p == '"' || *p == '\\' || *p == '\r' || *p == '\n') ? '_' : *p;
        sb_append(sb, &c, 1);
    }
}

static int boundary_in(const atsb_form_part *const *parts, size_t count, const char *b)
{
    size_t bl = strlen(b);
    for (size_t i = 0; i < count; i++)
        if (parts[i]->data && parts[i]->size >= bl && memmem(parts[i]->data, parts[i]->size, b, bl))
            return 1;
    return 0;
}

int host_form_build(const atsb_form_part *const *parts, size_t count, atsb_form **out,
                    atsb_error *err)
{
    *out = NULL;
    for (size_t i = 0; i < count; i++)
        if (!parts[i] || parts[i]->struct_size < offsetof(atsb_form_part, size) + sizeof(size_t) ||
            str_empty(parts[i]->name) || (parts[i]->size && !parts[i]->data))
            return err_set(err, ATSB_ERR_INTERNAL, "form_build: part %zu has no name, no data "
                           "for its size, or a struct_size below ABI 1.1's", i);
    form_impl *f = calloc(1, sizeof(*f));
    if (!f)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    /* A boundary no part contains (RFC 2046 5.1.1): random enough that a
     * clash is rare, and checked, since a file may contain anything. */
    static unsigned long counter;
    uint64_t x = (uint64_t)time_now_ms() ^ ((uint64_t)(uintptr_t)f << 16) ^
                 (uint64_t)__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 0x9E3779B97F4A7C15u;
    char boundary[64];
    for (int tries = 0;; tries++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        snprintf(boundary, sizeof(boundary), "atsbridge-%016llx%08x", (unsigned long long)x,
                 (unsigned)(x >> 13));
        if (!boundary_in(parts, count, boundary))
            break;
        if (tries == 16) {
            free(f);
            return err_set(err, ATSB_ERR_INTERNAL, "form_build: no boundary found");
        }
    }
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < count; i++) {
        const atsb_form_part *p = parts[i];
        sb_printf(&sb, "--%s\r\nContent-Disposition: form-data; name=\"", boundary);
        sb_put_param(&sb, p->name);
        sb_puts(&sb, "\"");
        if (p->file_name) {
            sb_puts(&sb, "; filename=\"");
            sb_put_param(&sb, p->file_name);
            sb_puts(&sb, "\"");
        }
        sb_puts(&sb, "\r\n");
        const char *type = p->content_type ? p->content_type
                         : p->file_name ? "application/octet-stream" : NULL;
        if (type) {
            sb_puts(&sb, "Content-Type: ");
            sb_put_param(&sb, type);
            sb_puts(&sb, "\r\n");
        }
        sb_puts(&sb, "\r\n");
        if (p->size)
            sb_append(&sb, p->data, p->size);
        sb_puts(&sb, "\r\n");
    }
    sb_printf(&sb, "--%s--\r\n", boundary);
    if (sb.oom) {
        sb_free(&sb);
        free(f);
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    f->pub.struct_size = sizeof(f->pub);
    f->pub.body_len = sb.len;
    f->body = (unsigned char *)sb_steal(&sb);
    f->pub.body = f->body;
    snprintf(f->content_type, sizeof(f->content_type), "multipart/form-data; boundary=%s",
             boundary);
    f->pub.content_type = f->content_type;
    *out = &f->pub;
    return ATSB_OK;
}

void host_form_free(atsb_form *form)
{
    if (!form)
        return;
    form_impl *f = (form_impl *)form; /* pub is the first member */
    free(f->body);
    free(f);
}

/* ---- location ---- */

atsb_location_verdict host_location_classify(const atsb_job *job, char *country, size_t size)
{
    if (size)
        country[0] = '\0';
    if (!job || !ATSB_HAS_FIELD(atsb_job, job, city))
        return ATSB_LOCATION_UNKNOWN;
    /* Exactly what sync_jobs hands the rule for a listed job. */
    location_input in = { .country_code = job->country_code, .region = job->region,
                          .city = job->city, .text = job->location_text };
    char found[8] = "";
    location_verdict v = location_classify(&in, found, sizeof(found));
    if (size)
        str_copy(country, size, found);
    return v == LOCATION_US ? ATSB_LOCATION_US
         : v == LOCATION_NON_US ? ATSB_LOCATION_NON_US : ATSB_LOCATION_UNKNOWN;
}
