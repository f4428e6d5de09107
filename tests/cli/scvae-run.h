/* scvae-run.h: running the scvae binary from a test
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

typedef struct {
  int status;          /* exit status, or -1 when killed */
  int signal;          /* the signal that killed it, or 0 */
  char *out;
  char *err;
  gint64 peak_kb;      /* largest resident set (ru_maxrss) */
} ScvaeRun;

typedef struct {
  const char * const *env;  /* NAME=VALUE to add, NULL-terminated, or NULL */
  const char *cwd;          /* or NULL */
  gint64 file_size_limit;   /* RLIMIT_FSIZE in bytes (SIGXFSZ ignored), or 0 */
} ScvaeRunOptions;

/* $SCVAE with args (NULL-terminated); stdout and stderr go through files,
 * so neither can fill up and block the child. */
void scvae_run (ScvaeRun *run, const ScvaeRunOptions *options, const char * const *args);
void scvae_run_clear (ScvaeRun *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ScvaeRun, scvae_run_clear)

#define SCVAE_RUN(run, ...) scvae_run (run, NULL, (const char *[]) { __VA_ARGS__, NULL })
#define SCVAE_RUN_WITH(run, options, ...) scvae_run (run, options, (const char *[]) { __VA_ARGS__, NULL })

/* A failure: the exit status, one line on stderr starting with "scvae"
 * and containing mention. */
void scvae_assert_fails (const ScvaeRun *run, int status, const char *mention);
/* The same for a run's exit status and stderr however they were got. */
void scvae_assert_failure (int status, const char *err, int expected_status, const char *mention);
void scvae_assert_ok (const ScvaeRun *run);

/* The run's peak memory is at most kib KiB. Checked in builds without
 * sanitizers only: AddressSanitizer's shadow memory, redzones and
 * quarantine added 200 MB to a 1024 px reconstruct. */
void scvae_assert_peak_at_most (const ScvaeRun *run, double kib);

/* The start of a CLI test's main: g_test_init, the sample photos
 * ($SCVAE_SAMPLES, and $SCVAE must be set), a new scratch folder
 * scvae-NAME-XXXXXX, and the small valid model of the fuzz corpus. */
void scvae_test_init (int *argc, char ***argv, const char *name, char **tmp, char **samples, char **tiny);

/* g_test_run, then the scratch folder removed if every test passed. */
int scvae_test_run (const char *tmp);
