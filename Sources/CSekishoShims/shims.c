#include "sekisho_shims.h"

int sekisho_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

int sekisho_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

long sekisho_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }

long sekisho_SSL_CTX_set_dh_auto(SSL_CTX *ctx, int onoff) { return SSL_CTX_set_dh_auto(ctx, onoff); }

int sekisho_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

int sekisho_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_sigalgs_list(ctx, list);
}

int sekisho_SSL_CTX_set1_client_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_client_sigalgs_list(ctx, list);
}

long sekisho_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

long sekisho_SSL_CTX_sess_set_cache_size(SSL_CTX *ctx, long size) { return SSL_CTX_sess_set_cache_size(ctx, size); }

long sekisho_SSL_CTX_sess_number(SSL_CTX *ctx) { return SSL_CTX_sess_number(ctx); }

long sekisho_SSL_CTX_set_tlsext_ticket_keys(SSL_CTX *ctx, void *keys, long keylen) {
    return SSL_CTX_set_tlsext_ticket_keys(ctx, keys, keylen);
}

int sekisho_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

int sekisho_SSL_get_ex_new_index(void) { return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

long sekisho_BIO_set_mem_eof_return(BIO *bio, long value) { return BIO_set_mem_eof_return(bio, value); }

int sekisho_BIO_reset(BIO *bio) { return (int)BIO_reset(bio); }

void sekisho_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }

int sekisho_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }

X509 *sekisho_sk_X509_value(const STACK_OF(X509) *sk, int idx) { return sk_X509_value(sk, idx); }

int sekisho_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *sk) { return sk_X509_REVOKED_num(sk); }

X509_REVOKED *sekisho_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *sk, int idx) { return sk_X509_REVOKED_value(sk, idx); }

int sekisho_sk_X509_EXTENSION_num(const STACK_OF(X509_EXTENSION) *sk) { return sk_X509_EXTENSION_num(sk); }

X509_EXTENSION *sekisho_sk_X509_EXTENSION_value(const STACK_OF(X509_EXTENSION) *sk, int idx) { return sk_X509_EXTENSION_value(sk, idx); }

STACK_OF(X509) *sekisho_sk_X509_new_null(void) { return sk_X509_new_null(); }

int sekisho_sk_X509_push(STACK_OF(X509) *sk, X509 *cert) { return sk_X509_push(sk, cert); }

void sekisho_sk_X509_pop_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }

int sekisho_sk_SSL_CIPHER_num(const STACK_OF(SSL_CIPHER) *sk) { return sk_SSL_CIPHER_num(sk); }

const SSL_CIPHER *sekisho_sk_SSL_CIPHER_value(const STACK_OF(SSL_CIPHER) *sk, int idx) {
    return sk_SSL_CIPHER_value(sk, idx);
}

int sekisho_sk_GENERAL_NAME_num(const GENERAL_NAMES *sk) { return sk_GENERAL_NAME_num(sk); }

GENERAL_NAME *sekisho_sk_GENERAL_NAME_value(const GENERAL_NAMES *sk, int idx) {
    return sk_GENERAL_NAME_value(sk, idx);
}
