/* The host's side of the ABI boundary, in one place: the smallest size
 * each connector-written struct may have (its ABI 1.0 size, i.e. the end of
 * its last 1.0 field), the range of status codes this host knows, and the
 * checks that apply them.  A connector's struct that is smaller than its
 * 1.0 size is a bug (or not our struct at all): the host refuses it instead
 * of reading past its end.  Fields appended later are read only under
 * ATSB_HAS_FIELD. */
#ifndef ATSB_CORE_ABI_H
#define ATSB_CORE_ABI_H

#include <stddef.h>

#include "atsbridge/connector.h"

/* Bytes up to the end of `field`. */
#define ABI_END_OF(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* Connector-written structs, at their ABI 1.0 sizes. */
#define ABI_MIN_CONNECTOR    ABI_END_OF(atsb_connector, find_candidate)
#define ABI_MIN_SETTING_SPEC ABI_END_OF(atsb_setting_spec, help)
#define ABI_MIN_JOB          ABI_END_OF(atsb_job, updated_at)
#define ABI_MIN_HTTP_REQUEST ABI_END_OF(atsb_http_request, pass_500)
#define ABI_MIN_HTTP_AUTH    ABI_END_OF(atsb_http_auth, token_form)

/* The status codes this host knows run from ATSB_OK down to this one (the
 * last appended); anything outside is a connector bug. */
#define ABI_STATUS_LOWEST ATSB_ERR_CANCELLED

/* Non-zero when p points at a struct whose leading struct_size says it
 * holds at least min bytes. */
static inline int abi_struct_ok(const void *p, size_t min)
{
    return p != NULL && *(const uint32_t *)p >= min;
}

/* Non-zero when rc is ATSB_OK or a status code this host knows. */
static inline int abi_status_known(int rc)
{
    return rc <= ATSB_OK && rc >= ABI_STATUS_LOWEST;
}

/* ATSB_OK when a request (and its auth, if any) is at least its 1.0 size;
 * else ATSB_ERR_INTERNAL naming the struct. */
int abi_check_http_request(const atsb_http_request *req, atsb_error *err);

#endif
