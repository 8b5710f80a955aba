// Umbrella header for the system OpenSSL 3.
//
// The API level is pinned to 3.0 and deprecated interfaces are hidden *before* any OpenSSL
// header is seen (openssl_user_macros(7)), so Swift code cannot reach a 1.1-era API by
// accident. CSekishoShims includes this same header so that both modules see identical macros.
#ifndef SEKISHO_C_OPENSSL_H
#define SEKISHO_C_OPENSSL_H

#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1

#include <openssl/opensslv.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <openssl/rand.h>
#include <openssl/pkcs12.h>
#include <openssl/ocsp.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ec.h>

#endif
