"""Build hook: the wheel carries the book's shipped files as ``vklib/_data``.

The repository keeps them in the top-level ``data/`` folder (weights, result tables, reference
CSVs, a recorded GrabCut session). ``build_py`` copies that folder into the build as
``vklib/_data``, so an installed vklib (a wheel, as in Colab) finds them with no checkout beside
it; :func:`vklib.resources.data_path` looks there first. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_data(build_py):
    def run(self):
        super().run()
        source = HERE / "data"
        if not source.is_dir():  # building from an sdist: MANIFEST.in put data/ there too
            raise FileNotFoundError(f"{source} is missing: the wheel must carry the book's data")
        target = Path(self.build_lib) / "vklib" / "_data"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": build_py_with_data})
