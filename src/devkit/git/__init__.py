"""The git adapter: the only code in devkit that touches git.

- ``command``: starts every git process (GitPython's runner, hardened against a repository's
  own programs) and maps failures to DevkitErrors;
- ``repo``: HEAD and refs through GitPython, branch create/switch/delete, fetch;
- ``state``: read-only facts (status, merge-base, tracked files, config, hooks path);
- ``names`` and ``regex_safety``: branch-name rules and the profile pattern's safety check;
- ``step``: the feature-branch step of ``devkit init``.

GitPython itself is imported only when a git process or a repository is first needed.
"""
