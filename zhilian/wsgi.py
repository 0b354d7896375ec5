import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhilian.settings")
application = get_wsgi_application()

if os.environ.get("ZHILIAN_WARM_UP", "1") != "0":
    # Before the server hands this process a connection (core.warmup says why).
    from zhilian.core.warmup import warm

    warm()
