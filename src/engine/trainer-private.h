/* trainer-private.h: what the trainer's files share
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   trainer.c             options, a step, dictionary upkeep, the loop
 *   trainer-checkpoint.c  checkpoints written, and read back to resume
 */

#pragma once

#include "f4-network.h"
#include "model-private.h"
#include "optimizer.h"

struct _ScvaeTrainer {
  ScvaeModel *model;
  ScvaeTrainOptions options;
  float *grads;
  F4Tensors grad_tensors;
  Adam adam;
  gint64 step;
  gint64 planned_steps;  /* length of the learning-rate schedule */
  double elapsed_before; /* seconds trained before a resume */
  F4Network *net;
  int net_batch, net_size;
  Scratch scratch;
  F4Loss last_loss;
  float *atom_hits;      /* K: patches each atom fired on since the last resampling */
  int resampled;         /* atoms moved at the last resampling */
};

/* Writes the model, Adam's state, the step and the random state to path,
 * atomically; elapsed is the seconds trained so far. */
gboolean scvae__trainer_save_checkpoint (ScvaeTrainer *trainer, const char *path, double elapsed,
                                         GError **error);
