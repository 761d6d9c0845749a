"""The workspace's everyday actions as plans: down, sync-data and check.

Built here once, for the command line (``devkit down``, ``devkit sync-data``, ``devkit check``)
and the dashboard, which runs the same plans in-process and shows their events. (Rebuild is
``devkit.init.plan.plan_init`` with ``rebuild``.) One module per action, so a command imports
only its own: a no-op ``sync-data`` does not pay for the container, credentials and parity
modules.
"""
