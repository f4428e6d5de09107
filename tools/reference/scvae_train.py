"""The training loop of train-reference (its docstring says what it does).

Run through tools/reference/train-reference, which sets the thread counts
before torch loads. Everything a process does is the same on every process
except: the crops it materialises (its share of each global batch), the
atom hit counts it accumulates (summed when they are used), and what rank
0 alone does: read the starting file, print progress, write files.
"""

import datetime
import itertools
import math
import os
import signal
import sys
import time

import numpy as np
import torch
from torch import nn

import scvae_data
import scvae_dist
import scvae_ref
from scvae_dist import LaunchError

ME = "train-reference"

# As scvae's trainer (src/engine/trainer.c, resample.c); the reasons are
# given there. Resampling every --resample-every steps (250) stops in the
# last RESAMPLE_STOP of the schedule.
RESAMPLE_STOP = 0.2
DEAD_RATE = 1e-4
TWIN_COS = 0.9
# The BatchNorm pass's batches have indices no run reaches; the budget
# keeps half a step per batch in reserve for it.
BATCHNORM_FIRST_INDEX = 1 << 40
FORWARD_SHARE_OF_STEP = 0.5
CALIBRATION_STEPS = 20
EMA_WEIGHT = 0.05
LOG_HEADER = ("step,seconds,loss,train_psnr,val_psnr,val_ssim,active_fraction,atoms_used,"
              "atoms_per_patch_median,dense_atoms,dict_effective_rank,dict_pairs_cos_above_0_9,"
              "lista_c,feature_rms\n")

# Checkpoint metadata, as scvae's (trainer.c): a checkpoint written here
# resumes in `scvae train --resume` and the other way round (with the other
# program's crops from then on).
KEY_STEP = "checkpoint_step"
KEY_ADAM_T = "checkpoint_adam_t"
KEY_SEED = "checkpoint_seed"
KEY_PLANNED = "checkpoint_planned_steps"
KEY_ELAPSED = "checkpoint_elapsed_s"
CHECKPOINT_KEYS = (KEY_STEP, KEY_ADAM_T, KEY_SEED, KEY_PLANNED, KEY_ELAPSED)
# The loss weights, in the order scvae train records them in
# "previous_training".
LOSS_KEYS = ("beta", "gamma", "l1", "whiten", "center", "lifetime")

UNPLANNED = 2 ** 62  # the schedule's length before a time budget is calibrated


class Failure(Exception):
    """Ends the run on this process with one line and an exit status."""

    def __init__(self, message, status=1):
        super().__init__(" ".join(str(message).split()))
        self.status = status


def report(world, message):
    prefix = f"{ME}: {world.name}: " if world.distributed else f"{ME}: "
    print(prefix + message, file=sys.stderr, flush=True)


def learning_rate(step, total, warmup, lr, floor=0.05):
    """As scvae's learning_rate_at: linear warm-up, then cosine to floor * lr."""
    if step < warmup:
        return lr * (step + 1) / warmup
    if total <= warmup:
        return lr
    progress = min(1.0, (step - warmup) / (total - warmup))
    return lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def batchnorm_fed_biases(model):
    """Biases of convolutions whose output goes straight into a BatchNorm in
    training mode. Their gradient is zero in exact arithmetic (the
    normalisation removes any constant), so what backward gives them is
    rounding noise (~1e-9) that Adam, dividing by its own scale, would turn
    into random steps as large as lr; and the noise differs with the number
    of processes. They are given a zero gradient (make-golden does the same)."""
    biases = []
    for module in model.modules():
        if isinstance(module, nn.Sequential):
            layers = list(module)
            for a, b in zip(layers, layers[1:]):
                if isinstance(a, (nn.Conv2d, nn.ConvTranspose2d)) and \
                        isinstance(b, nn.BatchNorm2d) and a.bias is not None:
                    biases.append(a.bias)
    return biases


def resample_atoms(model, optimizer, residual, hits, patches):
    """As scvae's trainer (scvae__resample_atoms): atoms that fired on fewer than
    DEAD_RATE of the patches since the last resampling, and of each pair of
    atoms with |cos| > TWIN_COS the one that fired less, move to the
    residuals e - D z [P, C] of the batch's worst-coded patches, taking a
    residual only if it points away (|cos| <= TWIN_COS) from every atom
    kept or placed, at unit norm, with their Adam moments cleared; c stays
    above 1.05 times the new ||D||^2. Deterministic: processes that pass
    the same arguments make the same moves."""
    D = model.lista.dictionary
    with torch.no_grad():
        K = D.shape[1]
        move = (hits < DEAD_RATE * patches).cpu()
        gram = (D.t() @ D).abs().cpu()
        hits = hits.cpu()
        for a in range(K):
            for b in torch.nonzero(gram[a, a + 1:] > TWIN_COS).flatten().tolist():
                b += a + 1
                if not move[a] and not move[b]:
                    move[a if hits[a] < hits[b] else b] = True
        if not move.any():
            return 0
        residual = residual.to(D.device, D.dtype)
        error = (residual ** 2).sum(1)
        order = torch.argsort(error, descending=True).tolist()
        state = optimizer.state.get(D, {})
        moved, next_patch = 0, 0
        for k in torch.nonzero(move).flatten().tolist():
            candidate = None
            while candidate is None and next_patch < len(order):
                p = order[next_patch]
                next_patch += 1
                if error[p] <= 0:
                    break
                v = residual[p] / error[p].sqrt()
                kept = D[:, ~move.to(D.device)]
                if kept.shape[1] == 0 or (kept.t() @ v).abs().max() <= TWIN_COS:
                    candidate = v
            if candidate is None:
                break
            D[:, k] = candidate
            for key in ("exp_avg", "exp_avg_sq"):
                if key in state:
                    state[key][:, k] = 0
            move[k] = False
            moved += 1
        if moved:
            lipschitz = scvae_ref.spectral_norm_sq(D.detach().double().cpu())
            if model.lista.c.item() < 1.05 * lipschitz:
                model.lista.c.fill_(1.05 * lipschitz)
    return moved


# ---------------------------------------------------------------- files

def init_metadata(meta, given):
    """The metadata of a run from --init: the loss weights given over the
    file's, and what the weights went through before kept in
    "previous_training" (one entry per run, oldest first), as scvae train
    writes them."""
    meta = dict(meta)
    if "steps" in meta:
        entry = f"{meta['steps']} steps:"
        if "train_recipe" in meta:
            entry += f" {meta['train_recipe']}"
        entry += "".join(f" {key}={meta[key]}" for key in LOSS_KEYS if key in meta)
        earlier = meta.get("previous_training")
        meta["previous_training"] = f"{earlier}; {entry}" if earlier else entry
    meta.update({key: repr(float(value)) for key, value in given.items()})
    return meta


def read_start(path, checkpoint, given_weights):
    """A model file (--init, with the loss weights given on the command
    line) or checkpoint (--resume) as a picklable dict."""
    tensors, meta = scvae_ref.read_safetensors(path)
    if not checkpoint:
        meta = init_metadata(meta, given_weights)
    model = scvae_ref.model_from_tensors(tensors, meta, path)
    if model.bottleneck != "lista":
        raise Failure(f"{path}: a {model.bottleneck} model: train-reference trains SC-VAEs "
                      f"(scvae train --bottleneck {model.bottleneck} trains the baselines)", 2)
    start = {"path": path, "meta": meta, "model": scvae_ref.file_state(model)}
    if not checkpoint:
        return start
    for key in (KEY_STEP, KEY_ADAM_T, KEY_SEED, KEY_PLANNED):
        try:
            start[key] = int(meta[key])
        except (KeyError, ValueError):
            raise Failure(f"{path}: not a training checkpoint (metadata {key} is "
                          f"{'missing' if key not in meta else meta[key]})", 2) from None
    start[KEY_ELAPSED] = float(meta.get(KEY_ELAPSED, 0.0))
    start["adam"] = {}
    for name, p in model.named_parameters():
        moments = []
        for moment in ("m", "v"):
            value = tensors.get(f"optimizer.{moment}.{name}")
            if value is None or value.shape != tuple(p.shape):
                raise Failure(f"{path}: optimizer state 'optimizer.{moment}.{name}' is missing "
                              "or has the wrong size", 2)
            moments.append(value)
        start["adam"][name] = moments
    hits = tensors.get("optimizer.atom_hits")
    if hits is None or hits.shape != (model.atoms,):
        raise Failure(f"{path}: optimizer state 'optimizer.atom_hits' is missing or has the "
                      "wrong size", 2)
    start["hits"] = hits
    return start


def write_checkpoint(path, model, optimizer, meta, hits, step, adam_t, seed, planned, elapsed):
    """Model tensors, Adam's moments, the atom hit counts and the counters,
    in scvae's checkpoint format, written atomically."""
    extra = {}
    for moment, key in (("m", "exp_avg"), ("v", "exp_avg_sq")):
        for name, p in model.named_parameters():
            state = optimizer.state.get(p, {})
            value = state.get(key)
            extra[f"optimizer.{moment}.{name}"] = (value.detach().cpu().numpy() if value is not None
                                                   else np.zeros(tuple(p.shape), np.float32))
    extra["optimizer.atom_hits"] = hits.detach().cpu().numpy().astype(np.float32)
    meta = dict(meta)
    meta.update({KEY_STEP: step, KEY_ADAM_T: adam_t, KEY_SEED: seed, KEY_PLANNED: planned,
                 KEY_ELAPSED: f"{elapsed:.1f}"})
    scvae_ref.save_model(model, path, meta, extra)


# ---------------------------------------------------------------- the run

class Run:
    """One process's part of a training run."""

    def __init__(self, args, threads, world):
        self.args = args
        self.threads = threads
        self.world = world
        self.checkpoint_path = args.out + ".ckpt"
        self.stop_signal = 0

    # -- start-up: every process checks, then all compare -----------------

    def recipe(self):
        """What every process must agree on."""
        a = self.args
        keys = ("channels", "atoms", "depth", "beta", "gamma", "l1", "whiten", "center", "lifetime", "crop", "batch",
                "lr", "warmup", "seed", "steps", "minutes", "resample_every", "bn_batches",
                "checkpoint_every", "resume", "amp")
        recipe = {key: getattr(a, key) for key in keys}
        recipe["init"] = os.path.basename(a.init) if a.init else None
        return recipe

    def prepare(self):
        """The local checks, as an error message or None."""
        a, world = self.args, self.world
        try:
            if not a.resume and not a.init and not scvae_ref.is_square(a.channels):
                raise Failure(f"channels must be a perfect square for the DCT dictionary "
                              f"(got {a.channels})", 2)
            if a.batch % world.size:
                raise Failure(f"--batch {a.batch} does not split into {world.size} equal shares", 2)
            if a.amp and world.device.type != "cuda":
                raise Failure("--amp (mixed precision) needs a CUDA GPU; on the CPU train "
                              "without it", 2)
            for path in ([a.out, self.checkpoint_path] if world.rank == 0 else []):
                folder = os.path.dirname(os.path.abspath(path))
                if not os.access(folder, os.W_OK):
                    raise Failure(f"{path}: cannot write into {folder}", 2)
            cache = a.cache_mb * 2 ** 20 if a.cache_mb is not None else self.default_cache()
            self.photos = scvae_data.Photos(a.data, a.crop, cache)
            if a.workers and not self.photos.resident:  # each worker keeps its own photos
                self.photos.cache_bytes = cache / a.workers
            self.start = None
            if world.rank == 0 and (a.resume or a.init):
                path = self.checkpoint_path if a.resume else a.init
                if not os.path.exists(path):
                    raise Failure(f"{path}: no such file"
                                  + (" (nothing to resume)" if a.resume else ""), 2)
                try:
                    self.start = read_start(path, a.resume, a.given_weights)
                except ValueError as err:  # read_safetensors, model_from_tensors
                    raise Failure(str(err), 2) from None
        except (Failure, scvae_data.DataError) as err:
            return str(err), err.status
        except OSError as err:
            return f"{err.filename or ''}: {err.strerror}".lstrip(": "), 2
        return None

    def default_cache(self):
        try:
            memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError):
            memory = 8 << 30
        return memory / 2 / max(self.world.local_size, 1)

    def agree(self, problem):
        """Exchange every process's status and recipe; raise Failure on all
        processes, each with its own line, if any is not ready or they differ."""
        world = self.world
        mine = {"problem": problem, "recipe": self.recipe(),
                "data": None if problem else (len(self.photos), self.photos.digest())}
        everyone = scvae_dist.gather_objects(mine)
        for rank, theirs in enumerate(everyone):
            if theirs["problem"]:
                message, status = theirs["problem"]
                if rank == world.rank:
                    raise Failure(message, status)
                raise Failure(f"stopping: rank {rank} cannot start: {message}", status)
        for rank, theirs in enumerate(everyone[1:], 1):
            for key, value in everyone[0]["recipe"].items():
                if theirs["recipe"].get(key) != value:
                    raise Failure(f"ranks disagree on the recipe: {key} is {value} on rank 0 "
                                  f"and {theirs['recipe'].get(key)} on rank {rank}", 2)
            if theirs["data"] != everyone[0]["data"]:
                (n0, d0), (n, d) = everyone[0]["data"], theirs["data"]
                raise Failure(f"ranks see different photos: {n0} (digest {d0}) on rank 0 and "
                              f"{n} (digest {d}) on rank {rank}", 2)

    # -- the model ---------------------------------------------------------

    def build(self):
        a, world = self.args, self.world
        start = self.start
        if world.distributed:  # rank 0 read the file; everyone needs it
            box = [start]
            torch.distributed.broadcast_object_list(box, src=0)
            start = box[0]
        torch.manual_seed(a.seed)
        if start is None:
            model = scvae_ref.SCVAE(a.channels, a.atoms, a.depth, a.beta, a.gamma, a.l1, a.whiten,
                                    a.center, a.lifetime)
            with torch.no_grad():
                D = torch.from_numpy(scvae_ref.dct_dictionary(a.channels, a.atoms)).float()
                model.lista.dictionary.copy_(D)
                model.lista.c.fill_(scvae_ref.spectral_norm_sq(D.double()))
        else:
            tensors = dict(start["model"])
            model = scvae_ref.model_from_tensors(tensors, start["meta"], start["path"])
        self.meta = {k: v for k, v in (start or {}).get("meta", {}).items()
                     if k not in CHECKPOINT_KEYS}
        self.model = model.to(world.device).train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=a.lr)
        K = self.model.atoms
        self.hits = torch.zeros(K, dtype=torch.float64, device=world.device)
        self.patches = 0
        self.step = 0
        self.adam_t = 0
        self.planned = a.steps or UNPLANNED
        self.elapsed_before = 0.0
        self.seed = a.seed
        if start is not None and "adam" in start:
            self.step = start[KEY_STEP]
            self.adam_t = start[KEY_ADAM_T]
            self.seed = start[KEY_SEED]
            self.planned = start[KEY_PLANNED] or self.planned
            self.elapsed_before = start[KEY_ELAPSED]
            for name, p in self.model.named_parameters():
                m, v = start["adam"][name]
                self.optimizer.state[p] = {
                    "step": torch.tensor(float(self.adam_t)),
                    "exp_avg": torch.from_numpy(m).to(world.device),
                    "exp_avg_sq": torch.from_numpy(v).to(world.device),
                }
            if world.rank == 0:  # hit counts are summed over processes when used
                self.hits += torch.from_numpy(start["hits"]).to(world.device, torch.float64)
        self.noise = batchnorm_fed_biases(self.model)
        if world.distributed:
            scvae_dist.use_global_batchnorm(self.model)
            self.net = nn.parallel.DistributedDataParallel(
                self.model, device_ids=[world.device.index] if world.device.type == "cuda" else None,
                broadcast_buffers=False)  # BatchNorm's buffers are global already
        else:
            self.net = self.model
        self.scaler = torch.cuda.amp.GradScaler() if a.amp else None

    def batches(self, indices):
        a, world = self.args, self.world
        dataset = scvae_data.ShareOfBatches(self.photos, self.seed, a.batch, world.rank, world.size)
        options = {}
        if a.workers:
            options = {"num_workers": a.workers, "prefetch_factor": 2}
        loader = torch.utils.data.DataLoader(dataset, batch_size=None, sampler=indices,
                                             pin_memory=world.device.type == "cuda", **options)
        for x in loader:
            yield x.to(world.device, non_blocking=True)

    # -- steps -------------------------------------------------------------

    def train_step(self, x):
        a = self.args
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate(self.step, self.planned, a.warmup, a.lr)
        with torch.autocast("cuda", enabled=bool(a.amp)):
            out = self.net(x)
        out = scvae_ref.Output(*(None if t is None else t.float() for t in out))
        loss = self.model.loss(x, out, total=scvae_dist.total)
        self.optimizer.zero_grad(set_to_none=False)
        (self.scaler.scale(loss.total) if self.scaler else loss.total).backward()
        for bias in self.noise:
            bias.grad.zero_()
        if self.scaler:
            self.scaler.unscale_(self.optimizer)
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        if self.scaler:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.adam_t += 1
        with torch.no_grad():
            self.model.lista.c.clamp_(min=1e-3)
            D = self.model.lista.dictionary  # unit-length atoms (normalize_atoms)
            D.div_(D.norm(dim=0, keepdim=True).clamp_min(1e-30))
            K = self.model.atoms
            self.hits += (out.z.reshape(-1, K) != 0).sum(0)
            self.patches += out.z.numel() // K
        self.step += 1
        return out, loss

    def resample(self, out):
        C = self.model.channels
        with torch.no_grad():
            residual = (out.e - out.ehat).permute(0, 2, 3, 1).reshape(-1, C).contiguous()
            residual = scvae_dist.gather_rows(residual)  # the global batch's, in rank order
            hits = scvae_dist.total(self.hits.clone())
            # Every process saw as many patches as this one.
            return resample_atoms(self.model, self.optimizer, residual, hits,
                                  self.patches * self.world.size)

    def reestimate_batchnorm(self):
        """Precise BN: BatchNorm's running statistics as the plain average
        over --bn-batches batches of the final weights (statistics of the
        global batches, on any number of processes)."""
        for module in self.model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.reset_running_stats()
                module.momentum = None  # cumulative average
        self.model.train()
        first = BATCHNORM_FIRST_INDEX
        with torch.no_grad():
            for x in self.batches(range(first, first + self.args.bn_batches)):
                self.model(x)
        for module in self.model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.momentum = 0.1

    def provenance(self, elapsed):
        a, world = self.args, self.world
        folders = []
        for path in self.photos.files:
            name = os.path.basename(os.path.dirname(os.path.abspath(path)))
            if name not in folders:
                folders.append(name)
        meta = dict(self.meta)
        for key in ("atom_usage", "atom_mean_abs"):  # measured by scvae's validation, now stale
            meta.pop(key, None)
        device = f"{world.size} x {world.device.type}" if world.distributed else world.device.type
        meta.update({
            "data": f"{len(self.photos)} images in {', '.join(folders)}",
            "data_files": ",".join(os.path.basename(p) for p in self.photos.files),
            "steps": self.step,
            "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
            "train_seconds": round(elapsed),
            "train_recipe": f"batch={a.batch} crop={a.crop} lr={a.lr:g} seed={self.seed}",
            "trainer": f"PyTorch {torch.__version__} train-reference, {device}"
                       + (f" ({world.backend})" if world.distributed else "")
                       + (", amp" if a.amp else ""),
        })
        return meta

    def save(self, elapsed):
        """Rank 0 writes the model and the checkpoint; every process must
        call this (the hit counts are summed)."""
        hits = scvae_dist.total(self.hits.clone())
        if self.world.rank != 0:
            return
        meta = self.provenance(elapsed)
        model = self.model
        was_training = model.training
        scvae_ref.save_model(model.eval(), self.args.out, meta)
        write_checkpoint(self.checkpoint_path, model, self.optimizer, meta, hits, self.step,
                         self.adam_t, self.seed, self.planned, elapsed)
        model.train(was_training)

    def check_replicas(self):
        """Every process must hold the same weights; a cheap fingerprint."""
        if not self.world.distributed:
            return
        with torch.no_grad():
            fingerprint = sum(float(p.double().sum()) + float((p.double() ** 2).sum())
                              for p in self.model.parameters())
        values = scvae_dist.gather_objects(fingerprint)
        if any(v != values[0] for v in values):
            raise Failure(f"processes hold different weights at step {self.step} "
                          f"(fingerprints {values})")

    # -- the loop ----------------------------------------------------------

    def run(self):
        a, world = self.args, self.world
        loud = world.rank == 0
        tty = loud and sys.stderr.isatty()
        budget = a.minutes * 60 if a.minutes else math.inf
        reserve = 0.0
        first_step = self.step
        log = None
        if loud and a.log:
            fresh = not os.path.exists(a.log)
            log = open(a.log, "a", encoding="utf-8")
            if fresh:
                log.write(LOG_HEADER)
        if loud:
            share = f"{a.batch // world.size} crops each" if world.distributed else "one process"
            where = (f"{world.size} processes ({world.backend}, {share}), " if world.distributed
                     else "")
            report(world, f"training {a.out} on {len(self.photos)} images from step {self.step}, "
                          f"{where}{world.device.type}, {self.threads} thread"
                          f"{'s' if self.threads != 1 else ''} per process"
                          + ("" if self.photos.resident else ", photos decoded as needed"))

        def done_before(elapsed):
            return (a.steps is not None and self.step >= a.steps) or elapsed >= budget

        start = time.monotonic()
        interrupted = False
        keep_going = not done_before(self.elapsed_before)
        ema = None
        resampled = 0
        last_line = 0
        batches = self.batches(itertools.count(self.step)) if keep_going else iter(())
        while keep_going:
            x = next(batches)
            out, loss = self.train_step(x)
            run_elapsed = time.monotonic() - start
            elapsed = self.elapsed_before + run_elapsed
            # A time budget: size the cosine schedule by the measured speed
            # (rank 0's, for everyone).
            calibrate = a.steps is None and self.step - first_step == CALIBRATION_STEPS
            if calibrate:
                step_s = run_elapsed / CALIBRATION_STEPS
                reserve = a.bn_batches * FORWARD_SHARE_OF_STEP * step_s
                if self.planned == UNPLANNED:
                    self.planned = self.step + int((budget - reserve - elapsed) / step_s)
            # One small exchange per step: stop requests, rank 0's clock and
            # schedule, and the losses for the progress line.
            news = torch.tensor([
                float(self.stop_signal != 0),
                float(world.rank == 0 and elapsed + reserve >= budget),
                float(self.planned if world.rank == 0 and calibrate else 0),
                loss.total.item(), loss.image.item(),
                float((out.z != 0).sum()) / out.z.numel(),
                float(out.e.detach().square().mean()),
            ], dtype=torch.float64)
            if world.distributed:
                news = news.to(world.device)
                torch.distributed.all_reduce(news)
                news = news.cpu()
                news[3:] /= world.size
            stop_requested, out_of_time = news[0] > 0, news[1] > 0
            if calibrate:
                self.planned = int(news[2])
            total, image, active, feature_ms = news[3:].tolist()
            if self.step % a.resample_every == 0:
                if self.step < (1 - RESAMPLE_STOP) * self.planned:
                    resampled = self.resample(out)
                self.hits.zero_()
                self.patches = 0
            keep_going = not (stop_requested or out_of_time
                              or (a.steps is not None and self.step >= a.steps))
            interrupted = bool(stop_requested)
            if keep_going and a.checkpoint_every and self.step % a.checkpoint_every == 0:
                self.check_replicas()
                self.save(elapsed)

            ema = [total, image, active] if ema is None else \
                [(1 - EMA_WEIGHT) * e + EMA_WEIGHT * v for e, v in zip(ema, [total, image, active])]
            if loud:
                psnr = 10 * math.log10(4 / ema[1]) if ema[1] > 0 else math.inf
                rate = (self.step - first_step) * a.batch / run_elapsed
                lr = learning_rate(self.step - 1, self.planned, a.warmup, a.lr)
                line = (f"step {self.step}: loss {ema[0]:.4f}, train PSNR {psnr:.2f} dB, "
                        f"{100 * ema[2]:.1f}% active, {rate:.1f} images/s, lr {lr:.2e}"
                        + (f", {resampled} atoms resampled" if resampled else ""))
                if tty:
                    sys.stderr.write("\r" + line + "\033[K")
                    sys.stderr.flush()
                elif self.step - last_line >= a.log_every or not keep_going:
                    report(world, line)
                    last_line = self.step
                if log and (self.step % 50 == 0 or not keep_going):
                    log.write(f"{self.step},{elapsed:.2f},{ema[0]:.6f},{psnr:.4f},,,{ema[2]:.5f},"
                              f",,,,,{self.model.lista.c.item():.4g},{math.sqrt(feature_ms):.4g}\n")
                    log.flush()
                resampled = 0

        if tty:
            sys.stderr.write("\r\033[K")
        if interrupted:
            if loud:
                report(world, f"interrupted at step {self.step}, saving a checkpoint")
        else:
            self.reestimate_batchnorm()
        elapsed = self.elapsed_before + time.monotonic() - start
        self.check_replicas()
        self.save(elapsed)
        if log:
            log.close()
        if loud:
            report(world, f"wrote {a.out} and {self.checkpoint_path} at step {self.step}")
        return 130 if interrupted else 0


def train(args, threads):
    torch.set_num_threads(threads)
    world = None
    try:
        world = scvae_dist.world_from_environment()
        if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()):
            if not torch.cuda.is_available():
                raise Failure("--device cuda: no CUDA device here", 2)
            world.device = torch.device("cuda", world.local_rank % torch.cuda.device_count())
        run = Run(args, threads, world)

        def on_signal(signum, _frame):
            run.stop_signal = signum
            signal.signal(signum, signal.SIG_DFL)  # a second one ends at once
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

        problem = run.prepare()
        if not world.distributed and problem:
            raise Failure(*problem)
        scvae_dist.connect(world, args.timeout)
        run.agree(problem)
        run.build()
        status = run.run()
        if status == 0:
            scvae_dist.wait_for_all()
    except (LaunchError, Failure, scvae_data.DataError) as err:
        report(world or scvae_dist.World(), str(err))
        status = err.status
    except Exception as err:  # noqa: BLE001: a collective that failed, or a bug
        if world is None or not world.distributed:
            raise
        where = f" at step {run.step}" if hasattr(run, "step") else ""
        report(world, f"stopped{where}: {scvae_dist.first_line(err)}")
        status = 1
    finally:
        try:
            scvae_dist.disconnect()
        except Exception:  # noqa: BLE001: the group may be broken already
            pass
    return status
