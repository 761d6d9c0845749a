"""The host target: the workload set up in place, on the machine devkit runs on (no container).

For dev environments that already are an isolated cloud machine (AWS Cloud9, SageMaker Studio)
and usually run no Docker Engine. ``devkit init --target host`` creates the feature branch, a
virtual environment ``.devkit/venv`` from the profile's lockfile with the profile's Python, the
dataset, the hooks and the first fingerprint; ``.devkit/state.json`` records ``"target": "host"``
so ``run``, ``status``, ``check``, ``down`` and the dashboard follow it.
"""
