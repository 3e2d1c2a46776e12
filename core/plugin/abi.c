#include "plugin/abi.h"

#include "base/util.h"

int abi_check_http_request(const atsb_http_request *req, atsb_error *err)
{
    if (!abi_struct_ok(req, ABI_MIN_HTTP_REQUEST))
        return err_set(err, ATSB_ERR_INTERNAL,
                       "http: atsb_http_request.struct_size %u is smaller than ABI 1.0's %zu "
                       "(set it to sizeof(atsb_http_request))",
                       req ? (unsigned)req->struct_size : 0u, (size_t)ABI_MIN_HTTP_REQUEST);
    if (req->auth && !abi_struct_ok(req->auth, ABI_MIN_HTTP_AUTH))
        return err_set(err, ATSB_ERR_INTERNAL,
                       "http: atsb_http_auth.struct_size %u is smaller than ABI 1.0's %zu "
                       "(set it to sizeof(atsb_http_auth))",
                       (unsigned)req->auth->struct_size, (size_t)ABI_MIN_HTTP_AUTH);
    return ATSB_OK;
}
