"""Data-parallel training of the reference SC-VAE: processes, launch, BatchNorm.

train-reference runs as one process, or as one of N processes that each
train on a share of every global batch and average their gradients
(torch DistributedDataParallel). This module holds what that needs:

  - World: who this process is (rank, world size, local rank, device),
    read from the environment a launcher sets: torchrun's RANK, WORLD_SIZE,
    LOCAL_RANK, MASTER_ADDR, MASTER_PORT, or, in a task srun started,
    Slurm's SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID (then MASTER_ADDR
    must be exported by the job script);
  - connect(): the rendezvous, with a timeout, so that a bad launch ends
    with an error instead of waiting forever;
  - launch_local(): `--procs N`, N processes on this machine over gloo,
    started with those variables set (Debian 12's torchrun fails at
    start-up, see PLATFORM-NOTES);
  - GlobalBatchNorm2d: BatchNorm whose training statistics are those of the
    global batch (torch.nn.SyncBatchNorm refuses CPU tensors in 1.13);
  - total(): a differentiable sum over processes.

Why N processes compute the gradient of the global batch, exactly
-----------------------------------------------------------------
Let the global batch of B crops be split into N equal shares, one per
process, and let L = image + gamma * latent + l1 * |z| + whiten * W
+ center * M0 be the loss a single process computes on the whole batch.

  - image, latent and l1 are means over elements of the batch; with equal
    shares, each is the mean over processes of the same mean on a share:
    image = (1/N) sum_r image_r.
  - W = |M - I|^2 / C^2 with M = E^T E / P over all P positions is not a
    mean of per-share terms. Every process computes M from
    S = sum_r E_r^T E_r and P = sum_r P_r, each summed with total(), and
    puts the whole W in its loss: W = (1/N) sum_r W.
  - M0 = |m|^2 / C with the mean m = sum_r E_r^T 1 / P likewise: the column
    sums are summed with total() in the same call, and so are the lifetime
    term's active counts and |z| sums per atom.
  - BatchNorm normalises with the mean and variance over the global batch,
    summed the same way (GlobalBatchNorm2d).

So L = (1/N) sum_r L_r, where process r computes L_r from its own share and
the sums. total() is torch.distributed.nn.functional.all_reduce, whose
backward is again an all-reduce sum of the incoming gradients: process r
receives for its own contribution x_r to a sum y = sum_s x_s the gradient
sum_s dL_s/dy. Its parameter gradient g_r is the gradient of L_r along its
own paths plus (sum_s dL_s/dy) dx_r/dtheta. DistributedDataParallel then
averages: (1/N) sum_r g_r = (1/N) [sum_r dL_r/dtheta|own paths
+ sum_r (sum_s dL_s/dy) dx_r/dtheta], which is the chain rule for
(1/N) sum_s L_s = L. Every process therefore holds the gradient of L, up to
the order of float additions; clipping, Adam and the projections of D and
c then do the same on every process. (Gradients that are zero in exact
arithmetic, the biases of convolutions that feed a BatchNorm, are set to
zero: see train-reference.)
"""

import ctypes
import datetime
import os
import signal
import socket
import subprocess
import sys
import time

import torch
import torch.distributed as dist
from torch import nn


class LaunchError(Exception):
    """A launch that cannot train; str() is one line, status the exit code
    (2: the user's input, 1: the environment)."""

    def __init__(self, message, status=1):
        super().__init__(" ".join(str(message).split()))
        self.status = status


def first_line(error):
    """A torch exception's message as one line (they can span many)."""
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


class World:
    """This process: rank of size, on device; distributed if size > 1."""

    def __init__(self, rank=0, size=1, local_rank=0, local_size=1, master=None):
        self.rank = rank
        self.size = size
        self.local_rank = local_rank
        self.local_size = local_size
        self.master = master  # (address, port) or None
        self.device = torch.device("cpu")

    @property
    def distributed(self):
        return self.size > 1

    @property
    def name(self):
        return f"rank {self.rank}/{self.size}" if self.distributed else ""

    @property
    def backend(self):
        return "nccl" if self.device.type == "cuda" else "gloo"


def _int_variable(environ, name):
    text = environ.get(name)
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise LaunchError(f"{name}={text!r} is not a whole number", 2) from None
    if value < 0:
        raise LaunchError(f"{name}={text!r} is negative", 2)
    return value


def world_from_environment(environ=None):
    """The World a launcher describes in the environment (one process if none)."""
    environ = os.environ if environ is None else environ
    if "RANK" in environ or "WORLD_SIZE" in environ:
        names = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")
    elif "SLURM_STEP_ID" in environ and "SLURM_PROCID" in environ and "SLURM_NTASKS" in environ:
        # A task of srun (a job script itself has no step id: run there
        # directly, it is one process).
        names = ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE")
    else:
        return World()
    for name in names[:2]:
        if name not in environ:
            raise LaunchError(f"{names[1 - names.index(name)]} is set but {name} is not", 2)
    rank, size = _int_variable(environ, names[0]), _int_variable(environ, names[1])
    if size < 1 or rank >= size:
        raise LaunchError(f"{names[0]}={rank} does not fit {names[1]}={size}", 2)
    local_rank = _int_variable(environ, names[2]) if names[2] in environ else 0
    local_size = 1
    if names[3] in environ:
        # Slurm writes e.g. "4" or "4(x2)"; the first number is this node's.
        local_size = _int_variable({names[3]: environ[names[3]].split("(")[0]}, names[3])
    if size == 1:
        return World()
    if not environ.get("MASTER_ADDR"):
        raise LaunchError(f"MASTER_ADDR is not set: {size} processes cannot meet without the "
                          "address of rank 0 (torchrun sets it; under Slurm export it in the job "
                          "script, see README)", 2)
    port = _int_variable(environ, "MASTER_PORT") if "MASTER_PORT" in environ else 29500
    if not 0 < port < 65536:
        raise LaunchError(f"MASTER_PORT={port} is not a port number", 2)
    return World(rank, size, local_rank, max(local_size, 1), (environ["MASTER_ADDR"], port))


def connect(world, timeout):
    """Join the process group of world, or raise LaunchError after timeout s.

    The same timeout then bounds every collective operation, so a process
    that stops answering ends the others' wait too (a process that exits
    ends it at once: its connections close)."""
    if not world.distributed:
        return
    if world.device.type == "cuda":
        torch.cuda.set_device(world.device)
    address, port = world.master
    limit = datetime.timedelta(seconds=timeout)
    try:
        # As torch's env:// rendezvous: under torchrun the agent may host
        # the store (then every rank is a client), else rank 0 hosts it.
        # (wait_for_workers=True would wait out the timeout twice.)
        if os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == "True":
            store = dist.PrefixStore(
                f"/worker/attempt_{os.environ.get('TORCHELASTIC_RESTART_COUNT', '0')}",
                dist.TCPStore(address, port, world.size, False, timeout=limit))
        else:
            store = dist.TCPStore(address, port, world.size, world.rank == 0, timeout=limit,
                                  wait_for_workers=False)
        dist.init_process_group(world.backend, store=store, rank=world.rank,
                                world_size=world.size, timeout=limit)
    except Exception as err:  # noqa: BLE001 (torch raises several kinds)
        what = (f"not all {world.size} processes came to {address}:{port}" if world.rank == 0
                else f"rank 0 did not answer at {address}:{port}")
        raise LaunchError(f"{what} within {timeout:g} s ({first_line(err)})") from None


def wait_for_all():
    """Returns when every rank has finished its run, so that none tears its
    group down while another still works: a rank that did so while rank 0
    was saving aborted once in gloo's teardown ("terminate called without
    an active exception", CI)."""
    if is_distributed():
        dist.barrier()


def disconnect():
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def is_distributed():
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def total(t):
    """The sum of t over all processes, differentiable (its backward sums
    the gradients of all processes); t itself with one process."""
    if not is_distributed():
        return t
    import torch.distributed.nn.functional as distributed_nn
    return distributed_nn.all_reduce(t)


def gather_objects(value):
    """[value of rank 0, value of rank 1, ...] on every process."""
    if not is_distributed():
        return [value]
    values = [None] * dist.get_world_size()
    dist.all_gather_object(values, value)
    return values


def gather_rows(rows):
    """The rows of every process, concatenated in rank order (no gradient)."""
    if not is_distributed():
        return rows
    parts = [torch.empty_like(rows) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, rows.contiguous())
    return torch.cat(parts)


# ---------------------------------------------------------------- BatchNorm

class GlobalBatchNorm2d(nn.BatchNorm2d):
    """nn.BatchNorm2d whose training-mode statistics are those of the global
    batch. Each process takes its share's count n_r, mean m_r and sum of
    squared deviations M2_r (two passes, in float32 as one process would);
    one total() in float64 gives n = sum n_r, the mean sum n_r m_r / n and
    M2 = sum (M2_r + n_r m_r^2) - n mean^2 (the parallel-variance formula;
    its subtraction is harmless in float64). One exchange per layer forward
    and one backward: on a busy machine each costs milliseconds. Same
    parameters, buffers and state_dict names as nn.BatchNorm2d, so model
    files do not change; with one process, or in eval mode, it is
    nn.BatchNorm2d."""

    def forward(self, x):
        if not (self.training and is_distributed()):
            return super().forward(x)
        # As nn.BatchNorm2d: momentum None means a cumulative average.
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        C = x.shape[1]
        shape = (1, C, 1, 1)
        xf = x.float()
        n_r = xf.numel() // C
        m_r = xf.mean((0, 2, 3))
        M2_r = (xf - m_r.view(shape)).square().sum((0, 2, 3))
        m_r, M2_r = m_r.double(), M2_r.double()
        sums = total(torch.cat([n_r * m_r, M2_r + n_r * m_r.square(), m_r.new_tensor([n_r])]))
        n = sums[2 * C]
        mean = sums[:C] / n
        var = ((sums[C:2 * C] - n * mean.square()) / n).clamp_min(0)
        y = (xf - mean.float().view(shape)) * torch.rsqrt(var.float() + self.eps).view(shape)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        if self.track_running_stats:
            with torch.no_grad():
                count = float(n)
                self.running_mean.mul_(1 - factor).add_(factor * mean.float())
                self.running_var.mul_(1 - factor).add_(
                    factor * count / max(count - 1, 1) * var.float())
        return y.to(x.dtype)


def use_global_batchnorm(module):
    """Turn every nn.BatchNorm2d in module into a GlobalBatchNorm2d in place,
    sharing its parameters and buffers."""
    for name, child in module.named_children():
        if type(child) is nn.BatchNorm2d:
            new = GlobalBatchNorm2d(child.num_features, child.eps, child.momentum, child.affine,
                                    child.track_running_stats)
            new.training = child.training
            if child.affine:
                new.weight, new.bias = child.weight, child.bias
            if child.track_running_stats:
                new.running_mean = child.running_mean
                new.running_var = child.running_var
                new.num_batches_tracked = child.num_batches_tracked
            setattr(module, name, new)
        else:
            use_global_batchnorm(child)
    return module


# ---------------------------------------------------------------- --procs N

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In a child: get SIGKILL when the launcher dies (even by SIGKILL), so
    a killed run leaves no process training on."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def launch_local(procs, argv, extra_env=None, grace=30.0):
    """Run `python3 argv...` as procs processes over gloo on 127.0.0.1, each
    with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and
    MASTER_PORT set, as torchrun would. Ctrl-C reaches them directly (same
    process group); SIGTERM is passed on. When one fails, the others
    normally stop by themselves (their collectives fail); those still
    running after grace seconds are terminated. Returns the exit status:
    the first non-zero one, or 0."""
    port = free_port()
    children = []
    for rank in range(procs):
        env = dict(os.environ)
        env.update(extra_env or {})
        env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                   WORLD_SIZE=str(procs), LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(procs))
        children.append(subprocess.Popen([sys.executable] + argv, env=env,
                                         preexec_fn=_die_with_parent))

    def forward(signum, _frame):
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, lambda *_: None)  # the children get it themselves
    status, failed_at = 0, None
    while any(child.poll() is None for child in children):
        for child in children:
            code = child.poll()
            if code not in (None, 0) and status == 0:
                status = code if code > 0 else 128 - code
                failed_at = time.monotonic()
        if failed_at is not None and time.monotonic() - failed_at > grace:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            failed_at = time.monotonic() + 3600
        time.sleep(0.05)
    for child in children:
        code = child.returncode
        if code != 0 and status == 0:
            status = code if code > 0 else 128 - code
    return status
