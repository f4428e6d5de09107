/* cli.h: what the scvae subcommands share
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <cairo.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "scvae.h"
#include "scvae-render.h"

/* Exit statuses, as `scvae --help` states them. */
#define CLI_OK 0
#define CLI_FAILED 1
#define CLI_BAD_INPUT 2
#define CLI_INTERRUPTED 130

typedef int (*CliCommandFunc) (int argc, char **argv);

int cli_train (int argc, char **argv);
int cli_reconstruct (int argc, char **argv);
int cli_eval (int argc, char **argv);
int cli_info (int argc, char **argv);
int cli_bench (int argc, char **argv);
int cli_encode (int argc, char **argv);
int cli_segment (int argc, char **argv);
int cli_atoms (int argc, char **argv);
int cli_survey (int argc, char **argv);

/* Prints "scvae: MESSAGE" on one line and returns the exit status the
 * error calls for. */
int cli_report (const GError *error);
int cli_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Parses a command's options; on failure prints one line and returns
 * FALSE. Sets the OpenBLAS thread count from --threads if given. */
gboolean cli_parse_options (const char *command,
                            const char *parameter_string,
                            const char *summary,
                            const GOptionEntry *entries,
                            int *argc,
                            char ***argv);

/* NULL or "default" means the shipped default model. */
ScvaeModel *cli_load_model (const char *spec, GError **error);

/* Option entries shared by several commands, so that they read the same
 * everywhere. */
#define CLI_MODEL_OPTION(spec) \
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, &(spec), N_("Model file (default: the shipped model)"), N_("MODEL") }
#define CLI_CODING_OPTIONS(depth, sparsity) \
  { "depth", 'd', 0, G_OPTION_ARG_INT, &(depth), N_("LISTA steps after the first, 0-64 (default: the model's)"), N_("T") }, \
  { "sparsity", 's', 0, G_OPTION_ARG_DOUBLE, &(sparsity), N_("Multiplier on the threshold, 0-4 (default 1)"), N_("S") }
#define CLI_MAX_SIZE_OPTION(max_size) \
  { "max-size", 0, 0, G_OPTION_ARG_INT, &(max_size), N_("Downscale images longer than this (default 2048)"), N_("PX") }

/* Range checks for the options CLI_CODING_OPTIONS and CLI_MAX_SIZE_OPTION
 * declare; FALSE after a usage message. */
gboolean cli_check_coding_options (const char *command, int depth, double sparsity, int max_size);

/* Loads an image, with a note on stderr when it was downscaled to
 * max_size or had transparent pixels flattened. */
ScvaeImage *cli_load_image (const char *path, int max_size, GError **error);

/* FALSE (SCVAE_ERROR_FAILED naming path) when the metrics of an image hold
 * a number that is not finite: the model's numbers overflowed. */
gboolean cli_check_metrics (const char *path, const ScvaeMetrics *metrics, GError **error);

/* Loads an image (downscaled to max_size with a note on stderr), runs the
 * pipeline to codes on session. */
ScvaeImage *cli_load_and_code (ScvaeSession *session, const char *path, int max_size, int depth,
                               double sparsity, GError **error);
/* Loads the model (cli_load_model) and codes the image at path in a new
 * session, which it returns with the image; NULL on any error. */
ScvaeSession *cli_open_and_code (const char *model_spec, const char *path, int max_size, int depth,
                                 double sparsity, ScvaeImage **image, GError **error);


/* JSON members; a value that is not finite (the PSNR of a perfect
 * reconstruction) is written as null, which JSON has for it. */
void cli_json_add_double (JsonBuilder *builder, const char *name, double value);
void cli_json_add_int (JsonBuilder *builder, const char *name, gint64 value);
/* Prints the builder's finished object on stdout, one line or indented. */
void cli_json_print (JsonBuilder *builder, gboolean pretty);

/* Bottleneck health (issue #17's keys), as JSON members and as text lines. */
void cli_json_add_dictionary_health (JsonBuilder *builder, const ScvaeDictionaryHealth *dictionary);
void cli_print_dictionary_health (FILE *out, const ScvaeDictionaryHealth *dictionary, int channels,
                                  ScvaeBottleneck bottleneck);
void cli_print_code_health (FILE *out, const ScvaeCodeHealth *codes);

/* scvae train's checks before its first step (train-checks.c). Every
 * output must be writable, and a run that does not resume replaces an
 * existing model or checkpoint only when forced; leftover temporary files
 * of killed runs are removed. */
gboolean cli_train_check_outputs (const char *out, const char *checkpoint, const char *log,
                                  gboolean resume, gboolean force, GError **error);

/* The flags given on the command line: CLI_NOT_GIVEN (NAN for the
 * numbers) when not given. */
#define CLI_NOT_GIVEN G_MININT
typedef struct {
  int bottleneck;  /* an ScvaeBottleneck */
  int channels, atoms, depth, crop, batch;
  double beta, gamma, l1, whiten, center, lifetime, commitment, ema_decay, kl_weight;
} CliTrainFlags;

/* A flag of another bottleneck's (--beta for a VQ model, --kl-weight for
 * an SC-VAE) would do nothing: refused. */
gboolean cli_train_check_applicable (ScvaeBottleneck bottleneck, const CliTrainFlags *given, GError **error);

/* A model from --init or --resume keeps its architecture, and a resumed
 * run its loss weights and its checkpoint's crop and batch size (set in
 * *crop and *batch when not given): a flag that contradicts them is
 * refused. A run from --init is a new run: the loss weights given replace
 * the file's (fine-tuning with another recipe). */
gboolean cli_train_check_flags (ScvaeModel *model, gboolean resume, const CliTrainFlags *given, int *crop,
                                int *batch, GError **error);

/* Every validation photo fits the memory limit (scvae_memory_budget). */
gboolean cli_train_check_validation (ScvaeModel *model, ScvaeDataset *val, GError **error);
/* Drops the rows after step from a training log that is a regular file. */
gboolean cli_train_trim_log (const char *log, gint64 step, GError **error);

/* Seconds as "1:05:09" or "5:09". */
char *cli_format_duration (double seconds);
