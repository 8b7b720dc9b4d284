"""previzkit.genai: GAN backgrounds, trained and sampled with torch.

Public entry points (import the submodules; this package imports no torch):

- :func:`previzkit.genai.environment.generate_environment` (model, condition, seed,
  width, height) -> a 360° HDR environment (float32 radiance + uint8 sRGB view) from
  the conditional environment model, for ``night``, ``dusk``, ``day`` or ``interior``
  (:func:`previzkit.model.conditions.condition_for_heading` picks one from a scene
  heading); :func:`previzkit.genai.envtrain.train_environment` trains one;
- :func:`previzkit.genai.panorama.panorama_image` (model, seed, width, height,
  condition=...) -> uint8 equirect panorama that wraps at 360°, cached by model hash +
  seed + size (+ condition), from an environment model or a PSGAN sky;
- :func:`previzkit.genai.panorama.ground_texture` (model, seed, size) -> tileable texture;
- :func:`previzkit.genai.train.train`, :func:`previzkit.genai.sample.generate`,
  :func:`previzkit.genai.evaluate.evaluate`, :mod:`previzkit.genai.cubemap`.

Shipped models (``assets/models/genai``): ``environment.pt`` (the conditional
environment model) and ``ground_gravel.pt`` (a PSGAN floor texture).
"""

SHIPPED_MODELS = {"ground_gravel": "ground_gravel.pt"}  # PSGAN textures
ENVIRONMENT_MODEL = "environment.pt"


def shipped_model(name: str):
    """Path of a shipped checkpoint by name ('environment', 'ground_gravel')."""
    from previzkit.core.errors import ModelNotFound
    from previzkit.core.resources import asset_path

    if name == "environment":
        return asset_path("models", "genai", ENVIRONMENT_MODEL)
    if name not in SHIPPED_MODELS:
        raise ModelNotFound(
            f"no shipped GAN model {name!r}; shipped: environment, "
            + ", ".join(sorted(SHIPPED_MODELS))
        )
    return asset_path("models", "genai", SHIPPED_MODELS[name])
