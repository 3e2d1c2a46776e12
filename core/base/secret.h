/* Secret settings: given inline or as references resolved only when used,
 * and never printed.  `env:NAME` reads an environment variable, `file:PATH`
 * the first line of a file (a trailing newline is dropped). */
#ifndef ATSB_CORE_SECRET_H
#define ATSB_CORE_SECRET_H

#include <stddef.h>

#include "atsbridge/connector.h"

#define SECRET_MASK "****"

/* Resolve a setting value.  Literal values come back copied.  The error
 * names the setting and the reference, never the value. */
int secret_resolve(const char *setting, const char *value, char **out, atsb_error *err);

/* Copy url into dst with the values of credential-looking query parameters
 * (token, key, secret, password, signature, code...) and any user:password@
 * replaced by ****. */
void secret_redact_url(const char *url, char *dst, size_t size);

#endif
