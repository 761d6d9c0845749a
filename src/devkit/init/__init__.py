"""``devkit init``: the request and its defaults (``request``), the plan (``plan``), the
feature-branch step (``branch``) and the checks that run before it (``preflight``, also behind
``devkit doctor``)."""
