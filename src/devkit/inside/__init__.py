"""What devkit does inside the dev container: ``devkit post-create``, the devcontainer's
postCreate command.

``checks`` (the environment it runs in), ``steps`` (locked dependencies, the profile's own
commands, the first fingerprint, per-step log files), ``data`` (sample or synthetic, decided
inside the container), ``plan`` (the post-create plan). The host side, which starts the command
in the container from ``devkit init``, is ``container.postcreate_step``; ``--target host`` reuses
these steps on this machine (``host.plan``).
"""
