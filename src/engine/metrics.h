/* metrics.h: SSIM against one image measured many times
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session compares every reconstruction with the same input: the input's
 * blurred means and squares (two of SSIM's five blurs) are kept.
 */

#pragma once

#include "scvae.h"

typedef struct _SsimReference SsimReference;

SsimReference *scvae__ssim_reference_new (const ScvaeImage *reference);
void scvae__ssim_reference_free (SsimReference *reference);
/* scvae_ssim (image, reference), the same number. */
double scvae__ssim_reference_compare (SsimReference *reference, const ScvaeImage *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsimReference, scvae__ssim_reference_free)
