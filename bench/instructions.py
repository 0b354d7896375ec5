"""Instructions one request costs the app, counted by valgrind (not part of the test suite).

Timings on these shared 2-core machines moved ±20 % between two runs of the same code a
minute apart, more than most single changes save. An instruction count does not: callgrind
counts what the Python process executes (not PostgreSQL's side), the same for the same code,
data and request whatever else the machine does. Compare two commits with it, not with a
stopwatch.

    .venv/bin/python bench/instructions.py --db zhilian_bench_projects --user icmember \\
        /achievements/?page=2 /api/v1/achievements/?page=2

Each URL is asked in process (Django's test client, signed in as ``--user``; a path under
``/api/`` with the user's token), ``--warm`` times unmeasured, then ``--requests`` times with
callgrind switched on; it prints millions of instructions per request. The database is one a
benchmark script kept (``--keep-db``); by default nothing is kept between requests
(``ZHILIAN_RESULT_CACHE=0``, the cold path), ``--kept`` measures as deployed. To measure another
checkout, run this file with ``PYTHONPATH`` set to that checkout. Needs valgrind
(``apt-get install valgrind``); valgrind makes the process about 50 times slower.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PG, RESULTS  # the scripts' shared settings (bench/common.py)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="+", help="paths to request, e.g. /problems/?page=2")
    parser.add_argument("--db", required=True, help="a PostgreSQL database a benchmark script kept")
    parser.add_argument("--user", default="mgmt", help="the login to ask as (default mgmt)")
    parser.add_argument("--data-dir", help="ZHILIAN_DATA_DIR (default: the data directory of the script that made --db)")
    parser.add_argument("--requests", type=int, default=3, help="measured requests per URL (default 3)")
    parser.add_argument("--warm", type=int, default=3, help="unmeasured requests first (default 3)")
    parser.add_argument("--kept", action="store_true", help="keep results between requests, as deployed")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the run under valgrind: where to report
    return parser.parse_args()


def data_dir_for(db: str) -> str:
    """The data directory of the script whose database this is (``zhilian_bench_projects``, or
    a name given with ``--db`` such as ``zl_proj``)."""
    for stem, name in (("dir", "directory"), ("chain", "chains"), ("proj", "projects")):
        if stem in db:
            return str(RESULTS / f"{name}-data")
    return str(RESULTS / f"{db}-data")


def measure(args):
    """Runs under callgrind with instrumentation off; switches it on around each URL's requests."""
    import django

    django.setup()
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from zhilian.accounts.models import User

    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    token = Token.objects.filter(user=user).first() or Token.objects.create(user=user)
    pid = str(os.getpid())
    for url in args.urls:
        headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"} if url.startswith("/api/") else {}
        for _ in range(args.warm):
            status = client.get(url, **headers).status_code
        if status != 200:
            sys.exit(f"{url} answered {status}")
        subprocess.run(["callgrind_control", "--zero", pid], check=True, capture_output=True)
        subprocess.run(["callgrind_control", "--instr=on", pid], check=True, capture_output=True)
        time.sleep(0.2)  # the control request is read at the next basic block boundary
        for _ in range(args.requests):
            client.get(url, **headers)
        subprocess.run(["callgrind_control", "--instr=off", pid], check=True, capture_output=True)
        subprocess.run(["callgrind_control", "--dump", pid], check=True, capture_output=True)
    Path(args.inside).write_text("done")


def main():
    args = parse_args()
    os.environ.update({
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{args.db}",
        "ZHILIAN_DATA_DIR": args.data_dir or data_dir_for(args.db),
        "DJANGO_SETTINGS_MODULE": "zhilian.settings", "ALLOWED_HOSTS": "testserver",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-instructions"), "ZHILIAN_LOG_LEVEL": "WARNING",
        "ZHILIAN_RESULT_CACHE": "1" if args.kept else "0",
    })
    if args.inside:
        return measure(args)
    with tempfile.TemporaryDirectory() as tmp:
        done = Path(tmp) / "done"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={tmp}/cg.out",
                   sys.executable, __file__, *sys.argv[1:], "--inside", str(done)]
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode or not done.exists():
            sys.exit(run.stderr[-3000:])
        for i, url in enumerate(args.urls, start=1):
            totals = [line for line in (Path(tmp) / f"cg.out.{i}").read_text().splitlines() if line.startswith("totals:")]
            per_request = int(totals[0].split()[1]) / args.requests / 1e6
            print(f"{per_request:8.1f} M instructions/request  {url}")


if __name__ == "__main__":
    main()
