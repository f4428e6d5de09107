"""Training crops for train-reference: photos, the crop plan, batches.

As scvae's trainer (src/engine/dataset.c): every photo is used at up to
2048 px on its long side and also at 1024, 768 and 512 px (the scales
below 90 % of the largest and not smaller than a crop), and every crop
picks a photo, one of its scales, a position and maybe a mirror flip.

The crops of global batch i are a pure function of (seed, i): crop_plan()
draws the whole list of B crops from one generator seeded with (seed, i),
and process r of N materialises the crops r*B/N ... (r+1)*B/N - 1 of it.
So N processes train on exactly the batches one process trains on (the
sharding of torch's DistributedSampler, which also shares one seed), a run
resumed at step i on any number of processes continues with the batches
of the uninterrupted run, and the random state a checkpoint needs is the
seed alone. (Independent seeds per process would also give unbiased
batches, but then a run's data would depend on its number of processes:
two runs could not be compared, nor one resumed on another count.)

Photos are decoded once and kept in memory when all their scales fit in
the cache budget (a 2048x1365 photo needs about 12 MB); otherwise each
process keeps the most recently used ones up to the budget and decodes the
others when a crop needs them, the same pixels either way.
"""

import collections
import hashlib
import os

import numpy as np
import torch
from PIL import Image

MAX_SIDE = 2048
EXTRA_SCALES = (1024, 768, 512)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".ppm",
                  ".pgm", ".pnm")


class DataError(Exception):
    """A data problem; str() is one line naming the file."""

    status = 2


def _is_image_name(path):
    return path.lower().endswith(IMAGE_SUFFIXES)


def _collect(path, out):
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file or directory")
    if os.path.isdir(path):
        try:
            names = sorted(os.listdir(path))
        except OSError as err:
            raise DataError(f"{path}: {err.strerror}") from None
        for name in names:
            child = os.path.join(path, name)
            if os.path.isdir(child):
                _collect(child, out)
            elif _is_image_name(child):
                out.append(child)
    elif _is_image_name(path) or not os.path.isfile(path):
        out.append(path)
    else:  # a text list of images, relative to its folder
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except UnicodeDecodeError:
            raise DataError(f"{path}: neither an image nor a text list of images") from None
        except OSError as err:
            raise DataError(f"{path}: {err.strerror}") from None
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                _collect(os.path.join(os.path.dirname(path), line), out)


def list_images(paths):
    """The image files of folders (recursively, sorted), images and lists,
    as scvae train finds them."""
    files = []
    for path in paths:
        _collect(path, files)
    if not files:
        raise DataError(f"{paths[0] if paths else '(no paths)'}: no images found")
    return files


def scale_sizes(width, height, crop):
    """[(w, h)] of a width x height photo's scales, largest first."""
    f = MAX_SIDE / max(width, height)
    if f < 1:
        width, height = int(width * f + 0.5), int(height * f + 0.5)
    sizes = [(width, height)]
    for side in EXTRA_SCALES:
        f = side / max(width, height)
        w, h = int(width * f + 0.5), int(height * f + 0.5)
        if f < 0.9 and min(w, h) >= crop:
            sizes.append((w, h))
    return sizes


class Photos:
    """The training photos: their scales' sizes from the file headers, and
    their pixels through a cache of at most cache_bytes."""

    def __init__(self, paths, crop, cache_bytes):
        self.files = list_images(paths)
        self.crop = crop
        self.sizes = []
        for path in self.files:
            try:
                with Image.open(path) as image:
                    width, height = image.size
            except (OSError, ValueError, Image.DecompressionBombError) as err:
                raise DataError(f"{path}: not a readable image ({err})") from None
            if min(width, height) < crop:
                raise DataError(f"{path}: {width}x{height} is smaller than the {crop} px training crop")
            self.sizes.append(scale_sizes(width, height, crop))
        self.nbytes = sum(3 * w * h for sizes in self.sizes for w, h in sizes)
        self.cache_bytes = cache_bytes
        self.cache = collections.OrderedDict()
        self.cached_bytes = 0
        self.resident = self.nbytes <= cache_bytes
        if self.resident:
            for i in range(len(self.files)):
                self.pyramid(i)

    def __len__(self):
        return len(self.files)

    def digest(self):
        """A short fingerprint of the file names and sizes, for comparing the
        data that several processes see."""
        h = hashlib.sha256()
        for path, sizes in zip(self.files, self.sizes):
            h.update(f"{os.path.basename(path)}:{sizes[0]}\n".encode())
        return h.hexdigest()[:16]

    def pyramid(self, i):
        """Photo i's scales as uint8 arrays [h, w, 3], largest first."""
        if i in self.cache:
            self.cache.move_to_end(i)
            return self.cache[i]
        path = self.files[i]
        try:
            with Image.open(path) as image:
                image = image.convert("RGB")
        except (OSError, ValueError) as err:
            raise DataError(f"{path}: cannot decode ({err})") from None
        sizes = self.sizes[i]
        if image.size != sizes[0]:
            image = image.resize(sizes[0], Image.LANCZOS)
        scales = [np.asarray(image)]
        scales += [np.asarray(image.resize(size, Image.LANCZOS)) for size in sizes[1:]]
        nbytes = sum(a.nbytes for a in scales)
        while self.cache and self.cached_bytes + nbytes > self.cache_bytes:
            _, old = self.cache.popitem(last=False)
            self.cached_bytes -= sum(a.nbytes for a in old)
        if nbytes <= self.cache_bytes:
            self.cache[i] = scales
            self.cached_bytes += nbytes
        return scales


def crop_plan(sizes, seed, index, size, crop):
    """The crops of global batch `index`: [(photo, scale, y, x, flip)] * size."""
    rng = np.random.default_rng([seed, index])
    plan = []
    for _ in range(size):
        p = int(rng.integers(len(sizes)))
        s = int(rng.integers(len(sizes[p])))
        w, h = sizes[p][s]
        y = int(rng.integers(h - crop + 1))
        x = int(rng.integers(w - crop + 1))
        plan.append((p, s, y, x, bool(rng.integers(2))))
    return plan


def materialise(photos, plan):
    """The crops of plan as float32 [n, 3, crop, crop] in [-1, 1]."""
    crop = photos.crop
    out = np.empty((len(plan), 3, crop, crop), np.float32)
    for b, (p, s, y, x, flip) in enumerate(plan):
        patch = photos.pyramid(p)[s][y:y + crop, x:x + crop]
        if flip:
            patch = patch[:, ::-1]
        out[b] = patch.transpose(2, 0, 1) / np.float32(127.5) - np.float32(1.0)
    return out


class ShareOfBatches(torch.utils.data.Dataset):
    """Item i: this process's share of global batch i, a tensor
    [batch / processes, 3, crop, crop]. For a torch DataLoader, so that
    worker processes can cut crops while the model trains."""

    def __init__(self, photos, seed, batch, rank=0, processes=1):
        self.photos = photos
        self.seed = seed
        self.batch = batch
        self.share = batch // processes
        self.first = rank * self.share

    def __getitem__(self, index):
        plan = crop_plan(self.photos.sizes, self.seed, index, self.batch, self.photos.crop)
        return torch.from_numpy(materialise(self.photos, plan[self.first:self.first + self.share]))

    def __len__(self):  # indices are unbounded; the sampler picks them
        return 2 ** 62
