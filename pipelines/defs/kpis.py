"""KPI values: one asset per KPI card (sql/kpis), all computed in one step over the partition range, by the
card factory (pipelines/defs/cards.py); the run is pipelines/lib/card_run.py."""

from pipelines.defs.cards import CardFamily, card_assets
from pipelines.lib.kpi_cards import load_cards

KPI_FAMILY = CardFamily(
    family="kpi", op_name="kpi_values", key_prefix="kpi", group="kpis", id_field="kpi_id", cards=load_cards(),
    checks=True,
    description="Every selected KPI is computed; one whose inputs or values fail a critical check is recorded as "
                "blocked in kpi_status for the months of the run, one whose inputs are absent as \"no data\" "
                "(pipelines/lib/no_data.py), and the outputs do not publish either.",
)
CARDS = KPI_FAMILY.keys
kpi_values = card_assets(KPI_FAMILY)
