import os
import sys

from django.core.wsgi import get_wsgi_application

from config.env import ProductionConfigurationError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

try:
    application = get_wsgi_application()
except ProductionConfigurationError as exc:
    sys.exit(str(exc))
