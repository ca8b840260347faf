"""Sweep Ridge alphas on the diabetes data; log ``alpha`` and ``mse`` and keep each model.

Submitted as a job by submit.py: ``Run.get_context()`` is the job's run, and whatever lands in
``./outputs`` is uploaded with it when the script ends.
"""

from __future__ import annotations

import argparse
import os

import joblib
from ridge_helpers import diabetes_split, fit_and_score

from carnet import Run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alphas", default="0.0,0.1,0.3,0.5,1.0", help="comma-separated alphas")
    args = parser.parse_args()

    run = Run.get_context()
    split = diabetes_split()
    os.makedirs("outputs", exist_ok=True)
    for alpha in (float(a) for a in args.alphas.split(",")):
        model, mse = fit_and_score(alpha, split)
        run.log("alpha", alpha)
        run.log("mse", mse)
        joblib.dump(model, os.path.join("outputs", f"ridge_{alpha}.pkl"))
        print(f"alpha={alpha:.2f} mse={mse:.1f}")


if __name__ == "__main__":
    main()
