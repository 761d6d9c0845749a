"""``devkit init``: the request and its defaults (``request``), the plan (``plan``) and the
checks that run before it (``preflight``, also behind ``devkit doctor``)."""
