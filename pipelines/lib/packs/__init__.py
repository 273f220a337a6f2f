"""Monthly packs: the published OCG pack (HTML), the restricted clinic pack (HTML) and the Excel workbook.

    render_ocg_pack(con, period_end, out_dir)    -> out_dir/ocg_pack_YYYY-MM.html
    render_ocg_pack(..., area=la_code)           -> out_dir/ocg_pack_<la_code>_YYYY-MM.html (an owning council's)
    render_clinic_pack(con, period_end, out_dir) -> out_dir/restricted/clinic_pack_YYYY-MM.html (0600)
    write_workbook(con, period_end, out_dir)     -> out_dir/scorecard_YYYY-MM.xlsx
    write_comparators(con, period_end, out_dir)  -> out_dir/comparators_YYYY-MM.csv (DfE comparators as data)
    ocg_context / clinic_context                 -> the data each template is given (for tests)

`con` is a warehouse connection holding kpi_values / kpi_records (and, when checks ran, kpi_status).
Output is deterministic: re-running gives byte-identical files.
"""

from pipelines.lib.packs.clinic import clinic_context, render_clinic_pack
from pipelines.lib.packs.ocg import ocg_context, render_ocg_pack
from pipelines.lib.packs.workbook import write_comparators, write_workbook

__all__ = ["clinic_context", "ocg_context", "render_clinic_pack", "render_ocg_pack", "write_comparators",
           "write_workbook"]
