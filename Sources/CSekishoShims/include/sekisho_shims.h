// One-line forwarders for OpenSSL function-like macros that the Swift importer drops.
// Each entry names the macro it stands for. No logic, no state.
#ifndef SEKISHO_SHIMS_H
#define SEKISHO_SHIMS_H

#include "../../COpenSSL/c_openssl.h"

// SSL_CTX_set_min_proto_version
int sekisho_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
// SSL_CTX_set_max_proto_version
int sekisho_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);

#endif
