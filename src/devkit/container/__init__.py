"""Devcontainer rendering, image build, container lifecycle and host trust.

Pure logic (no Docker): ``render`` (the committed ``.devcontainer/`` files and the machine-local
layer from a profile), ``spec`` (devkit's container from the rendered config), ``context`` (image
inputs and their content hash), ``wheel`` (a wheel of the running devkit, devkit's pins),
``index`` (devkit's hashes on a package index), ``source`` (index or vendored wheel),
``wheelhouse`` (a host cache of devkit's dependency wheels, for the parity stand-in image),
``secrets`` (the run-time secrets file), ``labels``, ``trust`` (what the workspace remembers is
``devkit.state``'s).
The one Docker SDK adapter is ``engine``. Plan steps: ``files_step``, ``image_step``,
``container_step``, ``postcreate_step`` (starts ``devkit post-create`` in the container; what
that does there is ``devkit.inside``); ``lifecycle`` (down) and ``status`` serve the commands of
the same names.
"""
