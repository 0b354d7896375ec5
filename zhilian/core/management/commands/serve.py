import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


def default_workers() -> int:
    # Sync workers, one request each at a time, one more than the cores: the kernel hands a
    # connection to whichever worker is free, so requests queue in arrival order.
    return (os.cpu_count() or 2) + 1


def serve(stdout, bind: str, workers: int, jobs: bool = True, threads: int = 1):
    """Run gunicorn and, unless disabled, the huey job consumer; stop both on Ctrl-C."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "zhilian.settings"}
    processes = []
    if jobs:
        processes.append(subprocess.Popen([sys.executable, "-m", "zhilian.cli", "run_huey", "--quiet"], env=env))
    processes.append(subprocess.Popen([
        sys.executable, "-m", "gunicorn", "zhilian.wsgi:application", "--bind", bind, "--workers", str(workers),
        "--threads", str(threads), "--access-logfile", "-", "--timeout", "120", "--graceful-timeout", "10",
        # gunicorn 27 otherwise opens a management socket (reload, stop) at ~/.gunicorn/gunicorn.ctl,
        # one path for every gunicorn of the account: a second instance takes it over and removes
        # it when it stops. The platform does not use it; an unused control interface stays shut.
        "--no-control-socket",
    ], env=env))

    def stop(*_args):
        for p in processes:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in processes):
            try:
                processes[-1].wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    return max((p.returncode or 0) for p in processes)


class Command(BaseCommand):
    help = "Serve the platform with gunicorn plus the background job worker (reminders, risk warnings)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("ZHILIAN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("ZHILIAN_WORKERS") or default_workers()))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("ZHILIAN_THREADS", "1")),
                            help="Threads per worker (1: sync workers, for serving behind a reverse proxy).")
        parser.add_argument("--no-jobs", action="store_true", help="Do not start the job worker.")

    def handle(self, *args, bind, workers, threads, no_jobs, **options):
        self.stdout.write(f"Serving Zhilian on http://{bind}/ (data: {settings.DATA_DIR})")
        sys.exit(serve(self.stdout, bind, workers, jobs=not no_jobs, threads=threads))
