#!/usr/bin/python3
"""Self-checks of the PyTorch reference; exits non-zero if any fails.

  - LISTA gradients w.r.t. E, D and c against finite differences (float64
    torch.autograd.gradcheck), in both forms, with a mix of zero and non-zero codes;
  - the factored and official (z.S) LISTA forms agree;
  - the VQ and Gaussian bottlenecks: nearest codes, straight-through and
    commitment gradients, EMA codebook and dead-code restarts, perplexity;
    Gaussian gradcheck with and without sampling, active channels;
  - the DCT dictionary has unit columns;
  - safetensors round trip, and corrupted files are rejected;
  - tests/data/golden-tiny{,-vq,-gaussian}.safetensors, if present, still match this code.

Run: /usr/bin/python3 tools/reference/selfcheck.py
"""

import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scvae_ref as ref  # noqa: E402

GOLDENS = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                        f"golden-tiny{suffix}.safetensors") for suffix in ("", "-vq", "-gaussian")]

failures = []


def check(name, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
    if not ok:
        failures.append(name)


def lista_inputs(rows=6, channels=4, atoms=9):
    torch.manual_seed(1)
    E = torch.randn(rows, channels, dtype=torch.float64)
    D = torch.tensor(ref.dct_dictionary(channels, atoms)) + 0.1 * torch.randn(channels, atoms,
                                                                               dtype=torch.float64)
    c = torch.tensor([ref.spectral_norm_sq(D.numpy()) * 1.2], dtype=torch.float64)
    return [t.requires_grad_() for t in (E, D, c)]


def check_lista_gradients():
    E, D, c = lista_inputs()
    beta, depth, sparsity = 0.3, 3, 1.3
    for form in ("factored", "official"):
        def f(E, D, c):
            Z = ref.lista(E, D, c, beta, depth, sparsity, form)
            return Z, Z @ D.t()
        Z = f(E, D, c)[0]
        active = (Z != 0).double().mean().item()
        check(f"LISTA codes are partly sparse ({form})", 0.2 < active < 0.9,
              f"{active:.2f} non-zero")
        ok = torch.autograd.gradcheck(f, (E, D, c), eps=1e-6, atol=1e-7, rtol=1e-5,
                                      raise_exception=False)
        check(f"LISTA gradcheck w.r.t. E, D, c ({form})", ok)


def check_lista_forms():
    E, D, c = (t.detach() for t in lista_inputs(rows=20, channels=16, atoms=32))
    for depth in (0, 1, 5):
        a = ref.lista(E, D, c, 0.2, depth)
        b = ref.lista(E, D, c, 0.2, depth, form="official")
        diff = (a - b).abs().max().item()
        check(f"factored == official form at depth {depth}", diff < 1e-12, f"max diff {diff:.1e}")


def check_vq():
    torch.manual_seed(3)
    E = torch.randn(40, 6, dtype=torch.float64, requires_grad=True)
    codebook = torch.randn(6, 16, dtype=torch.float64)
    index = ref.vq_nearest(E.detach(), codebook)
    brute = ((E.detach()[:, :, None] - codebook[None]) ** 2).sum(1).argmin(1)
    check("VQ nearest code == brute force", torch.equal(index, brute))
    q, _, loss = ref.vq(E, codebook, 0.25)
    direction = torch.randn_like(q)
    (q * direction).sum().add(loss).backward()
    expected = direction + 0.25 * 2 * (E.detach() - q.detach()) / E.numel()
    diff = (E.grad - expected).abs().max().item()
    check("VQ straight-through gradient plus the commitment's", diff < 1e-12, f"max diff {diff:.1e}")

    ema = ref.VqEma(torch.tensor([[0.0, 1, 2], [0, 1, 2]]), 0.5)
    new = ema.update(torch.tensor([[1.0, 2], [3, 4], [-1, 0.5]]), torch.tensor([0, 0, 2]))
    check("VQ EMA moves a code to the mean of its rows, nearly",
          abs(new[0, 0].item() - 4 / 3) < 1e-4 and abs(ema.counts[1].item() - 0.5) < 1e-12)
    ema.counts[1] = 1e-4
    moved = ema.restart_dead(torch.tensor([[0.1, 0.0], [9, 9], [2, 1]]),
                             torch.tensor([[0.0, 0], [2, 0], [2, 0]]), 1e-2)
    check("VQ dead code restarts on the worst-coded row",
          moved == 1 and torch.allclose(ema.codebook()[:, 1], torch.tensor([9.0, 9.0]), atol=1e-3))
    check("VQ perplexity", abs(ref.vq_perplexity(torch.tensor([5, 5, 5, 5])) - 4) < 1e-12
          and abs(ref.vq_perplexity(torch.tensor([0, 12, 0, 0])) - 1) < 1e-12)


def check_gaussian():
    torch.manual_seed(4)
    C = 5
    inputs = [torch.randn(30, C, dtype=torch.float64), 0.5 * torch.randn(C, C, dtype=torch.float64),
              0.2 * torch.randn(C, dtype=torch.float64), 0.5 * torch.randn(C, C, dtype=torch.float64),
              0.2 * torch.randn(C, dtype=torch.float64)]
    noise = torch.randn(30, C, dtype=torch.float64)
    for label, eps in (("sampled", noise), ("mean", None)):
        def f(*args):
            z, _, _, kl = ref.gaussian(*args, 0.7, eps)
            return z, kl
        ok = torch.autograd.gradcheck(f, [t.clone().requires_grad_() for t in inputs], eps=1e-6,
                                      atol=1e-7, rtol=1e-5, raise_exception=False)
        check(f"Gaussian gradcheck w.r.t. E and both heads ({label})", ok)
    mean = torch.stack([torch.randn(100, dtype=torch.float64), torch.full((100,), 0.3, dtype=torch.float64)], 1)
    check("Gaussian active channels", ref.gaussian_active_channels(mean) == 1)


def check_dct():
    D = ref.dct_dictionary(64, 256)
    norms = np.linalg.norm(D, axis=0)
    check("DCT dictionary shape and unit columns",
          D.shape == (64, 256) and np.abs(norms - 1).max() < 1e-12)


def check_safetensors():
    tensors = {"b": np.arange(6, dtype=np.float32).reshape(2, 3), "a": np.ones(1, np.float32)}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.safetensors")
        ref.write_safetensors(path, tensors, {"k": "v"})
        raw = open(path, "rb").read()
        back, meta = ref.read_safetensors(path)
        check("safetensors round trip",
              meta == {"k": "v"} and list(back) == ["b", "a"]
              and all(np.array_equal(back[k], tensors[k]) for k in tensors)
              and int.from_bytes(raw[:8], "little") % 8 == 0)
        for label, corrupt in (("truncated", raw[:-2]),
                               ("huge header length", (1 << 40).to_bytes(8, "little") + raw[8:]),
                               ("not JSON", raw[:8] + b"!" + raw[9:])):
            with open(path, "wb") as f:
                f.write(corrupt)
            try:
                ref.read_safetensors(path)
                check(f"safetensors rejects {label} file", False)
            except ValueError as err:
                check(f"safetensors rejects {label} file", True, str(err).split(": ", 1)[1])


def check_golden():
    for golden in GOLDENS:
        if not os.path.exists(golden):
            print(f"skip golden file check: {golden} does not exist")
            continue
        model, meta = ref.load_model(golden)
        tensors, _ = ref.read_safetensors(golden)
        torch.set_num_threads(1)
        with torch.no_grad():
            out = model(torch.from_numpy(tensors["golden.input"]))
        diff = np.abs(out.recon.numpy() - tensors["golden.recon_eval"]).max()
        check(f"{os.path.basename(golden)} matches the reference (eval recon)", diff < 1e-5,
              f"max diff {diff:.1e}")


def main():
    check_lista_gradients()
    check_lista_forms()
    check_vq()
    check_gaussian()
    check_dct()
    check_safetensors()
    check_golden()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
