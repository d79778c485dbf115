"""The console adapter end to end: the real `songbot console` with piped stdin."""

import os
import subprocess
import sys
from pathlib import Path

from mutagen.id3 import ID3

from bot import audio

BAD_INPUTS = [
    "",
    "hello there",
    "/dance",
    "/song",
    "/song duration: 30",
    "/song tags: lofi duration: 0",
    "/song tags: lofi duration: 241",
    "/song tags: lofi duration: -5",
    "/song tags: lofi duration: abc",
    "/song tags: lofi duration: 1e9",
    "/song tags: lofi seed: 2147483648",
    "/song tags: lofi seed: -2",
    "/song tags: lofi mood: happy",
    "/song tags: " + "x" * 5000,
    "/song tags: \x00\x07\x1b duration: 30",
    "/song tags: 🎸 ロック, مرحبا duration: abc",
    "/cancel",
    "/cancel zzzzzz",
    "/admin budget",
]


def songbot(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the real `songbot` command in `tmp_path` with a clean environment plus `env`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SONGBOT_", "WAVESPEED_", "DISCORD_", "SLACK_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        env={**clean, **env},
        cwd=tmp_path,
    )


def run_console(tmp_path: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    out, db = str(tmp_path / "songs"), str(tmp_path / "songbot.sqlite3")
    return songbot(tmp_path, "console", "--user", "tester", "--out", out, "--db", db, stdin=stdin)


def saved_paths(stdout: str) -> list[Path]:
    return [
        Path(line[len("saved ") :]) for line in stdout.splitlines() if line.startswith("saved ")
    ]


def test_piped_console_makes_songs_and_exits_zero(tmp_path):
    commands = "\n".join(
        [
            "/song tags: lofi, hiphop, chill duration: 30 seed: 42",
            '/song jazz, sad duration: 0:12 seed: 7 lyrics: """',
            "[verse]",
            "rain on the window, coffee gone cold",
            "[chorus]",
            "sing it again",
            '"""',
            "/history",
        ]
    )
    result = run_console(tmp_path, commands + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    paths = saved_paths(result.stdout)
    assert len(paths) == 2
    durations = sorted(audio.duration_seconds(path.read_bytes()) for path in paths)
    assert abs(durations[0] - 12) < 0.2 and abs(durations[1] - 30) < 0.2
    tags = {str(ID3(path)["TXXX:seed"].text[0]): ID3(path) for path in paths}
    assert set(tags) == {"42", "7"}
    assert "rain on the window" in str(tags["7"].getall("USLT")[0].text)
    assert "seed `42`" in result.stdout and "lofi, hiphop, chill" in result.stdout


def test_bad_input_gets_friendly_errors_and_nothing_is_made(tmp_path):
    result = run_console(tmp_path, "\n".join(BAD_INPUTS) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert saved_paths(result.stdout) == []
    warnings = [line for line in result.stdout.splitlines() if line.startswith("⚠")]
    # every non-empty bad line got exactly one warning reply
    assert len(warnings) == len([line for line in BAD_INPUTS if line.strip()])
    assert "mood" in result.stdout  # the unknown key is named
    assert "241" in result.stdout or "240" in result.stdout


def test_unclosed_lyrics_are_reported_not_sent(tmp_path):
    result = run_console(tmp_path, '/song tags: rock lyrics: """\n[verse]\nno end\n')
    assert result.returncode == 0
    assert "not closed" in result.stdout
    assert saved_paths(result.stdout) == []


def test_bad_setting_stops_with_one_line(tmp_path):
    result = songbot(tmp_path, "console", SONGBOT_MAX_CONCURRENT_JOBS="lots")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SONGBOT_MAX_CONCURRENT_JOBS" in lines[0]


def test_run_without_credentials_falls_back_to_the_console(tmp_path):
    result = songbot(
        tmp_path,
        "run",
        stdin="/song ambient, dreamy duration: 6 seed: 1\n",
        SONGBOT_DB=str(tmp_path / "db.sqlite3"),
        SONGBOT_OUT_DIR=str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stderr
    paths = saved_paths(result.stdout)
    assert len(paths) == 1 and paths[0].parent.name == "out"
    assert "starting the console" in result.stderr


def test_unusable_database_path_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "dir.sqlite3").mkdir()  # a directory where the database file should be
    result = songbot(tmp_path, "console", "--db", str(tmp_path / "dir.sqlite3"), stdin="/help\n")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot open the database" in lines[0], result.stderr
