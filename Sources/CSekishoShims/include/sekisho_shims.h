// One-line forwarders for OpenSSL function-like macros that the Swift importer drops.
// Each entry names the macro it stands for. No logic, no state.
#ifndef SEKISHO_SHIMS_H
#define SEKISHO_SHIMS_H

#include "../../COpenSSL/c_openssl.h"

// SSL_CTX_set_min_proto_version
int sekisho_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
// SSL_CTX_set_max_proto_version
int sekisho_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
// SSL_CTX_set_mode
long sekisho_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
// SSL_CTX_set_dh_auto
long sekisho_SSL_CTX_set_dh_auto(SSL_CTX *ctx, int onoff);
// SSL_CTX_set1_groups_list
int sekisho_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);
// SSL_CTX_set1_sigalgs_list
int sekisho_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list);
// SSL_CTX_set1_client_sigalgs_list
int sekisho_SSL_CTX_set1_client_sigalgs_list(SSL_CTX *ctx, const char *list);
// SSL_CTX_set_session_cache_mode
long sekisho_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
// SSL_CTX_sess_set_cache_size / SSL_CTX_sess_number
long sekisho_SSL_CTX_sess_set_cache_size(SSL_CTX *ctx, long size);
long sekisho_SSL_CTX_sess_number(SSL_CTX *ctx);
// SSL_CTX_set_tlsext_ticket_keys
long sekisho_SSL_CTX_set_tlsext_ticket_keys(SSL_CTX *ctx, void *keys, long keylen);
// SSL_set_tlsext_host_name
int sekisho_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
// SSL_get_ex_new_index (no dup/free callbacks: sekisho stores unretained pointers only)
int sekisho_SSL_get_ex_new_index(void);
// BIO_set_mem_eof_return
long sekisho_BIO_set_mem_eof_return(BIO *bio, long value);
// BIO_reset
int sekisho_BIO_reset(BIO *bio);
// OPENSSL_free
void sekisho_OPENSSL_free(void *ptr);
// sk_X509_num
int sekisho_sk_X509_num(const STACK_OF(X509) *sk);
// sk_X509_value
X509 *sekisho_sk_X509_value(const STACK_OF(X509) *sk, int idx);
// sk_X509_REVOKED_num / sk_X509_REVOKED_value
int sekisho_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *sk);
X509_REVOKED *sekisho_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *sk, int idx);
// sk_X509_EXTENSION_num / sk_X509_EXTENSION_value
int sekisho_sk_X509_EXTENSION_num(const STACK_OF(X509_EXTENSION) *sk);
X509_EXTENSION *sekisho_sk_X509_EXTENSION_value(const STACK_OF(X509_EXTENSION) *sk, int idx);
// sk_X509_new_null
STACK_OF(X509) *sekisho_sk_X509_new_null(void);
// sk_X509_push
int sekisho_sk_X509_push(STACK_OF(X509) *sk, X509 *cert);
// sk_X509_pop_free(sk, X509_free)
void sekisho_sk_X509_pop_free(STACK_OF(X509) *sk);
// sk_SSL_CIPHER_num
int sekisho_sk_SSL_CIPHER_num(const STACK_OF(SSL_CIPHER) *sk);
// sk_SSL_CIPHER_value
const SSL_CIPHER *sekisho_sk_SSL_CIPHER_value(const STACK_OF(SSL_CIPHER) *sk, int idx);
// sk_GENERAL_NAME_num
int sekisho_sk_GENERAL_NAME_num(const GENERAL_NAMES *sk);
// sk_GENERAL_NAME_value
GENERAL_NAME *sekisho_sk_GENERAL_NAME_value(const GENERAL_NAMES *sk, int idx);

// SSL_OP_* options are written with the function-like SSL_OP_BIT(n) macro, which the importer
// cannot evaluate; these constants carry the header's own values into Swift.
static const uint64_t sekisho_SSL_OP_NO_COMPRESSION = SSL_OP_NO_COMPRESSION;
static const uint64_t sekisho_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const uint64_t sekisho_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
static const uint64_t sekisho_SSL_OP_ALLOW_CLIENT_RENEGOTIATION = SSL_OP_ALLOW_CLIENT_RENEGOTIATION;
static const uint64_t sekisho_SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION = SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION;
static const uint64_t sekisho_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
static const uint64_t sekisho_SSL_OP_IGNORE_UNEXPECTED_EOF = SSL_OP_IGNORE_UNEXPECTED_EOF;

#endif
