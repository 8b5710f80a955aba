// Umbrella header for the system libnghttp2 (Debian libnghttp2-dev).
#ifndef SEKISHO_C_NGHTTP2_H
#define SEKISHO_C_NGHTTP2_H
#include <nghttp2/nghttp2.h>
#endif
