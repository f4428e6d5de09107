#!/usr/bin/python3
"""Time the PyTorch reference model, stage by stage, with tuned settings.

Prints one JSON object of median milliseconds per stage (after 3 warm-up
runs), under torch.no_grad() with the model in eval mode:

  encode          encoder on the image
  lista           LISTA with D^T(D z) factored (what the C engine computes)
  lista_official  LISTA in the official z.S form (S = I - D^T D / c)
  decode          decoder on D z
  slider          lista + decode (what moving a slider in the app reruns)
  total           encode + lista + decode

With --train it adds train_images_per_s: batch 16 of 64x64 random images,
train mode, forward + backward + clip + Adam step, median step time.

Tuning (see /work/shared/PLATFORM-NOTES.md): PyTorch's OpenMP threads
busy-wait and fight OpenBLAS's for the cores, so this script sets
OMP_WAIT_POLICY=PASSIVE and the OpenMP/OpenBLAS thread counts in its own
environment before importing torch (libgomp and OpenBLAS read them when
loaded), then calls torch.set_num_threads.  OPENBLAS_CORETYPE is left to
the caller: OpenBLAS 0.3.21 misdetects some newer CPUs (this machine's among
them) and falls back to generic kernels with ~5x slower sgemm, which mostly
slows LISTA; export e.g. OPENBLAS_CORETYPE=Cooperlake for both this script
and the C engine.  Run with /usr/bin/python3.
"""

import argparse
import json
import os
import statistics
import sys
import time

WARMUP = 3
TRAIN_BATCH, TRAIN_SIZE = 16, 64


def median_ms(fn, repeats):
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main():
    parser = argparse.ArgumentParser(description="Time the PyTorch reference model.")
    parser.add_argument("--model", required=True, help="model file (safetensors)")
    parser.add_argument("--size", type=int, default=256, help="image side in pixels")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--train", action="store_true", help="also time training")
    args = parser.parse_args()
    if args.size <= 0 or args.size % 4:
        parser.error("--size must be a positive multiple of 4")

    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import torch  # only now: the environment above must be in place when it loads
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "reference"))
    import scvae_ref as ref

    torch.set_num_threads(args.threads)
    model, _ = ref.load_model(args.model)
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, args.size, args.size, generator=generator) * 2 - 1

    result = {}
    with torch.no_grad():
        e = model.encoder(x)
        ehat, z = model.lista(e)
        stages = {
            "encode": lambda: model.encoder(x),
            "lista": lambda: model.lista(e),
            "lista_official": lambda: model.lista(e, form="official"),
            "decode": lambda: model.decoder(ehat),
            "slider": lambda: model.decoder(model.lista(e)[0]),
            "total": lambda: model(x),
        }
        for name, fn in stages.items():
            result[name] = round(median_ms(fn, args.repeats), 3)

    if args.train:
        model.train()
        xb = torch.rand(TRAIN_BATCH, 3, TRAIN_SIZE, TRAIN_SIZE, generator=generator) * 2 - 1
        params = list(model.parameters())
        optimizer = torch.optim.Adam(params, lr=1e-3)

        def step():
            optimizer.zero_grad(set_to_none=True)
            model.loss(xb, model(xb)).total.backward()
            torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
            optimizer.step()

        result["train_images_per_s"] = round(TRAIN_BATCH / (median_ms(step, args.repeats) / 1e3),
                                             2)

    print(f"torch {torch.__version__}, {args.threads} threads, "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"{args.size}x{args.size}, "
          f"{(z != 0).float().mean().item():.1%} of codes non-zero", file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
