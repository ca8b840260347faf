"""The public Python API: workspaces, experiments, runs, the MLflow-style functions and the client."""
