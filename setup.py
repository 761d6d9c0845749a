"""Maps the repository's profiles/ and devcontainer/ folders into the wheel as package data."""

from setuptools import find_packages, setup

setup(
    package_dir={
        "": "src",
        "devkit.builtin_profiles": "profiles",
        "devkit.templates": "devcontainer",
    },
    packages=[*find_packages("src"), "devkit.builtin_profiles", "devkit.templates"],
    package_data={
        "devkit": ["py.typed", "tui/*.tcss"],
        "devkit.schemas": ["*.schema.json"],
        "devkit.builtin_profiles": ["*.yaml"],
        "devkit.templates": ["*"],
    },
)
