/* test-hardening.c: scvae against the hostile cases of issue #21
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outputs that are device nodes, FIFOs, links or folders; a JSON header
 * nested 80,000 deep; files of other kinds given as models; models with
 * absurd or overflowing numbers; training runs that would lose work; memory
 * limits; and the messages of each. Device nodes and FIFOs are made here,
 * in this run's temporary folder (mknod needs root: skipped otherwise);
 * nothing under /dev is ever written.
 */

#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "claiming-png.h"
#include "model-private.h"
#include "safetensors.h"
#include "scvae-run.h"

static char *tmp;        /* this run's scratch folder */
static char *samples;    /* data/samples */
static char *tiny;       /* a small valid model (C = 4, K = 8) */
static char *small;      /* a 64 x 48 photo */
static char *photos;     /* a folder of two small photos, for training */

static char *
in_tmp (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static char *
new_folder (const char *name)
{
  char *path = in_tmp (name);

  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  return path;
}

static gboolean
make_node (const char *path, int major_number, int minor_number)
{
  if (mknod (path, S_IFCHR | 0666, makedev (major_number, minor_number)) == 0)
    return TRUE;
  g_test_skip ("cannot make device nodes here (mknod needs root)");
  return FALSE;
}

static char *
read_text (const char *path)
{
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static void
assert_folder_holds (const char *folder, const char * const *names)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *entry;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)))
    {
      if (!g_strv_contains (names, entry))
        g_error ("%s holds %s", folder, entry);
      n++;
    }
  g_assert_cmpuint (n, ==, g_strv_length ((char **) names));
}

/* ------------------------------------------------------------------------- */
/* Outputs */

/* `scvae reconstruct in.png /dev/null` turned /dev/null into a PNG. */
static void
test_output_devices (void)
{
  g_autofree char *null_path = in_tmp ("null"), *full_path = in_tmp ("full");
  g_auto(ScvaeRun) to_null = { 0 }, to_full = { 0 };
  g_autofree char *expected = NULL;
  GStatBuf st;

  if (!make_node (null_path, 1, 3) || !make_node (full_path, 1, 7))
    return;
  SCVAE_RUN (&to_null, "reconstruct", "--model", tiny, small, null_path);
  scvae_assert_ok (&to_null);
  g_assert_cmpint (g_lstat (null_path, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));

  /* A full disk is a runtime failure: exit status 1. */
  SCVAE_RUN (&to_full, "reconstruct", "--model", tiny, small, full_path);
  expected = g_strdup_printf ("scvae: %s: cannot write: No space left on device\n", full_path);
  scvae_assert_fails (&to_full, 1, full_path);
  g_assert_cmpstr (to_full.err, ==, expected);
  g_assert_cmpint (g_lstat (full_path, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
}

static void
test_output_fifo (void)
{
  g_autofree char *fifo = in_tmp ("out.fifo");
  g_auto(ScvaeRun) run = { 0 };
  guint8 head[8] = { 0 };
  GStatBuf st;
  int fd;

  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  /* Open for reading first, without blocking: the small PNG fits in the
   * pipe's buffer, and the test cannot hang. */
  fd = g_open (fifo, O_RDONLY | O_NONBLOCK, 0);
  g_assert_cmpint (fd, >=, 0);
  SCVAE_RUN (&run, "reconstruct", "--model", tiny, small, fifo);
  scvae_assert_ok (&run);
  g_assert_cmpint (read (fd, head, sizeof head), ==, sizeof head);
  g_assert_cmpmem (head, 8, "\x89PNG\r\n\x1a\n", 8);
  close (fd);
  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
}

/* A link was replaced by a file, and a 0600 file became 0644. */
static void
test_output_link_and_mode (void)
{
  g_autofree char *folder = new_folder ("linked");
  g_autofree char *target = g_build_filename (folder, "private.png", NULL);
  g_autofree char *link = g_build_filename (folder, "link.png", NULL);
  g_autoptr(GdkPixbuf) written = NULL;
  g_auto(ScvaeRun) run = { 0 };
  GStatBuf st;

  g_assert_true (g_file_set_contents (target, "old", -1, NULL));
  g_assert_cmpint (g_chmod (target, 0600), ==, 0);
  g_assert_cmpint (symlink ("private.png", link), ==, 0);
  SCVAE_RUN (&run, "reconstruct", "--model", tiny, small, link);
  scvae_assert_ok (&run);
  g_assert_cmpint (g_lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpint (g_stat (target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  written = gdk_pixbuf_new_from_file (target, NULL);
  g_assert_nonnull (written);
  g_assert_cmpint (gdk_pixbuf_get_width (written), ==, 64);
  assert_folder_holds (folder, (const char *[]) { "private.png", "link.png", NULL });
}

/* A folder, a socket and an empty name are refused before any work; the
 * empty name made a temporary file in the current folder. */
static void
test_output_refused (void)
{
  g_autofree char *folder = new_folder ("refused");
  g_autofree char *socket_path = g_build_filename (folder, "socket.png", NULL);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  ScvaeRunOptions here = { .cwd = folder };
  g_auto(ScvaeRun) to_folder = { 0 }, to_socket = { 0 }, to_nothing = { 0 }, encode_nothing = { 0 };
  int fd = socket (AF_UNIX, SOCK_STREAM, 0);

  g_strlcpy (address.sun_path, socket_path, sizeof address.sun_path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &address, sizeof address), ==, 0);

  SCVAE_RUN (&to_folder, "reconstruct", "--model", tiny, small, folder);
  scvae_assert_fails (&to_folder, 2, "is a directory");
  g_assert_nonnull (strstr (to_folder.err, folder));
  SCVAE_RUN (&to_socket, "reconstruct", "--model", tiny, small, socket_path);
  scvae_assert_fails (&to_socket, 2, "refusing to write it");
  g_assert_nonnull (strstr (to_socket.err, "socket.png"));
  SCVAE_RUN_WITH (&to_nothing, &here, "reconstruct", "--model", tiny, small, "");
  scvae_assert_fails (&to_nothing, 2, "the name of the file to write is empty");
  SCVAE_RUN_WITH (&encode_nothing, &here, "encode", "--model", tiny, small, "--codes", "");
  scvae_assert_fails (&encode_nothing, 2, "empty");
  close (fd);
  assert_folder_holds (folder, (const char *[]) { "socket.png", NULL });
}

/* A failed write named the temporary file (out.png.EXSXZ3). Here the
 * write fails on a file size limit; the old file stays, and no temporary
 * file is left. */
static void
test_write_error_names_output (void)
{
  g_autofree char *folder = new_folder ("limited");
  g_autofree char *out = g_build_filename (folder, "out.png", NULL);
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autofree char *expected = g_strdup_printf ("scvae: %s: cannot write: File too large\n", out);
  g_autofree char *kept = NULL;
  ScvaeRunOptions limited = { .file_size_limit = 4096 };
  g_auto(ScvaeRun) run = { 0 };

  g_assert_true (g_file_set_contents (out, "keep me", -1, NULL));
  SCVAE_RUN_WITH (&run, &limited, "reconstruct", "--model", tiny, photo, out);
  scvae_assert_fails (&run, 1, out);
  g_assert_cmpstr (run.err, ==, expected);
  kept = read_text (out);
  g_assert_cmpstr (kept, ==, "keep me");
  assert_folder_holds (folder, (const char *[]) { "out.png", NULL });
}

/* ------------------------------------------------------------------------- */
/* Model files */

static char *
deep_json (const char *name)
{
  gsize depth = 80000;
  guint64 length = GUINT64_TO_LE ((guint64) 2 * depth);
  g_autofree char *contents = g_malloc (8 + 2 * depth);
  char *path = in_tmp (name);

  memcpy (contents, &length, 8);
  memset (contents + 8, '[', depth);
  memset (contents + 8 + depth, ']', depth);
  g_assert_true (g_file_set_contents (path, contents, 8 + 2 * depth, NULL));
  return path;
}

/* Every command crashed on it (SIGSEGV: json-glib recursed off the
 * stack), train --resume included. */
static void
test_deep_json_header (void)
{
  g_autofree char *deep = deep_json ("deep.safetensors");
  g_autofree char *out = in_tmp ("deep-out.png");
  g_autofree char *resumed = in_tmp ("deep-run.safetensors");
  g_autofree char *checkpoint = in_tmp ("deep-run.safetensors.ckpt");
  g_autofree char *contents = read_text (deep);
  g_auto(ScvaeRun) info = { 0 }, reconstruct = { 0 }, resume = { 0 };

  SCVAE_RUN (&info, "info", "--model", deep);
  scvae_assert_fails (&info, 2, "deep.safetensors: not a safetensors file: the header nests deeper than 3 levels");
  SCVAE_RUN (&reconstruct, "reconstruct", "--model", deep, small, out);
  scvae_assert_fails (&reconstruct, 2, "nests deeper");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  g_assert_true (g_file_set_contents (checkpoint, contents, 8 + 160000, NULL));
  SCVAE_RUN (&resume, "train", "--data", photos, "--out", resumed, "--steps", "5", "--resume");
  scvae_assert_fails (&resume, 2, "deep-run.safetensors.ckpt: not a safetensors file: the header nests deeper");
}

/* They said "header length 727905341920923785 exceeds the file size". */
static void
test_other_kinds_as_model (void)
{
  const struct { const char *name; const char *bytes; gsize length; const char *says; } cases[] = {
    { "photo.png", NULL, 0, "it looks like a PNG image" },
    { "model.pt", "PK\x03\x04\x14\0\0\0\0\0archive/data.pkl", 26,
      "it looks like a zip archive (a PyTorch .pt checkpoint is one)" },
    { "old.pt", "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 14, "it looks like a Python pickle" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = cases[i].bytes ? in_tmp (cases[i].name) : g_strdup (small);
      g_autofree char *expected = NULL;
      g_auto(ScvaeRun) run = { 0 };

      if (cases[i].bytes)
        g_assert_true (g_file_set_contents (path, cases[i].bytes, cases[i].length, NULL));
      SCVAE_RUN (&run, "info", "--model", path);
      expected = g_strdup_printf ("%s: not a safetensors model: %s", path, cases[i].says);
      scvae_assert_fails (&run, 2, expected);
    }
}

/* A tiny model with something changed, saved by the library. */
static char *
edited_model (const char *name, int depth, void (*edit) (ScvaeModel *model))
{
  ScvaeConfig config = { .channels = 4, .atoms = 8, .lista_steps = depth, .beta = 0.1f, .gamma = 1.f };
  g_autoptr(ScvaeModel) model = scvae_model_new (&config, 3, NULL);
  g_autoptr(GArray) tensors = scvae__model_describe_tensors (model);
  g_autoptr(GHashTable) metadata = scvae__model_file_metadata (model);
  g_autoptr(GError) error = NULL;
  char *path = in_tmp (name);

  edit (model);
  /* Written as any tool could: the library's own save would refuse some. */
  g_assert_true (scvae__safetensors_write (path, metadata, (SafetensorsTensor *) tensors->data, tensors->len, &error));
  g_assert_no_error (error);
  return path;
}

static void
huge_step (ScvaeModel *model)
{
  model->tensors.step[0] = 3e38f;
}

static void
tiny_step (ScvaeModel *model)
{
  model->tensors.step[0] = 1e-44f;
}

static void
huge_weights (ScvaeModel *model)
{
  for (gsize i = 0; i < (gsize) 4 * 3 * 4 * 4; i++)
    model->tensors.enc_conv1.weight[i] = 3e38f;
}

/* LISTA's step at a sixtieth of ||D||^2: a legal file, but 64 steps of it
 * overflow. */
static void
overflowing_step (ScvaeModel *model)
{
  model->tensors.step[0] /= 60.f;
}

/* They loaded, and gave a flat 17.5 dB picture with exit status 0. */
static void
test_absurd_models (void)
{
  const struct { const char *name; void (*edit) (ScvaeModel *model); const char *says; } cases[] = {
    { "huge-step.safetensors", huge_step, "the LISTA step lista.c is 3e+38" },
    { "tiny-step.safetensors", tiny_step, "c must lie between" },
    { "huge-weights.safetensors", huge_weights, "tensor 'encoder.0.weight' holds 3e+38" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = edited_model (cases[i].name, 2, cases[i].edit);
      g_autofree char *out = in_tmp ("absurd.png");
      g_auto(ScvaeRun) run = { 0 };

      SCVAE_RUN (&run, "reconstruct", "--model", path, small, out);
      scvae_assert_fails (&run, 2, cases[i].says);
      g_assert_nonnull (strstr (run.err, cases[i].name));
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    }
}

/* Numbers that overflow on the way: eval --json printed the lasso value
 * as null with exit status 0, reconstruct wrote a picture, and train
 * wrote a model and checkpoint holding NaN. */
static void
test_overflowing_model (void)
{
  g_autofree char *model = edited_model ("overflowing.safetensors", 64, overflowing_step);
  g_autofree char *out = in_tmp ("overflowing.png");
  g_autofree char *trained = in_tmp ("overflowed.safetensors");
  g_autofree char *checkpoint = in_tmp ("overflowed.safetensors.ckpt");
  g_auto(ScvaeRun) eval = { 0 }, reconstruct = { 0 }, train = { 0 };

  SCVAE_RUN (&eval, "eval", "--model", model, "--json", small);
  scvae_assert_fails (&eval, 1, "the model's numbers are not finite on this image");
  g_assert_cmpstr (eval.out, ==, "");

  SCVAE_RUN (&reconstruct, "reconstruct", "--model", model, small, out);
  scvae_assert_fails (&reconstruct, 1, "not finite");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  SCVAE_RUN (&train, "train", "--data", photos, "--init", model, "--out", trained, "--steps", "20",
             "--crop", "32", "--batch", "2", "--checkpoint-every", "5");
  g_test_message ("%s", train.err);
  g_assert_cmpint (train.status, ==, 1);
  g_assert_nonnull (strstr (train.err, "training stopped at step 1: the loss or the weights are not finite"));
  g_assert_nonnull (strstr (train.err, "nothing was written"));
  g_assert_false (g_file_test (trained, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
}

/* ------------------------------------------------------------------------- */
/* Training */

static void
train (ScvaeRun *run, const char *out, const char *steps, const char * const *extra)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *recipe[] = { "train", "--data", photos, "--out", out, "--steps", steps, "--channels", "4",
                           "--atoms", "8", "--depth", "2", "--crop", "32", "--batch", "2", "--warmup", "2" };

  for (guint i = 0; i < G_N_ELEMENTS (recipe); i++)
    g_ptr_array_add (args, (gpointer) recipe[i]);
  for (int i = 0; extra && extra[i]; i++)
    g_ptr_array_add (args, (gpointer) extra[i]);
  g_ptr_array_add (args, NULL);
  scvae_run (run, NULL, (const char * const *) args->pdata);
}

/* `--out DIR` trained to the end, then lost everything at the rename; a
 * log in a missing folder, too. Now both stop before the first step. */
static void
test_train_checks_outputs_first (void)
{
  g_autofree char *folder = new_folder ("a-folder.safetensors");
  g_autofree char *out = in_tmp ("checked.safetensors");
  g_autofree char *log = in_tmp ("missing/log.csv");
  g_auto(ScvaeRun) to_folder = { 0 }, to_missing_log = { 0 };

  /* A million steps: only a check before the first one can end it. */
  train (&to_folder, folder, "1000000", NULL);
  scvae_assert_fails (&to_folder, 2, "a-folder.safetensors: is a directory");
  train (&to_missing_log, out, "1000000", (const char *[]) { "--log", log, NULL });
  scvae_assert_fails (&to_missing_log, 2, "missing/log.csv: cannot write: No such file or directory");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

/* A fresh run replaced an existing model and checkpoint without a word. */
static void
test_train_refuses_to_overwrite (void)
{
  g_autofree char *out = in_tmp ("precious.safetensors");
  g_autofree char *checkpoint = in_tmp ("precious.safetensors.ckpt");
  g_autofree char *before = NULL, *after = NULL;
  g_auto(ScvaeRun) first = { 0 }, again = { 0 }, only_checkpoint = { 0 }, forced = { 0 };
  gsize before_size, after_size;

  train (&first, out, "4", NULL);
  scvae_assert_ok (&first);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_get_contents (out, &before, &before_size, NULL));

  train (&again, out, "4", (const char *[]) { "--seed", "9", NULL });
  scvae_assert_fails (&again, 2, "precious.safetensors: exists already: give --resume to continue its training, "
                                  "or --force to replace it");
  g_assert_true (g_file_get_contents (out, &after, &after_size, NULL));
  g_assert_cmpmem (before, before_size, after, after_size);

  /* The checkpoint alone is refused too. */
  g_assert_cmpint (g_unlink (out), ==, 0);
  train (&only_checkpoint, out, "4", NULL);
  scvae_assert_fails (&only_checkpoint, 2, "precious.safetensors.ckpt: exists already");

  train (&forced, out, "4", (const char *[]) { "--force", "--seed", "9", NULL });
  scvae_assert_ok (&forced);
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
}

/* After SIGKILL, temporary files of 1.3-3.9 MB were left forever. These
 * are named as the writer names its temporaries, and nobody holds them. */
static void
test_train_removes_stale_temporaries (void)
{
  g_autofree char *folder = new_folder ("stale");
  g_autofree char *out = g_build_filename (folder, "m.safetensors", NULL);
  g_autofree char *left_model = g_build_filename (folder, ".m.safetensors.tmp-Xq3bZ1", NULL);
  g_autofree char *left_checkpoint = g_build_filename (folder, ".m.safetensors.ckpt.tmp-7hGkP0", NULL);
  g_autofree char *unrelated = g_build_filename (folder, "m.safetensors.backup", NULL);
  g_auto(ScvaeRun) first = { 0 }, resumed = { 0 };

  train (&first, out, "4", NULL);
  scvae_assert_ok (&first);
  for (const char * const *p = (const char *[]) { left_model, left_checkpoint, unrelated, NULL }; *p; p++)
    g_assert_true (g_file_set_contents (*p, "half a model", -1, NULL));
  train (&resumed, out, "6", (const char *[]) { "--resume", NULL });
  scvae_assert_ok (&resumed);
  g_assert_nonnull (strstr (resumed.err, "removed 2 temporary files an interrupted run left beside"));
  assert_folder_holds (folder, (const char *[]) { "m.safetensors", "m.safetensors.ckpt", "m.safetensors.backup",
                                                  NULL });
}

static gboolean
same_weights (const char *a, const char *b)
{
  g_autoptr(ScvaeModel) x = scvae_model_load (a, NULL), y = scvae_model_load (b, NULL);

  g_assert_nonnull (x);
  g_assert_nonnull (y);
  return memcmp (x->parameters, y->parameters, x->layout->n_parameters * sizeof (float)) == 0;
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *contents = NULL;
  gsize size;

  g_assert_true (g_file_get_contents (from, &contents, &size, NULL));
  g_assert_true (g_file_set_contents (to, contents, size, NULL));
}

/* --resume with another --atoms, --crop or --whiten was silently ignored (and a
 * resumed run without --crop took the default crop, not the run's). */
static void
test_train_resume_conflicts (void)
{
  g_autofree char *a = in_tmp ("resume-a.safetensors"), *b = in_tmp ("resume-b.safetensors");
  g_autofree char *a_checkpoint = g_strconcat (a, ".ckpt", NULL), *b_checkpoint = g_strconcat (b, ".ckpt", NULL);
  g_auto(ScvaeRun) first = { 0 }, atoms = { 0 }, crop = { 0 }, batch = { 0 }, same = { 0 }, plain = { 0 };
  g_auto(ScvaeRun) explicit_run = { 0 }, whiten = { 0 };
  const char *resume_bare[] = { "train", "--data", photos, "--out", b, "--steps", "8", "--resume", NULL };

  train (&first, a, "4", (const char *[]) { "--batch", "3", NULL });
  scvae_assert_ok (&first);

  train (&atoms, a, "8", (const char *[]) { "--resume", "--atoms", "16", NULL });
  scvae_assert_fails (&atoms, 2, "resume-a.safetensors.ckpt: --atoms 16 conflicts with the file's 8");
  train (&crop, a, "8", (const char *[]) { "--resume", "--crop", "48", NULL });
  scvae_assert_fails (&crop, 2, "--crop 48 conflicts with the file's 32");
  train (&batch, a, "8", (const char *[]) { "--resume", "--batch", "2", NULL });
  scvae_assert_fails (&batch, 2, "--batch 2 conflicts with the file's 3");
  /* A loss weight is the model's, kept in its file. */
  train (&whiten, a, "8", (const char *[]) { "--resume", "--whiten", "3", NULL });
  scvae_assert_fails (&whiten, 2, "--whiten 3 conflicts with the file's 10");
  /* The same values are no conflict. */
  train (&same, a, "8", (const char *[]) { "--resume", "--batch", "3", NULL });
  scvae_assert_ok (&same);

  /* Without the flags, the checkpoint's crop and batch: the same run as
   * with them. */
  copy_file (a_checkpoint, b_checkpoint);
  copy_file (a, b);
  scvae_run (&plain, NULL, resume_bare);
  scvae_assert_ok (&plain);
  g_assert_true (same_weights (a, b));
  copy_file (a_checkpoint, b_checkpoint);
  SCVAE_RUN (&explicit_run, "train", "--data", photos, "--out", b, "--steps", "8", "--resume", "--crop", "32",
             "--batch", "3");
  scvae_assert_ok (&explicit_run);
  g_assert_true (same_weights (a, b));
}

/* --init starts a new run from a model's weights: the loss weights given
 * replace the file's and reach the trainer (fine-tuning with another
 * recipe), the architecture stays, and what the weights went through before
 * is kept in "previous_training". */
static void
test_train_init_recipe (void)
{
  g_autofree char *a = in_tmp ("init-a.safetensors"), *kept = in_tmp ("init-kept.safetensors");
  g_autofree char *tuned = in_tmp ("init-tuned.safetensors"), *again = in_tmp ("init-again.safetensors");
  g_autofree char *wide = in_tmp ("init-wide.safetensors");
  g_auto(ScvaeRun) first = { 0 }, keep = { 0 }, tune = { 0 }, twice = { 0 }, atoms = { 0 };
  g_autoptr(ScvaeModel) kept_model = NULL, tuned_model = NULL, again_model = NULL;
  const char *history = "4 steps: batch=2 crop=32 lr=0.001 seed=1 beta=0.35 gamma=1 l1=0 whiten=10 center=0 lifetime=0";
  g_autofree char *two = NULL;

  train (&first, a, "4", NULL);
  scvae_assert_ok (&first);
  train (&keep, kept, "4", (const char *[]) { "--init", a, NULL });
  scvae_assert_ok (&keep);
  train (&tune, tuned, "4", (const char *[]) { "--init", a, "--whiten", "0", "--lifetime", "2", NULL });
  scvae_assert_ok (&tune);

  kept_model = scvae_model_load (kept, NULL);
  tuned_model = scvae_model_load (tuned, NULL);
  g_assert_cmpfloat (scvae_model_get_config (kept_model)->whiten, ==, 10.f);
  g_assert_cmpfloat (scvae_model_get_config (tuned_model)->whiten, ==, 0.f);
  g_assert_cmpfloat (scvae_model_get_config (tuned_model)->lifetime, ==, 2.f);
  g_assert_cmpstr (scvae_model_get_metadata (tuned_model, "whiten"), ==, "0");
  /* The same start and seed: only the loss weights differ. */
  g_assert_false (same_weights (kept, tuned));
  g_assert_cmpstr (scvae_model_get_metadata (tuned_model, "previous_training"), ==, history);
  g_assert_cmpstr (scvae_model_get_metadata (tuned_model, "steps"), ==, "4");

  /* Runs chain, oldest first. */
  train (&twice, again, "4", (const char *[]) { "--init", tuned, NULL });
  scvae_assert_ok (&twice);
  again_model = scvae_model_load (again, NULL);
  two = g_strconcat (history, "; 4 steps: batch=2 crop=32 lr=0.001 seed=1 beta=0.35 gamma=1 l1=0 whiten=0 center=0 "
                     "lifetime=2", NULL);
  g_assert_cmpstr (scvae_model_get_metadata (again_model, "previous_training"), ==, two);
  g_assert_cmpfloat (scvae_model_get_config (again_model)->lifetime, ==, 2.f);

  /* The architecture is the file's. */
  SCVAE_RUN (&atoms, "train", "--data", photos, "--init", a, "--out", wide, "--steps", "4", "--atoms", "16",
             "--crop", "32", "--batch", "2");
  scvae_assert_fails (&atoms, 2, "init-a.safetensors: --atoms 16 conflicts with the file's 8");
}

/* --log /dev/full exited 0. */
static void
test_train_log_write_error (void)
{
  g_autofree char *full = in_tmp ("full-log"), *out = in_tmp ("logged.safetensors");
  g_autofree char *expected = NULL;
  g_auto(ScvaeRun) run = { 0 };

  if (!make_node (full, 1, 7))
    return;
  train (&run, out, "60", (const char *[]) { "--log", full, NULL });
  expected = g_strdup_printf ("scvae: %s: cannot write: No space left on device\n", full);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_suffix (run.err, expected));
}

/* A corrupt image in the data was fatal while a .txt was skipped
 * silently: now both are skipped, each with a line, and counted. */
static void
test_train_skips_unusable_files (void)
{
  g_autofree char *folder = new_folder ("mixed");
  g_autofree char *out = in_tmp ("mixed.safetensors");
  g_autofree char *broken = g_build_filename (folder, "broken.jpg", NULL);
  g_autofree char *notes = g_build_filename (folder, "notes.txt", NULL);
  g_autofree char *photo = g_build_filename (samples, "chelsea.jpg", NULL);
  g_autofree char *contents = NULL, *line = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_auto(ScvaeRun) run = { 0 }, none = { 0 };
  gsize size;

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("photo-%d.png", i);
      g_autofree char *source = g_build_filename (photos, name, NULL);
      g_autofree char *copy = g_build_filename (folder, name, NULL);

      copy_file (source, copy);
    }
  g_assert_true (g_file_get_contents (photo, &contents, &size, NULL));
  g_assert_true (g_file_set_contents (broken, contents, size / 3, NULL));
  g_assert_true (g_file_set_contents (notes, "where the photos came from\n", -1, NULL));

  SCVAE_RUN (&run, "train", "--data", folder, "--out", out, "--steps", "2", "--crop", "32", "--batch", "2",
             "--channels", "4", "--atoms", "8");
  scvae_assert_ok (&run);
  g_test_message ("%s", run.err);
  line = g_strdup_printf ("scvae: skipping %s: the file is truncated", broken);
  g_assert_nonnull (strstr (run.err, line));
  g_free (line);
  line = g_strdup_printf ("scvae: skipping %s: not named like an image file", notes);
  g_assert_nonnull (strstr (run.err, line));
  g_assert_nonnull (strstr (run.err, "scvae: 2 files skipped: they are not usable images"));
  model = scvae_model_load (out, NULL);
  g_assert_cmpstr (scvae_model_get_metadata (model, "data"), ==, "2 images in mixed");

  /* Nothing usable is bad input. */
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("photo-%d.png", i);
      g_autofree char *copy = g_build_filename (folder, name, NULL);

      g_assert_cmpint (g_unlink (copy), ==, 0);
    }
  SCVAE_RUN (&none, "train", "--data", folder, "--out", out, "--steps", "2", "--force");
  g_assert_cmpint (none.status, ==, 2);
  g_assert_nonnull (strstr (none.err, "mixed: no usable images: 2 files skipped"));
}

/* ------------------------------------------------------------------------- */
/* Memory */

static void
test_memory_limit_variable (void)
{
  const char *values[] = { "abc", "-1", "0", "12345678901234567890", "1e3" };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *setting = g_strconcat ("SCVAE_MEMORY_LIMIT_MB=", values[i], NULL);
      g_autofree char *expected = g_strdup_printf ("SCVAE_MEMORY_LIMIT_MB is '%s': it must be a whole number "
                                                   "of megabytes", values[i]);
      ScvaeRunOptions options = { .env = (const char *[]) { setting, NULL } };
      g_auto(ScvaeRun) info = { 0 }, reconstruct = { 0 };
      g_autofree char *out = in_tmp ("limited.png");

      SCVAE_RUN_WITH (&info, &options, "info", "--model", tiny);
      scvae_assert_fails (&info, 2, expected);
      SCVAE_RUN_WITH (&reconstruct, &options, "reconstruct", "--model", tiny, small, out);
      scvae_assert_fails (&reconstruct, 2, expected);
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    }
}

/* A limit too small for the validation photos aborted the run at its
 * first validation pass (an assertion): refused before the first step. */
static void
test_memory_limit_validation (void)
{
  g_autofree char *out = in_tmp ("validated.safetensors");
  g_autofree char *val = g_build_filename (samples, "astronaut.jpg", NULL);
  /* Enough to decode the photos, not for a session on them. */
  ScvaeRunOptions limited = { .env = (const char *[]) { "SCVAE_MEMORY_LIMIT_MB=10", NULL } };
  g_auto(ScvaeRun) run = { 0 };

  SCVAE_RUN_WITH (&run, &limited, "train", "--data", photos, "--val", val, "--out", out, "--steps", "1000000",
                  "--channels", "4", "--atoms", "8", "--crop", "32", "--batch", "2");
  scvae_assert_fails (&run, 2, "astronaut.jpg: validating on it at 512x512 needs ");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

/* A PNG header claiming width x height, in the temporary folder. */
static char *
claiming_png (const char *name, guint32 width, guint32 height)
{
  g_autoptr(GBytes) png = claiming_png_new (width, height);
  char *path = in_tmp (name);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), NULL));
  return path;
}

/* A 66-byte PNG of 9999 x 10000 took 318 MB under a 100 MB limit before
 * it was refused. */
static void
test_memory_limit_before_decoding (void)
{
  g_autofree char *png = claiming_png ("claims-100-megapixels.png", 9999, 10000);
  g_autofree char *out = in_tmp ("never.png");
  ScvaeRunOptions limited = { .env = (const char *[]) { "SCVAE_MEMORY_LIMIT_MB=100", NULL } };
  g_auto(ScvaeRun) run = { 0 };

  SCVAE_RUN_WITH (&run, &limited, "reconstruct", "--model", tiny, png, out);
  scvae_assert_fails (&run, 2, "claims-100-megapixels.png: decoding its 9999x10000 pixels needs");
  /* GLib puts a no-break space between number and unit. */
  g_assert_nonnull (strstr (run.err, "more than the 100.0\u00a0MiB available"));
  g_test_message ("peak %" G_GINT64_FORMAT " kB", run.peak_kb);
  g_assert_cmpint (run.peak_kb, <, 100 * 1024);
}

/* A GIF whose logical screen is 7 x 5 and whose one frame claims width x
 * height: GdkPixbuf allocates the frame in full, whatever the screen. */
static char *
gif_with_frame (const char *name, guint16 width, guint16 height)
{
  const guint8 gif[] = {
    'G', 'I', 'F', '8', '9', 'a', 7, 0, 5, 0, 0x80, 0, 0, /* screen, two colours */
    0, 0, 0, 255, 255, 255,
    ',', 0, 0, 0, 0, width, width >> 8, height, height >> 8, 0, /* the frame */
    2, 2, 0x4c, 0x01, 0, /* LZW code size, one block of data */
    ';',
  };
  char *path = in_tmp (name);

  g_assert_true (g_file_set_contents (path, (const char *) gif, sizeof gif, NULL));
  return path;
}

/* A 32-byte GIF of 7 x 5 pixels had GdkPixbuf allocate a 10000 x 8000
 * frame, beyond any memory limit; and the fuzzer's allocator, refusing
 * that, made g_malloc abort. */
static void
test_gif_frame_beyond_screen (void)
{
  g_autofree char *limited_gif = gif_with_frame ("gif-frame-10000x8000.gif", 10000, 8000);
  g_autofree char *huge_gif = gif_with_frame ("gif-frame-20000x20000.gif", 20000, 20000);
  g_autofree char *small_gif = gif_with_frame ("gif-frame-7x5.gif", 7, 5);
  g_autofree char *out = in_tmp ("gif-out.png");
  ScvaeRunOptions limited = { .env = (const char *[]) { "SCVAE_MEMORY_LIMIT_MB=50", NULL } };
  g_auto(ScvaeRun) run = { 0 }, huge = { 0 }, fits = { 0 };

  SCVAE_RUN_WITH (&run, &limited, "reconstruct", "--model", tiny, limited_gif, out);
  scvae_assert_fails (&run, 2, "gif-frame-10000x8000.gif: decoding its 10000x8000 pixels needs");
  SCVAE_RUN (&huge, "reconstruct", "--model", tiny, huge_gif, out);
  scvae_assert_fails (&huge, 2, "gif-frame-20000x20000.gif: 20000x20000 pixels is too large");
  SCVAE_RUN_WITH (&fits, &limited, "reconstruct", "--model", tiny, small_gif, out);
  scvae_assert_ok (&fits);
}

/* A PNG claiming 2^31 - 1 pixels a side was "not an image". */
static void
test_huge_png_header (void)
{
  g_autofree char *png = claiming_png ("claims-too-much.png", G_MAXINT32, G_MAXINT32);
  g_autofree char *out = in_tmp ("never.png");
  g_auto(ScvaeRun) run = { 0 };

  SCVAE_RUN (&run, "reconstruct", "--model", tiny, png, out);
  scvae_assert_fails (&run, 2, "claims-too-much.png: 2147483647x2147483647 pixels is too large (the limit is 100 "
                               "megapixels)");
}

/* Reconstruct at 2048 x 2048 peaked at 2.0 GB (2048 x 2048) and 577 MB at
 * 1024 x 1024: the decoder's bands, SSIM's and what a one-shot
 * reconstruct no longer needs brought the latter to 431 MB, and bands of
 * 8,192 patches to 305 MB. */
static void
test_reconstruct_peak_memory (void)
{
  g_autofree char *source = g_build_filename (samples, "astronaut.jpg", NULL);
  g_autofree char *large = in_tmp ("astronaut-1024.png"), *out = in_tmp ("astronaut-out.png");
  g_autoptr(GdkPixbuf) photo = gdk_pixbuf_new_from_file (source, NULL);
  g_autoptr(GdkPixbuf) scaled = gdk_pixbuf_scale_simple (photo, 1024, 1024, GDK_INTERP_BILINEAR);
  g_auto(ScvaeRun) run = { 0 };

  g_assert_true (gdk_pixbuf_save (scaled, large, "png", NULL, NULL));
  SCVAE_RUN (&run, "reconstruct", "--threads", "2", large, out);
  scvae_assert_ok (&run);
  scvae_assert_peak_at_most (&run, 400 * 1024);
}

/* ------------------------------------------------------------------------- */
/* Messages */

/* bench --size 4 passed its check, then failed at k-means after the timed
 * runs; segment -k 0 called the flag --k. */
static void
test_flag_messages (void)
{
  g_auto(ScvaeRun) size = { 0 }, k = { 0 }, segment = { 0 };
  g_autofree char *labels = in_tmp ("labels.png");

  SCVAE_RUN (&size, "bench", "--model", tiny, "--size", "4");
  scvae_assert_fails (&size, 2, "--size 4 makes 1 patch of 4x4 pixels, fewer than the 8 clusters of --k");
  g_assert_cmpstr (size.out, ==, "");
  SCVAE_RUN (&k, "bench", "--model", tiny, "--k", "0");
  scvae_assert_fails (&k, 2, "--k must be between 2 and 32 (got 0)");
  SCVAE_RUN (&segment, "segment", "--model", tiny, small, "-k", "0", "--labels", labels);
  scvae_assert_fails (&segment, 2, "scvae segment: -k must be between 2 and 32 (got 0)");
}

/* eval with one corrupt image printed the others, then exited 2 without
 * a summary. */
static void
test_eval_reports_bad_files (void)
{
  g_autofree char *folder = new_folder ("eval");
  g_autofree char *broken = g_build_filename (folder, "b-broken.png", NULL);
  g_autofree char *a = g_build_filename (folder, "a.png", NULL), *c = g_build_filename (folder, "c.png", NULL);
  g_autofree char *contents = NULL, *expected = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(ScvaeRun) text = { 0 }, json = { 0 };
  JsonObject *o;
  gsize size;

  copy_file (small, a);
  copy_file (small, c);
  g_assert_true (g_file_get_contents (small, &contents, &size, NULL));
  g_assert_true (g_file_set_contents (broken, contents, size / 2, NULL));

  SCVAE_RUN (&text, "eval", "--model", tiny, folder);
  expected = g_strdup_printf ("scvae: %s: the file is truncated (it ends before the image does)\n", broken);
  g_assert_cmpint (text.status, ==, 2);
  g_assert_cmpstr (text.err, ==, expected);
  g_assert_nonnull (strstr (text.out, "a.png: 64x48"));
  g_assert_nonnull (strstr (text.out, "c.png: 64x48"));
  g_assert_nonnull (strstr (text.out, "mean over 2 images: PSNR"));

  SCVAE_RUN (&json, "eval", "--model", tiny, "--json", folder);
  g_assert_cmpint (json.status, ==, 2);
  g_assert_cmpstr (json.err, ==, expected);
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "images"), ==, 2);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "per_image")), ==, 2);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "failed")), ==, 1);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (json_object_get_array_member (o, "failed"), 0),
                                   broken));
}

/* RGBA pictures are flattened onto mid grey: scvae says so. */
static void
test_transparency_note (void)
{
  g_autofree char *png = in_tmp ("transparent.png"), *out = in_tmp ("transparent-out.png");
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 32, 24);
  g_autoptr(GdkPixbuf) opaque = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 32, 24);
  g_autofree char *opaque_path = in_tmp ("opaque-rgba.png");
  g_autofree char *expected = g_strdup_printf ("scvae: %s: transparent pixels are flattened onto mid grey\n", png);
  g_auto(ScvaeRun) run = { 0 }, quiet = { 0 };

  gdk_pixbuf_fill (pixbuf, 0xff000080); /* half transparent red */
  g_assert_true (gdk_pixbuf_save (pixbuf, png, "png", NULL, NULL));
  SCVAE_RUN (&run, "reconstruct", "--model", tiny, png, out);
  scvae_assert_ok (&run);
  g_assert_cmpstr (run.err, ==, expected);

  /* An alpha channel that is opaque throughout changes nothing. */
  gdk_pixbuf_fill (opaque, 0xff0000ff);
  g_assert_true (gdk_pixbuf_save (opaque, opaque_path, "png", NULL, NULL));
  SCVAE_RUN (&quiet, "reconstruct", "--model", tiny, opaque_path, out);
  scvae_assert_ok (&quiet);
  g_assert_cmpstr (quiet.err, ==, "");
}

int
main (int argc, char **argv)
{
  scvae_test_init (&argc, &argv, "hardening", &tmp, &samples, &tiny);
  small = g_test_build_filename (G_TEST_DIST, "..", "data", "ssim-a.png", NULL);

  /* Two small photos train in no time. */
  photos = new_folder ("photos");
  for (int i = 0; i < 2; i++)
    {
      const char *names[] = { "coffee.jpg", "chelsea.jpg" };
      g_autofree char *source = g_build_filename (samples, names[i], NULL);
      g_autofree char *name = g_strdup_printf ("photo-%d.png", i);
      g_autofree char *path = g_build_filename (photos, name, NULL);
      g_autoptr(GdkPixbuf) photo = gdk_pixbuf_new_from_file_at_scale (source, 96, 96, TRUE, NULL);

      g_assert_true (gdk_pixbuf_save (photo, path, "png", NULL, NULL));
    }

  g_test_add_func ("/hardening/output-devices", test_output_devices);
  g_test_add_func ("/hardening/output-fifo", test_output_fifo);
  g_test_add_func ("/hardening/output-link-and-mode", test_output_link_and_mode);
  g_test_add_func ("/hardening/output-refused", test_output_refused);
  g_test_add_func ("/hardening/write-error-names-output", test_write_error_names_output);
  g_test_add_func ("/hardening/deep-json-header", test_deep_json_header);
  g_test_add_func ("/hardening/other-kinds-as-model", test_other_kinds_as_model);
  g_test_add_func ("/hardening/absurd-models", test_absurd_models);
  g_test_add_func ("/hardening/overflowing-model", test_overflowing_model);
  g_test_add_func ("/hardening/train-checks-outputs-first", test_train_checks_outputs_first);
  g_test_add_func ("/hardening/train-refuses-to-overwrite", test_train_refuses_to_overwrite);
  g_test_add_func ("/hardening/train-removes-stale-temporaries", test_train_removes_stale_temporaries);
  g_test_add_func ("/hardening/train-resume-conflicts", test_train_resume_conflicts);
  g_test_add_func ("/hardening/train-init-recipe", test_train_init_recipe);
  g_test_add_func ("/hardening/train-log-write-error", test_train_log_write_error);
  g_test_add_func ("/hardening/train-skips-unusable-files", test_train_skips_unusable_files);
  g_test_add_func ("/hardening/memory-limit-variable", test_memory_limit_variable);
  g_test_add_func ("/hardening/memory-limit-before-decoding", test_memory_limit_before_decoding);
  g_test_add_func ("/hardening/memory-limit-validation", test_memory_limit_validation);
  g_test_add_func ("/hardening/gif-frame-beyond-screen", test_gif_frame_beyond_screen);
  g_test_add_func ("/hardening/huge-png-header", test_huge_png_header);
  g_test_add_func ("/hardening/reconstruct-peak-memory", test_reconstruct_peak_memory);
  g_test_add_func ("/hardening/flag-messages", test_flag_messages);
  g_test_add_func ("/hardening/eval-reports-bad-files", test_eval_reports_bad_files);
  g_test_add_func ("/hardening/transparency-note", test_transparency_note);

  return scvae_test_run (tmp);
}
