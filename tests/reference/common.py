"""Helpers of the tests of tools/reference/ (run by meson with /usr/bin/python3)."""

import json
import os
import subprocess
import sys
import time

ROOT = os.environ.get("MESON_SOURCE_ROOT",
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REFERENCE = os.path.join(ROOT, "tools", "reference")
TRAIN = os.path.join(REFERENCE, "train-reference")
SAMPLES = os.path.join(ROOT, "data", "samples")
SCVAE = os.environ.get("SCVAE", os.path.join(ROOT, "_build", "src", "cli", "scvae"))
PYTHON = "/usr/bin/python3"

sys.path.insert(0, REFERENCE)

failures = []


def check(name, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
    if not ok:
        failures.append(name)
    return ok


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
        return 1
    print("all checks passed")
    return 0


def environment(**extra):
    """The environment of a train-reference process: none of a launcher's
    variables unless given."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                        "MASTER_PORT", "SLURM_STEP_ID", "SLURM_PROCID", "SLURM_NTASKS",
                        "SLURM_LOCALID", "TORCHELASTIC_USE_AGENT_STORE")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(argv, timeout=600, **kwargs):
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    done.seconds = time.monotonic() - started
    return done


def metadata(path):
    """A safetensors file's __metadata__, or {} if it cannot be read yet."""
    try:
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            return json.loads(f.read(n)).get("__metadata__", {})
    except (OSError, ValueError):
        return {}


def scvae(*args, timeout=300):
    return run([SCVAE, *args], timeout=timeout)
