"""Short-lived, read-only AWS credentials for containers, without copying any keys into them.

The host runs a small broker on a unix socket (``broker.py``); the container's AWS config names a
``credential_process`` that asks it (``client.py``). Every AWS SDK speaks credential_process, the
socket works whatever the container's network mode is, and nothing secret is ever written to the
workspace, an image, a label or the container's environment.
"""
