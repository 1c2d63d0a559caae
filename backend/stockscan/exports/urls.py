from stockscan.core.routers import Router
from stockscan.core.routing import route
from stockscan.exports.api import ExportRecipientConfirmView, ExportRecipientViewSet, ExportView, MonthExportView

router = Router()
router.register("exports/recipients", ExportRecipientViewSet, basename="export-recipient")

urlpatterns = [
    route("export-excel/", MonthExportView.as_view(), "export-excel"),
    route("exports/", ExportView.as_view(), "exports"),
    route("exports/recipients/confirm/", ExportRecipientConfirmView.as_view(), "export-recipient-confirm"),
    *router.urls,
]
