from stockscan.core.routing import route
from stockscan.exports.api import ExportView, MonthExportView

urlpatterns = [
    route("export-excel/", MonthExportView.as_view(), "export-excel"),
    route("exports/", ExportView.as_view(), "exports"),
]
