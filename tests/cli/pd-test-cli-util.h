/* pd-test-cli-util.h: runs paperdock-cli as a person or a script would, with a private library
 * and a private SANE configuration (SANE's test and pnm backends only), and reads its output. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  char *dir;          /* temp dir holding everything below */
  char *library;      /* --library */
  char *sane_dir;     /* SANE_CONFIG_DIR */
} PdTestEnv;

/* A library with encryption at rest off, so that tests can read its files. */
PdTestEnv  *pd_test_env_new          (void);
/* A library as a person gets it: pages and PDFs sealed with a key from the keyring. */
PdTestEnv  *pd_test_env_new_sealed   (void);
void        pd_test_env_free         (PdTestEnv   *env);
GSubprocessLauncher *pd_test_env_launcher (PdTestEnv *env,
                                           GSubprocessFlags flags);

/* Runs paperdock-cli --library <env> ARGS…; returns the exit status. */
int         pd_test_run_cli          (PdTestEnv   *env,
                                      char       **out,
                                      char       **err,
                                      ...) G_GNUC_NULL_TERMINATED;
int         pd_test_run_cli_v        (PdTestEnv   *env,
                                      const char *const *args,
                                      char       **out,
                                      char       **err);
int         pd_test_run_cli_stdin    (PdTestEnv   *env,
                                      const char  *input,
                                      char       **out,
                                      char       **err,
                                      ...) G_GNUC_NULL_TERMINATED;
int         pd_test_run_tool         (const char *const *argv,
                                      char       **out);
JsonNode   *pd_test_parse_json       (const char  *text);
char       *pd_test_demo_words_path  (guint        page);
double      pd_test_word_recall      (const char  *expected_path,
                                      const char  *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdTestEnv, pd_test_env_free)

G_END_DECLS
