"""`survey serve` builds its children's command lines: quiet, with runtime files in the instance folder."""
from __future__ import annotations

from survey.commands.serve import control_socket_options, web_command, worker_command


def test_gunicorn_keeps_its_control_socket_in_the_instance_folder(tmp_path):
    command = web_command("127.0.0.1", 5000, 2, str(tmp_path / "instance"))
    assert command[command.index("--control-socket") + 1] == str(tmp_path / "instance" / "gunicorn.ctl")


def test_an_instance_path_too_long_for_a_socket_gets_no_control_socket(tmp_path):
    deep = tmp_path / ("x" * 120)
    assert control_socket_options(str(deep)) == ["--no-control-socket"]


def test_the_worker_runs_without_banner_or_superuser_warning():
    command = worker_command(1, with_beat=True)
    assert command[command.index("-W") + 1].startswith("ignore:You're running the worker with superuser")
    assert command.index("--quiet") < command.index("worker") and command[-1] == "--beat"
