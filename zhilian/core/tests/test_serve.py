"""`zhilian serve` starts gunicorn and the job worker as documented."""

from zhilian.core.management.commands import serve as serve_command


class _Process:
    def __init__(self, args, env=None):
        self.args, self.returncode = args, 0

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0

    def terminate(self):
        pass


def test_serve_runs_gunicorn_without_its_control_socket_and_the_job_worker(monkeypatch):
    started = []
    monkeypatch.setattr(serve_command.subprocess, "Popen", lambda args, env=None: started.append(args) or _Process(args))
    monkeypatch.setattr(serve_command.signal, "signal", lambda *a: None)
    assert serve_command.serve(None, "127.0.0.1:8123", 3) == 0
    jobs, web = started
    assert jobs[-2:] == ["run_huey", "--quiet"]
    assert "zhilian.wsgi:application" in web and "--no-control-socket" in web
    assert web[web.index("--bind") + 1] == "127.0.0.1:8123" and web[web.index("--workers") + 1] == "3"
