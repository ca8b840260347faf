"""Submit train.py as a job on the local compute target, follow its output, then pick the best
alpha from the run's metrics.

Start a worker first (`carnet worker` in another terminal, or `carnet server`, which starts
one), then run `python examples/job_ridge_sweep/submit.py`.
"""

from __future__ import annotations

from pathlib import Path

from carnet import Experiment, ScriptRunConfig, Workspace


def main() -> None:
    workspace = Workspace()
    experiment = Experiment(workspace, "diabetes-ridge-job")
    config = ScriptRunConfig(
        source_directory=str(Path(__file__).parent),
        script="train.py",
        arguments=["--alphas", "0.0,0.1,0.3,0.5,1.0"],
        compute_target="local",
    )
    run = experiment.submit(config)
    run.wait_for_completion(show_output=True)

    metrics = run.get_metrics()
    alphas, mses = metrics["alpha"], metrics["mse"]
    best = min(range(len(mses)), key=mses.__getitem__)
    print(f"best alpha {alphas[best]} (mse {mses[best]:.1f}); models: {run.get_file_names()}")


if __name__ == "__main__":
    main()
