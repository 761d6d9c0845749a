"""Devcontainer rendering, image build, container lifecycle and host trust.

Pure logic (no Docker): ``render`` (devcontainer.json + Dockerfile from a profile), ``spec``
(devkit's container from the rendered file), ``context`` (image inputs, content hash, build
context), ``wheel`` (a wheel of the running devkit), ``wheelhouse`` (host cache of devkit's
dependency wheels), ``secrets`` (the run-time secrets file), ``labels``, ``state``, ``trust``.
The one Docker SDK adapter is ``engine``. Plan steps: ``files_step``, ``image_step``,
``container_step``, ``postcreate_step``; ``lifecycle`` (down) and ``status`` serve the commands
of the same names.
"""
