"""The ``zhilian`` console command: Django's management commands under the platform's name.

``zhilian migrate``, ``zhilian createsuperuser``, ``zhilian demo``, ``zhilian serve``…
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhilian.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhilian", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
