/* pd-fuzz.h: what every fuzz harness in this folder defines. The same harness is built two
 * ways: with clang's libFuzzer, which calls LLVMFuzzerTestOneInput () with generated inputs,
 * and, in every regular build, with pd-fuzz-driver.c, which feeds it each file of the harness's
 * seed corpus as one GTest case, so the corpus runs under ASan and valgrind even where clang is
 * missing. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* Inputs longer than this are skipped by every harness: the parsers read HTTP headers, server
 * answers and small files, and long inputs only make each run slower. */
#define PD_FUZZ_MAX_INPUT (64 * 1024)

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* @data as a NUL-terminated string, as the C parsers take it: bytes after an embedded NUL are
 * what a header value or query string could never carry, so they are cut off. */
char *pd_fuzz_dup_string (const uint8_t *data,
                          size_t         size);

G_END_DECLS
