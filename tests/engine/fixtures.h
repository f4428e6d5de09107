/* fixtures.h: what the engine tests build their cases from
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "scvae.h"

/* A tiny model (C = 4, K = 8, T = 3, every loss term on) with BatchNorm
 * made non-trivial, as after training. */
ScvaeModel *fixture_tiny_model (guint64 seed);
/* The same with another bottleneck: C = 4, K = 8 codes for VQ, K = C for a
 * Gaussian. */
ScvaeModel *fixture_tiny_model_with (ScvaeBottleneck bottleneck, guint64 seed);

/* A smooth test picture: a sine wave across the image, shifted per
 * channel, in [-0.8, 0.8]. */
ScvaeImage *fixture_test_image (int width, int height);
