/* eigen.h: eigenvalues of small symmetric matrices
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

/* The n eigenvalues of the symmetric n x n matrix a (row-major, destroyed),
 * in no particular order, by cyclic Jacobi rotations: slow for large n but
 * exact to rounding for any spectrum (power iteration crawls when the top
 * eigenvalues are close, as they are for DCT dictionaries). */
void scvae__symmetric_eigenvalues (double *a, int n, double *values);

/* The Gram matrix G = A A^T (rows x rows) of a float matrix (rows x cols,
 * row-major), in double. */
void scvae__gram_of_rows (const float *a, int rows, int cols, double *gram);
