"""previzkit.genai: GAN backgrounds (periodic spatial GAN), trained and sampled with torch.

Public entry points (import the submodules; this package imports no torch):

- :func:`previzkit.genai.panorama.panorama_image` (model, seed, width, height) -> uint8
  equirect panorama that wraps at 360°, cached by model hash + seed + size;
- :func:`previzkit.genai.panorama.ground_texture` (model, seed, size) -> tileable texture;
- :func:`previzkit.genai.train.train`, :func:`previzkit.genai.sample.generate`,
  :func:`previzkit.genai.evaluate.evaluate`, :mod:`previzkit.genai.cubemap`.

Shipped models: ``assets/models/genai/night_sky.pt`` and ``ground_gravel.pt``.
"""

SHIPPED_MODELS = {"night_sky": "night_sky.pt", "ground_gravel": "ground_gravel.pt"}


def shipped_model(name: str):
    """Path of a shipped checkpoint by name ('night_sky', 'ground_gravel')."""
    from previzkit.core.errors import ModelNotFound
    from previzkit.core.resources import asset_path

    if name not in SHIPPED_MODELS:
        raise ModelNotFound(
            f"no shipped GAN model {name!r}; shipped: {', '.join(sorted(SHIPPED_MODELS))}"
        )
    return asset_path("models", "genai", SHIPPED_MODELS[name])
