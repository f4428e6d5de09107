/* session-atoms.c: what an atom draws
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An atom is a direction in feature space, and the decoder is nonlinear:
 * what an atom "looks like" depends on how strongly it is used and on what
 * surrounds it. The rendering that answers "what does this atom add to the
 * picture" with the least else mixed in: decode a grid that is zero except
 * amplitude * d_k at the centre patch, subtract the decode of the all-zero
 * grid (the decoder's output for "nothing", which is not blank), and crop
 * around the centre. The amplitude is the atom's typical coefficient, so
 * the picture shows the atom as it is used, not at an arbitrary scale.
 */

#include "config.h"

#include "session-private.h"

#include <math.h>

#define ATOM_GRID 7

ScvaeImage *
scvae_session_render_atom (ScvaeSession *session, int atom, float amplitude, int size, float *energy)
{
  int C = session->C, K = session->K, side = 4 * ATOM_GRID, centre = side / 2, x0, y0;
  gsize P = ATOM_GRID * ATOM_GRID, plane = (gsize) side * side;
  g_autofree float *latents = g_new0 (float, P * C);
  g_autofree float *out = g_new (float, 3 * plane);
  const float *D = session->model->tensors.dictionary;
  ScvaeImage *image;
  float largest = 0.f;

  g_return_val_if_fail (atom >= 0 && atom < K && size > 0 && size <= side, NULL);

  if (session->atom_background == NULL)
    {
      session->atom_background = g_new (float, 3 * plane);
      scvae_session_decode_latents (session, latents, ATOM_GRID, ATOM_GRID, session->atom_background,
                                    NULL, NULL);
    }
  for (int c = 0; c < C; c++)
    latents[(P / 2) * C + c] = amplitude * D[(gsize) c * K + atom];
  scvae_session_decode_latents (session, latents, ATOM_GRID, ATOM_GRID, out, NULL, NULL);

  image = scvae_image_new (size, size);
  x0 = y0 = centre - size / 2;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < size; y++)
      for (int x = 0; x < size; x++)
        {
          gsize i = c * plane + (gsize) (y0 + y) * side + x0 + x;
          float d = out[i] - session->atom_background[i];

          image->data[((gsize) c * size + y) * size + x] = d;
          largest = MAX (largest, fabsf (d));
        }
  /* For display: no change is mid grey, the largest change full scale. */
  for (gsize i = 0; i < (gsize) 3 * size * size && largest > 0.f; i++)
    image->data[i] /= largest;
  if (energy)
    *energy = largest;
  return image;
}
