from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import Conflict


class ServiceNameTaken(Conflict):
    error_code = "SERVICE_NAME_TAKEN"
    default_detail = _("A service with this name already exists.")


class LastServiceRequired(Conflict):
    error_code = "LAST_SERVICE"
    default_detail = _("An organisation keeps at least one service.")


class ServiceHasMembers(Conflict):
    error_code = "SERVICE_HAS_MEMBERS"
    default_detail = _("Members are limited to this service: give them another service first.")
