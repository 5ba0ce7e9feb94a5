"""`emply-sim demo --web`: serves the world's pages on loopback and prints the tour's URL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx


def test_demo_web_prints_the_tour_url_and_the_tour_plays_there():
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1"}
    process = subprocess.Popen([sys.executable, "-m", "emply_sim", "demo", "--web", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()
        found = re.match(r"FAQ tour: (http://127\.0\.0\.1:\d+/ui/tour)$", line.strip())
        assert found, line + process.stderr.read() if process.poll() is not None else line
        url = found.group(1)
        # A browser sends its page's Origin with every form (the pages refuse forms without).
        origin = url.split("/ui/", 1)[0]
        with httpx.Client(trust_env=False, timeout=10, headers={"Origin": origin}) as client:
            index = client.get(url)
            assert index.status_code == 200 and "The FAQ, step by step" in index.text
            started = client.post(f"{url}/1/start", data={"next": "/ui/tour/1"})
            assert started.status_code == 303
            played = client.post(f"{url}/1/play", data={"next": "/ui/tour/1"})
            assert played.status_code == 303
            page = client.get(f"{url}/1").text  # the flash lives in the session cookie
            assert "Step 1 played: run 1 ended partial." in page
            assert "This “partial” is the expected outcome" in page
            entra = client.get(url.replace("/tour", "/entra")).text
            assert 'id="admin-app">Demo: Entra administrator<' in entra  # the actions are on
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_demo_web_with_an_unknown_scenario_fails_with_one_line():
    result = subprocess.run([sys.executable, "-m", "emply_sim", "demo", "--web", "nowhere"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "no such file, and no built-in scenario of that name" in result.stderr
    assert "Traceback" not in result.stderr
