"""Generation time of GAN panoramas: baseline vs previzkit's inference paths.

Run: ``python3 benchmarks/genai.py [--device cpu|cuda] [--threads 2] [--reps 3]``.
Prints median seconds per panorama (noise -> image in host memory) and ratios
against the baseline measured in the same process:

- baseline: a straightforward PSGAN generator as first measured here (0.5 M
  parameters, widths 192-96-48-24, transposed convolutions, batch norm as separate
  layers, NCHW, eval mode under ``torch.no_grad``);
- PSGAN 0.3M (widths 128-64-32-16, resize-convolution: the shipped ground model),
  same straightforward path, then with FastGenerator (batch norm folded into the
  convolutions, channels-last, ``torch.inference_mode``, uint8 written directly);
- environment model (``environment.pt``): the whole
  :func:`~previzkit.genai.environment.generate_environment` call, generating at its
  native 128x64 and upsampling to the size asked for, returning float32 radiance and
  the uint8 sRGB view.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def main() -> None:
    import torch

    from previzkit.genai.checkpoint import load_checkpoint
    from previzkit.genai.environment import generate_environment, load_env_checkpoint
    from previzkit.genai.model import Generator, ModelConfig, init_weights
    from previzkit.genai.sample import FastGenerator, seeded_noise, to_uint8
    from previzkit.genai.train import recalibrate_batchnorm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sizes", default="2048x1024,4096x2048")
    ap.add_argument(
        "--model",
        default=None,
        help="a PSGAN checkpoint for the PSGAN rows (default: assets ground_gravel.pt)",
    )
    ap.add_argument("--condition", default="night", help="environment model condition")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)

    def make(cfg: ModelConfig) -> Generator:
        torch.manual_seed(0)
        g = Generator(cfg)
        init_weights(g)
        return recalibrate_batchnorm(g, 4, 2, 4, 0, torch.device("cpu")).to(dev).eval()

    baseline = make(ModelConfig(g_channels=(192, 96, 48, 24), upsample="transpose"))
    shipped = make(ModelConfig())
    assets = Path(__file__).resolve().parents[1] / "previzkit/assets/models/genai"
    path = Path(args.model) if args.model else assets / "ground_gravel.pt"
    if path.exists():  # the trained weights (an untrained net costs the same)
        shipped = load_checkpoint(path).build_generator(dev)
    env = load_env_checkpoint(assets / "environment.pt").build_generator(dev)

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def plain(g: Generator, seed: int, w: int, h: int):
        with torch.no_grad():
            n = seeded_noise(g, seed, h // g.stride, w // g.stride)
            n.local, n.global_, n.phase = n.local.to(dev), n.global_.to(dev), n.phase.to(dev)
            return to_uint8(g(n))[0].cpu().numpy()

    fast_cache: dict[int, FastGenerator] = {}

    def fast(g: Generator, seed: int, w: int, h: int):
        f = fast_cache.setdefault(id(g), FastGenerator(g).to(dev))
        with torch.inference_mode():
            n = seeded_noise(g, seed, h // g.stride, w // g.stride)
            n.local, n.global_, n.phase = n.local.to(dev), n.global_.to(dev), n.phase.to(dev)
            return f(g.make_input(n))[0].cpu().numpy()

    def environment(g, seed: int, w: int, h: int):
        e = generate_environment(g, args.condition, seed, w, h, device=dev)
        return e.radiance, e.srgb

    rows = [
        ("baseline 0.5M, plain", baseline, plain),
        ("PSGAN 0.3M resize, plain", shipped, plain),
        ("PSGAN 0.3M resize, FastGen", shipped, fast),
        ("environment 1.1M (128x64 up)", env, environment),
    ]
    nparams = {id(g): sum(p.numel() for p in g.parameters()) for _, g, _ in rows}
    print(f"device {dev}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    for size in args.sizes.split(","):
        w, h = (int(v) for v in size.split("x"))
        print(f"\n{w}x{h}")
        for _, g, fn in rows:
            fn(g, 0, w, h)  # warm up
        times: list[list[float]] = [[] for _ in rows]
        # Interleaved: each repetition times every variant, so load changes on a
        # shared machine hit all of them alike.
        for r in range(args.reps):
            for i, (_, g, fn) in enumerate(rows):
                sync()
                t = time.perf_counter()
                fn(g, r, w, h)
                sync()
                times[i].append(time.perf_counter() - t)
        base = statistics.median(times[0])
        for (label, g, _), ts in zip(rows, times, strict=True):
            med = statistics.median(ts)
            print(
                f"  {label:<30} {nparams[id(g)] / 1e6:4.2f} M  median {med:6.3f} s"
                f"  min {min(ts):6.3f} s  x{base / med:4.2f} vs baseline"
            )


if __name__ == "__main__":
    main()
