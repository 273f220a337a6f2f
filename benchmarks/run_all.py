"""Runs every benchmark script in this folder in turn (bench_*.py, in name order).

bench_pipeline.py: the pipeline on the default synthetic authority (benchmarks/results/pipeline.json).
bench_returns.py: the 903 and CIN census adapters on national-size files, against liiatools when its
virtualenv exists ($LIIATOOLS_VENV, default /work/peer-venv) (benchmarks/results/returns.json).
"""

import subprocess
import sys
from pathlib import Path

for script in sorted(Path(__file__).parent.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script)], check=True)
