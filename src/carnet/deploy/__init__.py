"""``carnet.deploy``: managed scoring endpoints (see :mod:`carnet.deploy.supervisor`)."""
