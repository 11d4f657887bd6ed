"""Build hook: the wheel ships the model trained from the content it ships, so a fresh install never trains.

Training takes seconds to tens of seconds (scikit-learn's import and the fit); a first ``botox-bot ask`` that
trains was the slowest thing a new user met. At wheel-build time this hook builds the engine from the repository's
content exactly as ``botox-bot`` does at start-up (``Engine.from_config``), with an empty cache folder, and adds
the model it cached to the wheel as ``botox_bot/_model/intent-model-<content hash>.npz``. At start-up the engine
finds it by the hash of the content it loads (``classifier.load_or_train``): the shipped content uses it, and a
clinic's own content, whose hash differs, trains once into its cache as before.

Training runs in a child process with the project's runtime dependencies (``require-runtime-dependencies`` in
pyproject.toml), so whatever the engine trains on, the hook ships. Editable installs skip it: a checkout trains
into its cache on first use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TRAIN = """
import sys
from pathlib import Path
from botox_bot.core.engine import Engine
from botox_bot.settings import Settings

Engine.from_config(Settings(content_dir=Path(sys.argv[1]), cache_dir=Path(sys.argv[2])).engine_config())
"""


class ShippedModelHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        out = Path(tempfile.mkdtemp(prefix="botox-bot-model-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_")}  # the defaults, as shipped
        # the checkout first; then whatever the build environment put there (pip's isolated build environment
        # finds the runtime dependencies it installed through PYTHONPATH)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
        self.app.display_info("botox-bot: training the model on the shipped content (a fresh install never trains)")
        subprocess.run([sys.executable, "-c", TRAIN, str(root), str(out)], check=True, env=env, cwd=root)
        models = sorted(out.glob("intent-model-*.npz"))
        if not models:
            raise RuntimeError("botox-bot: the engine trained no model into the cache folder; nothing to ship")
        for model in models:
            build_data["force_include"][str(model)] = f"botox_bot/_model/{model.name}"
        self._trained = out

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        trained = getattr(self, "_trained", None)
        if trained is not None:
            shutil.rmtree(trained, ignore_errors=True)
