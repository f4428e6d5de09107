#!/usr/bin/python3
"""PyTorch reference for the Sparse Lens "f4" SC-VAE model.

The C engine (src/engine/) must compute exactly what this module computes; the
golden file made by `make-golden` is produced from it.

Model (images RGB in [-1, 1], NCHW; C latent channels, K atoms, T LISTA steps):

  encoder  Conv(3->C, 4x4, s2, p1) - BN - ReLU - Conv(C->C, 4x4, s2, p1)
           - ResBlock - ResBlock                       -> e  [B, C, H/4, W/4]
  LISTA    each of the P = B*(H/4)*(W/4) positions of e, in (b, y, x) order,
           is a row of E [P, C]; with dictionary D [C, K] (columns are atoms),
           learned step c, fixed beta, depth T' (default T), sparsity s:
             theta = beta * s / c,   soft(x, th) = sign(x) * relu(|x| - th)
             Z = soft(E D / c, theta)                  (one ISTA step from 0)
             T' times: Z = soft(Z + (E - Z D^T) D / c, theta)
             Ehat = Z D^T                              -> z [B, H/4, W/4, K]
           The official SC-VAE code starts from soft(E D, theta), without the
           1/c; we keep it so that depth 0 is a true ISTA step.
  decoder  ResBlock - ResBlock - ReLU - ConvT(C->C, 4x4, s2, p1) - BN - ReLU
           - ConvT(C->3, 4x4, s2, p1) - tanh           -> xhat [B, 3, H, W]
  ResBlock(x) = x + BN(Conv1x1(ReLU(BN(Conv3x3(ReLU(x))))))

  loss = mean((xhat - x)^2) + gamma * mean((E - Ehat)^2) + l1 * mean(|Z|)
         + whiten * |E^T E / P - I|_F^2 / C^2 + center * |mean(E)|^2 / C
         + lifetime * sum_k w_k mean(|Z_k|) / K

The whiten term holds the features at unit scale in every direction over
the batch, so that neither their scale nor a few dominant directions can
make the threshold beta / c meaningless; the center term keeps their mean
at zero, so that no direction is a constant that every patch carries and
some atom must code everywhere; the lifetime term puts an L1 on the codes
of each atom active on more than LIFETIME_TARGET of the batch's patches,
w_k = max(0, share_k / LIFETIME_TARGET - 1) (measured, not differentiated),
so that no atom fires on most patches (see data/models/MODEL-CARD.md).

A new model has PyTorch's default conv init, an overcomplete separable DCT
dictionary (see dct_dictionary; random unit atoms when C is not a perfect
square) and c = ||D||_2^2.  Training uses Adam and
clip_grad_norm_ over all parameters; BatchNorm has eps 1e-5, momentum 0.1.

Model files are safetensors (F32) whose tensor names are the state_dict names
without the `num_batches_tracked` buffers; __metadata__ holds format=scvae,
format_version=1, arch=f4, channels, atoms, lista_steps, beta, gamma, l1, whiten, center,
lifetime and
provenance (data, steps, date) when known.

Usage as a tool:
  scvae_ref.py new OUT.safetensors [--channels C --atoms K --depth T --beta B ...]
  scvae_ref.py info MODEL
  scvae_ref.py encode MODEL IN.png OUT.npy [--depth T] [--sparsity S]
  scvae_ref.py reconstruct MODEL IN.png OUT.png [--depth T] [--sparsity S]
"""

import argparse
import json
import math
import os
import sys
from collections import namedtuple

import numpy as np
import torch
from torch import nn

FORMAT = "scvae"
FORMAT_VERSION = 1
ARCH = "f4"

# Largest JSON header we accept; real headers are a few KB.
MAX_HEADER_BYTES = 100 * 1024 * 1024


# ---------------------------------------------------------------- LISTA

def soft_threshold(x, theta):
    return torch.sign(x) * torch.relu(torch.abs(x) - theta)


def lista(E, D, c, beta, depth, sparsity=1.0, form="factored"):
    """Sparse codes Z [P, K] of the rows of E [P, C] (see the module docstring).

    form="factored" keeps D^T(D z) factored (cost ~ C*K per row and step), as
    the C engine does.  form="official" is the SC-VAE code's z.S form with
    S = I - D^T D / c (cost ~ K^2); it exists only for benchmarking.
    """
    theta = beta * sparsity / c
    Y = (E @ D) / c
    Z = soft_threshold(Y, theta)
    if form == "factored":
        for _ in range(depth):
            Z = soft_threshold(Z + ((E - Z @ D.t()) @ D) / c, theta)
    elif form == "official":
        S = torch.eye(D.shape[1], dtype=D.dtype) - (D.t() @ D) / c
        for _ in range(depth):
            Z = soft_threshold(Z @ S + Y, theta)
    else:
        raise ValueError(f"unknown LISTA form {form!r}")
    return Z


class Lista(nn.Module):
    def __init__(self, channels, atoms, steps, beta):
        super().__init__()
        self.steps = steps
        self.beta = float(beta)  # fixed, not learned
        if is_square(channels):
            D = dct_dictionary(channels, atoms)
        else:  # any C loads (as in the C engine); only the DCT init needs a square
            D = torch.randn(channels, atoms, dtype=torch.float64).numpy()
            D /= np.linalg.norm(D, axis=0)
        self.dictionary = nn.Parameter(torch.from_numpy(D).float())
        self.c = nn.Parameter(torch.tensor([spectral_norm_sq(D)], dtype=torch.float32))

    def forward(self, e, depth=None, sparsity=1.0, form="factored"):
        """e [B, C, H, W] -> (ehat [B, C, H, W], z [B, H, W, K])."""
        if torch.is_autocast_enabled():  # CUDA mixed precision: thresholds in float32
            with torch.autocast("cuda", enabled=False):
                return self.forward(e.float(), depth, sparsity, form)
        B, C, H, W = e.shape
        E = e.permute(0, 2, 3, 1).reshape(-1, C)
        D = self.dictionary
        Z = lista(E, D, self.c, self.beta, self.steps if depth is None else depth,
                  sparsity, form)
        Ehat = Z @ D.t()
        # Contiguous NCHW, as the encoder's output: a permuted view would make
        # the decoder's convolutions run in channels-last layout.
        ehat = Ehat.reshape(B, H, W, C).permute(0, 3, 1, 2).contiguous()
        return ehat, Z.reshape(B, H, W, -1)


# ---------------------------------------------------------------- baselines
# The bottlenecks SC-VAE is compared with (issue #23), as the C engine's
# src/engine/vq.h and gaussian.h define them; rows of E [P, C] are patches.

VQ_EMA_EPSILON = 1e-5
GAUSSIAN_LOGVAR_RANGE = (-30.0, 20.0)


def vq_nearest(E, codebook):
    """Index [P] of each row's nearest column of codebook [C, K] (lowest on a tie)."""
    distances = (E * E).sum(1, keepdim=True) - 2 * E @ codebook + (codebook * codebook).sum(0)
    return distances.argmin(1)


def vq(E, codebook, beta):
    """(q [P, C], index [P], beta * commitment): q passes the gradient to E
    unchanged (straight-through); the commitment mean((E - sg(q))^2) pulls E
    towards its code; the codebook gets no gradient (it follows EMAs)."""
    index = vq_nearest(E.detach(), codebook.detach())
    q = codebook.detach().t()[index]
    commitment = ((E - q) ** 2).mean()
    return E + (q - E).detach(), index, beta * commitment


class VqEma:
    """The codebook's moving averages: counts N [K] and sums M [C, K]."""

    def __init__(self, codebook, decay):
        self.decay = decay
        self.counts = torch.ones(codebook.shape[1], dtype=torch.float64)
        self.sums = codebook.detach().double().clone()

    def codebook(self):
        total = self.counts.sum()
        smoothed = (self.counts + VQ_EMA_EPSILON) / (total + len(self.counts) * VQ_EMA_EPSILON) * total
        return (self.sums / smoothed).float()

    def update(self, E, index):
        onehot = torch.nn.functional.one_hot(index, len(self.counts)).double()
        self.counts = self.decay * self.counts + (1 - self.decay) * onehot.sum(0)
        self.sums = self.decay * self.sums + (1 - self.decay) * (E.detach().double().t() @ onehot)
        return self.codebook()

    def restart_dead(self, E, q, dead_below):
        """Moves every code counted below dead_below to a distinct row of E,
        the worst coded first; returns how many moved."""
        errors = ((E.detach() - q.detach()).double() ** 2).sum(1)
        # Largest error first, the lower row first on a tie.
        order = sorted(range(len(errors)), key=lambda p: (-errors[p].item(), p))
        moved = 0
        for k in range(len(self.counts)):
            if self.counts[k] >= dead_below or moved == len(order):
                continue
            self.counts[k] = 1.0
            self.sums[:, k] = E.detach()[order[moved]].double()
            moved += 1
        return moved


def vq_perplexity(counts):
    """exp of the entropy of the codes' use: K if even, 1 if one code does all."""
    p = counts.double() / counts.sum()
    p = p[p > 0]
    return torch.exp(-(p * p.log()).sum()).item()


def gaussian(E, mean_weight, mean_bias, logvar_weight, logvar_bias, beta, noise=None):
    """(z [P, C], mean, logvar, beta * KL) of the Gaussian bottleneck: linear
    heads (weights [C_out, C_in]), z = mean + exp(logvar / 2) noise while
    training (noise ~ N(0, I) given), the mean at inference; KL of N(mean,
    exp(logvar)) from N(0, I), summed over channels, averaged over rows."""
    mean = E @ mean_weight.t() + mean_bias
    logvar = (E @ logvar_weight.t() + logvar_bias).clamp(*GAUSSIAN_LOGVAR_RANGE)
    z = mean if noise is None else mean + torch.exp(0.5 * logvar) * noise
    kl = (-0.5 * (1 + logvar - mean ** 2 - logvar.exp())).sum(1).mean()
    return z, mean, logvar, beta * kl


def gaussian_active_channels(mean, threshold=0.01):
    """Channels whose mean varies across rows with variance above threshold."""
    return int((mean.double().var(0, unbiased=False) > threshold).sum())


def to_rows(e):
    """[B, C, H, W] -> rows [B*H*W, C] in (b, y, x) order, and back."""
    return e.permute(0, 2, 3, 1).reshape(-1, e.shape[1])


def from_rows(rows, like):
    B, C, H, W = like.shape
    return rows.reshape(B, H, W, C).permute(0, 3, 1, 2).contiguous()


class VqBottleneck(nn.Module):
    """The VQ-VAE bottleneck: codebook [C, K] (a parameter the optimiser
    does not move: ema_update sets it), its moving averages as buffers."""

    def __init__(self, channels, atoms, commitment, ema_decay):
        super().__init__()
        self.commitment = float(commitment)
        self.ema_decay = float(ema_decay)
        D = torch.from_numpy(dct_dictionary(channels, atoms)).float() if is_square(channels) \
            else nn.functional.normalize(torch.randn(channels, atoms), dim=0)
        self.codebook = nn.Parameter(D, requires_grad=False)
        self.register_buffer("ema_counts", torch.ones(atoms))
        self.register_buffer("ema_sums", D.clone())
        self.last = None  # (rows of e, index) of the last training forward

    def forward(self, e):
        """e [B, C, H, W] -> (ehat: q straight-through, z one-hot [B, H, W, K],
        the commitment mean((e - sg(q))^2))."""
        E = to_rows(e)
        q, index, commitment = vq(E, self.codebook, 1.0)
        if self.training:
            self.last = (E.detach(), index)
        z = nn.functional.one_hot(index, self.codebook.shape[1]).to(e.dtype)
        B, _, H, W = e.shape
        return from_rows(q, e), z.reshape(B, H, W, -1), commitment

    @torch.no_grad()
    def ema_update(self):
        """After the optimiser's step, as the C trainer: the averages take the
        last training batch's assignment, and the codebook follows them."""
        E, index = self.last
        ema = VqEma(self.codebook, self.ema_decay)
        ema.counts, ema.sums = self.ema_counts.double(), self.ema_sums.double()
        self.codebook.copy_(ema.update(E, index))
        self.ema_counts.copy_(ema.counts.float())
        self.ema_sums.copy_(ema.sums.float())


class GaussianBottleneck(nn.Module):
    """The Gaussian VAE's bottleneck: 1x1 convolutions for the mean and the
    log-variance; a sample while training (its noise kept in last_noise, rows
    [P, C]), the mean at inference."""

    def __init__(self, channels):
        super().__init__()
        self.mean = nn.Conv2d(channels, channels, 1)
        self.logvar = nn.Conv2d(channels, channels, 1)
        self.noise = None       # rows [P, C] to use instead of drawing (tests)
        self.last_noise = None

    def forward(self, e):
        """-> (latent [B, C, H, W], z = the mean as rows [B, H, W, C], the KL)."""
        E = to_rows(e)
        noise = None
        if self.training:
            noise = self.noise if self.noise is not None else torch.randn_like(E)
            self.last_noise = noise
        z, mean, _, kl = gaussian(E, self.mean.weight[:, :, 0, 0], self.mean.bias,
                                  self.logvar.weight[:, :, 0, 0], self.logvar.bias, 1.0, noise)
        B, C, H, W = e.shape
        return from_rows(z, e), mean.reshape(B, H, W, C), kl


# ---------------------------------------------------------------- model

class ResBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.block = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(dim, dim, 3, 1, 1),
            nn.BatchNorm2d(dim),
            nn.ReLU(),
            nn.Conv2d(dim, dim, 1),
            nn.BatchNorm2d(dim),
        )

    def forward(self, x):
        return x + self.block(x)


# latent: the bottleneck's own un-weighted term when it has one (VQ's
# commitment, the Gaussian's KL); LISTA's mean((e - ehat)^2) is computed in
# loss().
Output = namedtuple("Output", "recon e ehat z latent", defaults=(None,))
BOTTLENECKS = ("lista", "vq", "gaussian")
Loss = namedtuple("Loss", "total image latent l1 whiten center lifetime")

# The share of patches above which an atom pays the lifetime term
# (SCVAE_LIFETIME_TARGET in src/engine/losses.h).
LIFETIME_TARGET = 0.25


class SCVAE(nn.Module):
    """The f4 model; gamma, l1, whiten, center and lifetime are the loss
    weights it was (or will be) trained with. With bottleneck "vq" or
    "gaussian" the same encoder and decoder surround a VQ-VAE's or a
    Gaussian VAE's bottleneck instead of LISTA (steps, beta, gamma, l1 and
    lifetime then do not apply; a Gaussian's atoms are its channels)."""

    def __init__(self, channels, atoms, steps, beta, gamma=1.0, l1=0.0, whiten=0.0, center=0.0,
                 lifetime=0.0, bottleneck="lista", commitment=0.25, ema_decay=0.99, kl_weight=1e-3):
        super().__init__()
        C = channels
        if bottleneck not in BOTTLENECKS:
            raise ValueError(f"bottleneck {bottleneck!r} is not one of {', '.join(BOTTLENECKS)}")
        self.bottleneck = bottleneck
        self.commitment = float(commitment)
        self.ema_decay = float(ema_decay)
        self.kl_weight = float(kl_weight)
        self.gamma = float(gamma)
        self.l1 = float(l1)
        self.whiten = float(whiten)
        self.center = float(center)
        self.lifetime = float(lifetime)
        self.encoder = nn.Sequential(
            nn.Conv2d(3, C, 4, 2, 1),
            nn.BatchNorm2d(C),
            nn.ReLU(),
            nn.Conv2d(C, C, 4, 2, 1),
            ResBlock(C),
            ResBlock(C),
        )
        if bottleneck == "lista":
            self.lista = Lista(C, atoms, steps, beta)
        elif bottleneck == "vq":
            self.vq = VqBottleneck(C, atoms, commitment, ema_decay)
        else:
            self.gaussian = GaussianBottleneck(C)
        self._atoms = C if bottleneck == "gaussian" else atoms
        self.decoder = nn.Sequential(
            ResBlock(C),
            ResBlock(C),
            nn.ReLU(),
            nn.ConvTranspose2d(C, C, 4, 2, 1),
            nn.BatchNorm2d(C),
            nn.ReLU(),
            nn.ConvTranspose2d(C, 3, 4, 2, 1),
            nn.Tanh(),
        )

    @property
    def channels(self):
        return self.encoder[0].weight.shape[0]

    @property
    def atoms(self):
        return self._atoms

    def forward(self, x, depth=None, sparsity=1.0, form="factored"):
        """depth, sparsity and form apply to LISTA only."""
        e = self.encoder(x)
        if self.bottleneck == "lista":
            ehat, z = self.lista(e, depth, sparsity, form)
            return Output(self.decoder(ehat), e, ehat, z)
        ehat, z, latent = (self.vq if self.bottleneck == "vq" else self.gaussian)(e)
        return Output(self.decoder(ehat), e, ehat, z, latent)

    def loss(self, x, out, total=None):
        """Total loss and its un-weighted terms.

        The first three terms are means over this batch. The whitening,
        centring and lifetime terms are not: their moment E^T E / P, mean and
        atoms' shares are over every position of the batch. When the batch is split over processes,
        total(t) must return the sum of t over all of them (differentiably:
        see train-reference); the moment and mean are then those of the
        whole batch, and so are these terms.
        """
        image = torch.mean((out.recon - x) ** 2)
        lista = self.bottleneck == "lista"
        latent = torch.mean((out.e - out.ehat) ** 2) if lista else out.latent
        l1 = torch.mean(torch.abs(out.z)) if lista else torch.zeros(())
        E = out.e.permute(0, 2, 3, 1).reshape(-1, out.e.shape[1])
        C = E.shape[1]
        Z = out.z.reshape(-1, out.z.shape[-1])
        K = Z.shape[1]
        active = (Z != 0).to(E.dtype).sum(0)
        if total is None:
            moment = E.t() @ E / E.shape[0]
            mean = E.mean(0)
            share = active / Z.shape[0]
            magnitude = Z.abs().mean(0)
        else:
            sums = total(torch.cat([(E.t() @ E).flatten(), E.sum(0), active, Z.abs().sum(0),
                                    torch.tensor([float(E.shape[0])], dtype=E.dtype,
                                                 device=E.device)]))
            moment = sums[:C * C].reshape(C, C) / sums[-1]
            mean = sums[C * C:C * C + C] / sums[-1]
            share = sums[C * C + C:C * C + C + K].detach() / sums[-1]
            magnitude = sums[C * C + C + K:-1] / sums[-1]
        moment = moment - torch.eye(C, dtype=E.dtype, device=E.device)
        whiten = torch.sum(moment ** 2) / C ** 2
        center = torch.sum(mean ** 2) / C
        excess = torch.clamp(share / LIFETIME_TARGET - 1, min=0).detach()
        lifetime = torch.sum(excess * magnitude) / K if lista else torch.zeros(())
        weight = {"lista": self.gamma, "vq": self.commitment, "gaussian": self.kl_weight}[self.bottleneck]
        return Loss(image + weight * latent + self.l1 * l1 + self.whiten * whiten
                    + self.center * center + self.lifetime * lifetime,
                    image, latent, l1, whiten, center, lifetime)

    def metadata(self):
        """The architecture part of the file metadata, as strings: each
        bottleneck's own settings and no other's, as the C engine writes."""
        meta = {
            "format": FORMAT,
            "format_version": str(FORMAT_VERSION),
            "arch": ARCH,
            "bottleneck": self.bottleneck,
            "channels": str(self.channels),
            "atoms": str(self.atoms),
            "whiten": repr(self.whiten),
            "center": repr(self.center),
        }
        if self.bottleneck == "lista":
            meta.update({"lista_steps": str(self.lista.steps), "beta": repr(self.lista.beta),
                         "gamma": repr(self.gamma), "l1": repr(self.l1), "lifetime": repr(self.lifetime)})
        elif self.bottleneck == "vq":
            meta.update({"commitment": repr(self.commitment), "ema_decay": repr(self.ema_decay)})
        else:
            meta["kl_weight"] = repr(self.kl_weight)
        return meta


def is_square(channels):
    return channels >= 4 and math.isqrt(channels) ** 2 == channels


def dct_dictionary(channels, atoms):
    """Overcomplete separable DCT dictionary [channels, atoms], float64.

    n = sqrt(channels), m = ceil(sqrt(atoms)).  The 1-D dictionary D1 [n, m]
    has column 0 = 1/sqrt(n) and, for k >= 1, v_i = cos(i*pi*k/m) with its
    mean removed, normalised.  D = kron(D1, D1), i.e. D[i1*n + i2, k1*m + k2]
    = D1[i1, k1] * D1[i2, k2], columns normalised, first `atoms` kept.  (The
    official code also permutes the rows; we do not.)
    """
    n = math.isqrt(channels)
    if n * n != channels or n < 2:
        raise ValueError(f"channels must be a perfect square >= 4, got {channels}")
    if atoms < 1:
        raise ValueError(f"atoms must be positive, got {atoms}")
    m = math.isqrt(atoms - 1) + 1  # ceil(sqrt(atoms)), exactly
    i = np.arange(n)
    D1 = np.empty((n, m))
    D1[:, 0] = 1.0 / math.sqrt(n)
    for k in range(1, m):
        v = np.cos(i * math.pi * k / m)
        v -= v.mean()
        D1[:, k] = v / np.linalg.norm(v)
    D = np.kron(D1, D1)
    D /= np.linalg.norm(D, axis=0)
    return D[:, :atoms]


def spectral_norm_sq(D):
    """||D||_2^2 (largest singular value squared), in float64."""
    return float(np.linalg.norm(np.asarray(D, dtype=np.float64), 2) ** 2)


# ---------------------------------------------------------------- safetensors

def write_safetensors(path, tensors, metadata=None):
    """Write {name: array} as F32 safetensors, atomically, in the given order."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, value in tensors.items():
        a = np.ascontiguousarray(value, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keep the data section 8-byte aligned
    atomic_write(path, [len(text).to_bytes(8, "little"), text] + blobs)


def read_safetensors(path):
    """Read an F32 safetensors file -> ({name: float32 array}, metadata dict).

    Raises ValueError naming the file for anything malformed.
    """
    with open(path, "rb") as f:
        raw = f.read()

    def bad(reason):
        return ValueError(f"{path}: {reason}")

    if len(raw) < 8:
        raise bad("too short for a safetensors header")
    n = int.from_bytes(raw[:8], "little")
    if n > MAX_HEADER_BYTES or 8 + n > len(raw):
        raise bad(f"header length {n} does not fit the file ({len(raw)} bytes)")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise bad(f"header is not valid JSON: {err}") from None
    if not isinstance(header, dict):
        raise bad("header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise bad("__metadata__ must map strings to strings")

    data = memoryview(raw)[8 + n:]
    tensors = {}
    spans = []
    for name, info in header.items():
        try:
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise bad(f"tensor {name!r}: malformed entry") from None
        if dtype != "F32":
            raise bad(f"tensor {name!r}: dtype {dtype}, expected F32")
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise bad(f"tensor {name!r}: bad shape {shape}")
        if not (isinstance(begin, int) and isinstance(end, int)
                and 0 <= begin <= end <= len(data)):
            raise bad(f"tensor {name!r}: offsets {begin}..{end} outside the data section")
        if end - begin != 4 * math.prod(shape):
            raise bad(f"tensor {name!r}: {end - begin} bytes for shape {shape}")
        spans.append((begin, end, name))
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(shape).copy()
    spans.sort()
    position = 0
    for begin, end, name in spans:
        if begin != position:
            raise bad(f"tensor {name!r}: data overlaps or leaves a gap at byte {position}")
        position = end
    if position != len(data):
        raise bad(f"{len(data) - position} trailing bytes after the last tensor")
    return tensors, metadata


def atomic_write(path, chunks):
    """Write chunks to path via a temporary file in the same directory, so
    readers see either the old file or the complete new one."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


# ---------------------------------------------------------------- model files

def file_state(model):
    """The tensors a model file holds (the state_dict minus num_batches_tracked),
    as copies that later training steps do not change."""
    return {name: t.detach().cpu().numpy().copy() for name, t in model.state_dict().items()
            if not name.endswith("num_batches_tracked")}


def same_value(a, b):
    """Metadata strings that mean the same number ("1" and "1.0") agree."""
    try:
        return float(a) == float(b)
    except ValueError:
        return a == b


def save_model(model, path, metadata=None, extra_tensors=None):
    """Save model (plus optional extra tensors after its own) to path.

    metadata adds to (and may not contradict) the model's own metadata.
    """
    meta = model.metadata()
    for key, value in (metadata or {}).items():
        if key in meta and not same_value(meta[key], str(value)):
            raise ValueError(f"metadata {key}={value!r} contradicts the model ({meta[key]!r})")
        meta.setdefault(key, str(value))
    tensors = file_state(model)
    tensors.update(extra_tensors or {})
    write_safetensors(path, tensors, meta)


def load_model(path):
    """Load a model file -> (SCVAE in eval mode, metadata dict).

    Tensors that are not part of the model (e.g. a golden file's golden.* and
    grad.* entries) are ignored; every model tensor must be present, finite
    and of the right shape.
    """
    tensors, meta = read_safetensors(path)
    return model_from_tensors(tensors, meta, path), meta


def model_from_tensors(tensors, meta, path="model"):
    """The SCVAE (in eval mode) that read_safetensors' (tensors, meta) of a
    model file describe; path names it in errors."""

    def need(key, kind):
        if key not in meta:
            raise ValueError(f"{path}: metadata lacks {key!r}")
        try:
            return kind(meta[key])
        except ValueError:
            raise ValueError(f"{path}: metadata {key}={meta[key]!r} is not a {kind.__name__}") \
                from None

    if need("format", str) != FORMAT or need("format_version", int) != FORMAT_VERSION:
        raise ValueError(f"{path}: not a {FORMAT} v{FORMAT_VERSION} model file")
    if need("arch", str) != ARCH:
        raise ValueError(f"{path}: architecture {meta['arch']!r} is not {ARCH!r}")
    bottleneck = meta.get("bottleneck", "lista")
    if bottleneck not in BOTTLENECKS:
        raise ValueError(f"{path}: bottleneck {bottleneck!r} is not one of {', '.join(BOTTLENECKS)}")
    if bottleneck == "lista":
        model = SCVAE(need("channels", int), need("atoms", int), need("lista_steps", int),
                      need("beta", float), need("gamma", float), need("l1", float),
                      float(meta.get("whiten", 0.0)), float(meta.get("center", 0.0)),
                      float(meta.get("lifetime", 0.0)))
    else:
        model = SCVAE(need("channels", int), need("atoms", int), 0, 0.0, 0.0, 0.0,
                      float(meta.get("whiten", 0.0)), float(meta.get("center", 0.0)), 0.0,
                      bottleneck, float(meta.get("commitment", 0.25)),
                      float(meta.get("ema_decay", 0.99)), float(meta.get("kl_weight", 1e-3)))

    state = {}
    for name, expected in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        if name not in tensors:
            raise ValueError(f"{path}: tensor {name!r} is missing")
        value = tensors[name]
        if tuple(value.shape) != tuple(expected.shape):
            raise ValueError(f"{path}: tensor {name!r} has shape {list(value.shape)}, "
                             f"expected {list(expected.shape)}")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{path}: tensor {name!r} has non-finite values")
        state[name] = torch.from_numpy(value)
    model.load_state_dict(state, strict=False)
    return model.eval()


# ---------------------------------------------------------------- command line

def image_tensor(image):
    """PIL image -> [1, 3, H', W'] in [-1, 1], reflect-padded on the right and
    bottom to sides H', W' that are multiples of 4 (as the C engine pads)."""
    x = np.asarray(image.convert("RGB"), dtype=np.float32) / 127.5 - 1.0
    x = torch.from_numpy(x).permute(2, 0, 1)[None]
    h, w = x.shape[2:]
    return nn.functional.pad(x, (0, -w % 4, 0, -h % 4), mode="reflect")


def encode(model, image, depth=None, sparsity=1.0):
    """PIL image -> its sparse codes, float32 [rows, cols, K] with one row of
    codes per 4 pixel rows of the padded image: what `scvae encode` writes."""
    with torch.no_grad():
        return model(image_tensor(image), depth, sparsity).z[0].numpy()


def reconstruct(model, image, depth=None, sparsity=1.0):
    """PIL image -> reconstructed PIL image, reflect-padding to a multiple of 4."""
    from PIL import Image
    x = image_tensor(image)
    w, h = image.size
    with torch.no_grad():
        y = model(x, depth, sparsity).recon[0, :, :h, :w]
    y = ((y.permute(1, 2, 0).numpy() + 1.0) * 127.5).round().clip(0, 255)
    return Image.fromarray(y.astype(np.uint8))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Sparse Lens PyTorch reference model.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("new", help="write a freshly initialised model")
    p.add_argument("out")
    p.add_argument("--channels", type=int, default=64)
    p.add_argument("--atoms", type=int, default=256)
    p.add_argument("--depth", type=int, default=16)
    p.add_argument("--beta", type=float, default=0.05)
    p.add_argument("--gamma", type=float, default=1.0)
    p.add_argument("--l1", type=float, default=0.0)
    p.add_argument("--whiten", type=float, default=0.0)
    p.add_argument("--center", type=float, default=0.0)
    p.add_argument("--lifetime", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("info", help="print a model's metadata and tensor shapes")
    p.add_argument("model")
    p = sub.add_parser("encode", help="write an image's sparse codes as .npy (as scvae encode)")
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("codes")
    p.add_argument("--depth", type=int)
    p.add_argument("--sparsity", type=float, default=1.0)
    p = sub.add_parser("reconstruct", help="reconstruct an image")
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--depth", type=int)
    p.add_argument("--sparsity", type=float, default=1.0)
    args = parser.parse_args(argv)
    try:
        run(args)
    except (ValueError, OSError) as err:
        print(f"scvae_ref: {err}", file=sys.stderr)
        return 1
    return 0


def run(args):
    if args.command == "new":
        torch.manual_seed(args.seed)
        model = SCVAE(args.channels, args.atoms, args.depth, args.beta, args.gamma, args.l1,
                      args.whiten, args.center, args.lifetime)
        save_model(model, args.out, {"data": "none (random init)", "steps": "0",
                                     "seed": str(args.seed)})
    elif args.command == "info":
        tensors, meta = read_safetensors(args.model)
        print(json.dumps({"metadata": meta,
                          "tensors": {k: list(v.shape) for k, v in tensors.items()}}, indent=2))
    elif args.command == "encode":
        from PIL import Image
        model, _ = load_model(args.model)
        np.save(args.codes, encode(model, Image.open(args.input), args.depth, args.sparsity))
    elif args.command == "reconstruct":
        from PIL import Image
        model, _ = load_model(args.model)
        reconstruct(model, Image.open(args.input), args.depth, args.sparsity).save(args.output)


if __name__ == "__main__":
    sys.exit(main())
