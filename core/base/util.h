/* Small helpers shared by every core module: error filling, strings, a
 * growable buffer.  Nothing here knows about ATSs or the store. */
#ifndef ATSB_CORE_UTIL_H
#define ATSB_CORE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "atsbridge/connector.h"

#define ATSB_UNUSED(x) ((void)(x))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fill err (may be NULL) and return code. */
int err_set(atsb_error *err, int code, const char *fmt, ...) ATSB_PRINTF(3, 4);
int err_setv(atsb_error *err, int code, const char *fmt, va_list ap) ATSB_PRINTF(3, 0);
void err_clear(atsb_error *err);
/* Stable lower-case name of a status code, e.g. "auth", "rate-limited". */
const char *err_class_name(int code);

char *str_dup(const char *s);                 /* NULL-safe; NULL on OOM */
char *str_ndup(const char *s, size_t n);
char *str_printf(const char *fmt, ...) ATSB_PRINTF(1, 2); /* malloc'd */
int str_eq(const char *a, const char *b);     /* NULL-safe */
int str_empty(const char *s);
/* Copy with truncation; always NUL-terminates when size > 0. */
void str_copy(char *dst, size_t size, const char *src);
/* Strict integer parse of the whole string; 0 ok, -1 bad. */
int str_to_long(const char *s, long *out);

/* Growable byte buffer, always NUL-terminated. */
typedef struct strbuf {
    char *data;
    size_t len;
    size_t cap;
    int oom;       /* sticky: set when an append failed */
} strbuf;

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
int sb_append(strbuf *sb, const void *data, size_t len);
int sb_puts(strbuf *sb, const char *s);
int sb_printf(strbuf *sb, const char *fmt, ...) ATSB_PRINTF(2, 3);
/* Hand the buffer to the caller (malloc'd, NUL-terminated). */
char *sb_steal(strbuf *sb);

/* The code point of the UTF-8 sequence at p (n bytes available), its length
 * in *adv; -1 when malformed (overlong, surrogate, past U+10FFFF,
 * truncated), with *adv = 1. */
long utf8_decode(const unsigned char *p, size_t n, size_t *adv);
/* Control characters: C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F). */
int utf8_is_control(long cp);
/* Append s for a terminal: control characters (newline and tab too) and
 * bytes that are not UTF-8 become \xHH / \u00HH, so stored text from an
 * ATS or an import can never move the cursor or recolour the screen. */
int sb_put_escaped(strbuf *sb, const char *s);

/* Whole-file read, NUL-terminated; 0 ok, -1 with errno. */
int file_read_all(const char *path, char **out, size_t *len, size_t max);

int64_t time_now(void);            /* seconds since the epoch */
int64_t time_now_ms(void);         /* monotonic milliseconds */
/* "2026-11-28T21:41:53Z" */
void time_format_iso(int64_t t, char *buf, size_t size);
/* Parses ISO-8601 date-times with Z, numeric offsets and fractions; 0 ok. */
int time_parse_iso(const char *s, int64_t *out);
/* "90", "90s", "15m", "3h", "1d" -> seconds; 0 ok. */
int duration_parse(const char *s, long *out);



/* Host-internal status codes, beyond the SDK's (never cross the ABI). */
enum {
    CORE_ERR_CONFLICT = -100,  /* already exists / already connected */
    CORE_ERR_STORE = -101,     /* the database failed */
    CORE_ERR_USAGE = -102,     /* bad command-line input */
    CORE_ERR_BUSY = -103       /* another sync holds the org */
};
#endif
