#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.env import ProductionConfigurationError

    try:
        execute_from_command_line(sys.argv)
    except ProductionConfigurationError as exc:
        sys.exit(str(exc))


if __name__ == "__main__":
    main()
