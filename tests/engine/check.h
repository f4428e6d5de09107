/* check.h: helpers for the numeric tests
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "rng.h"

void check_fill_uniform (Rng *rng, float *x, gsize n, float lo, float hi);
void check_fill_uniform_d (Rng *rng, double *x, gsize n, double lo, double hi);
double *check_to_double (const float *x, gsize n);
float *check_to_float (const double *x, gsize n);

/* Largest |a - b|, and that over max |b| (or 1e-30); NaN when a value on
 * either side is not finite, so that no tolerance accepts it. */
double check_largest_difference (const float *a, const double *b, gsize n);
double check_relative_error (const float *a, const double *b, gsize n);

/* Asserts a relative error no larger than tolerance, naming what failed. */
void check_close (const char *what, const float *a, const double *b, gsize n, double tolerance);
