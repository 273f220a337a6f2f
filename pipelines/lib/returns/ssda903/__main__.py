"""python -m pipelines.lib.returns.ssda903: rewrite data/reference/code_sets.csv from the 903 schema."""

from pipelines.lib.paths import REFERENCE_DIR
from pipelines.lib.returns.ssda903.schema import write_code_sets_csv

write_code_sets_csv(REFERENCE_DIR / "code_sets.csv")
