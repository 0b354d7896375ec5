"""Print the latest results of each benchmark script as Markdown (for docs/benchmarks.md).

    .venv/bin/python bench/report.py [directory chains projects]
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, markdown_table  # noqa: E402


def report(name: str) -> str:
    path = RESULTS / f"{name}-latest.json"
    if not path.exists():
        return f"## {name}\n\nNo results yet: run `.venv/bin/python bench/{name}.py`.\n"
    data = json.loads(path.read_text())
    machine = data["machine"]
    args = data["args"]
    dataset = {k: v for k, v in data["dataset"].items() if k != "save_path_check" and not isinstance(v, dict)}
    browser = data["dataset"].get("browser (Chromium)")
    lines = [
        f"## {name}",
        "",
        f"Run {data['at']} at commit `{machine.get('git_head')}`: {machine['cpus']} CPUs, Python "
        f"{machine['python']}, PostgreSQL {machine['postgres']} (shared_buffers {machine['shared_buffers']}); "
        f"gunicorn {args['workers']} workers × {args['threads']} threads; {args['clients']} clients for "
        f"{args['duration']:.0f} s per endpoint, then one client for {args['serial_duration']:.0f} s.",
        "",
        "Dataset: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in dataset.items()) + ".",
        "",
        markdown_table(data["results"]),
        "",
    ]
    if browser:
        filters = ", ".join(f"{k} {v} ms" for k, v in browser["filters_ms"].items())
        lines += [f"In Chromium (the map page of the big chain as `mgmt`, {browser['nodes']:,} links, "
                  f"{browser['enterprises']:,} enterprises, {browser['problems']:,} problems): ready to use after "
                  + " / ".join(f"{ms:,} ms" for ms in browser["render_ms"])
                  + f" (three loads, including the map JSON); filter changes to the next painted frame: {filters}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    names = sys.argv[1:] or ["directory", "chains", "projects"]
    print("\n".join(report(n) for n in names))
