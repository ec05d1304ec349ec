#!/usr/bin/env python3
"""Starts litmus-proxy the way systemd starts deploy/systemd/litmus-proxy.service,
without systemd (this machine's PID 1 is not systemd): ExecStart's command
line with the unit's config, each LoadCredential=NAME:PATH copied to
$CREDENTIALS_DIRECTORY/NAME (mode 0400), NOTIFY_SOCKET on a datagram socket
of this script and WATCHDOG_USEC from WatchdogSec=. The paths under
/etc/litmus-proxy are mapped into a temporary directory, and the config gets
`connect` overrides so that Litmus is the fake on 127.0.0.1. Then checks:
READY=1 arrives, the watchdog period is the unit's, a request is proxied with
the credentials from the credentials directory, ExecReload= reloads, and
SIGTERM ends with STOPPING=1 and exit 0. The sandboxing directives are not
applied here (systemd_test.sh verifies and scores them).
"""

import argparse
import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import yaml

CLIENT_ID = "systemd-client"
CLIENT_SECRET = "systemd-secret-7f3a"
ETC = "/etc/litmus-proxy/"


def unit_values(path):
    """Directive -> list of values, from the [Service] section."""
    values, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line
                continue
            if section == "[Service]":
                key, _, value = line.partition("=")
                values.setdefault(key, []).append(value)
    return values


def usec(text):
    m = re.fullmatch(r"(\d+)(ms|s|min)?", text)
    if not m:
        raise ValueError(f"unsupported time span {text!r}")
    factor = {"ms": 1_000, "s": 1_000_000, "min": 60_000_000, None: 1_000_000}[m.group(2)]
    return int(m.group(1)) * factor


class lines_of:
    """Collects a stream's lines on a thread, so waits can be bounded."""

    def __init__(self, stream):
        self.queue = queue.Queue()
        self.seen = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            self.queue.put(line)

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=min(0.1, max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                if not self.thread.is_alive() and self.queue.empty():
                    break  # the stream ended: nothing more will come
                continue
            self.seen.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"no {what} (within {timeout} s); seen:\n" + "".join(self.seen[-20:]))

    def all(self, timeout):
        """Every line, once the stream has ended (within `timeout`)."""
        self.thread.join(timeout)
        while not self.queue.empty():
            self.seen.append(self.queue.get())
        return self.seen


def log_event(name):
    def match(line):
        try:
            return json.loads(line).get("event") == name
        except ValueError:
            return False
    return match


class notify_socket:
    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []

    def wait_for(self, field, timeout):
        """The first message holding the line `field` (e.g. READY=1)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages:
                if field in message.splitlines():
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {field} from the proxy within {timeout} s; got {self.messages}")
            self.sock.settimeout(left)
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass


def start_fake(fake, tmp):
    proc = subprocess.Popen([fake, "--listen", "127.0.0.1:0", "--ca-out", os.path.join(tmp, "ca.pem"),
                             "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = lines_of(proc.stdout)
    line = out.wait_for(lambda l: "listening on" in l, 15, "litmus-fake start")
    port = re.search(r"listening on [\d.]+:(\d+)", line).group(1)
    return proc, f"127.0.0.1:{port}"


def test_config(config_path, fake_at, tmp):
    """The unit's config, with ports the system picks and Litmus at the fake."""
    with open(config_path) as f:
        config = yaml.safe_load(f) or {}
    config["listen"] = "127.0.0.1:0"
    config.setdefault("admin", {})["listen"] = "127.0.0.1:0"
    config.setdefault("token", {})["connect"] = fake_at
    config["upstreams"] = [
        {"name": "api", "url": "https://api.litmus.com", "prefix": "/api", "connect": fake_at},
        {"name": "instant", "url": "https://instant-api.litmus.com", "prefix": "/instant", "connect": fake_at},
    ]
    config.setdefault("tls", {})["ca_file"] = os.path.join(tmp, "ca.pem")
    path = os.path.join(tmp, "config.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(config, f)
    return path


def load_credentials(unit, tmp):
    """LoadCredential=NAME:PATH as systemd does it: PATH (here under tmp)
    copied to $CREDENTIALS_DIRECTORY/NAME, readable by the owner only."""
    sources = os.path.join(tmp, "etc")
    os.mkdir(sources)
    with open(os.path.join(sources, "client_id"), "w") as f:
        f.write(CLIENT_ID + "\n")
    with open(os.path.join(sources, "client_secret"), "w") as f:
        f.write(CLIENT_SECRET + "\n")
    directory = os.path.join(tmp, "credentials")
    os.mkdir(directory, 0o700)
    names = []
    for spec in unit.get("LoadCredential", []):
        name, _, source = spec.partition(":")
        assert source.startswith(ETC), spec
        target = os.path.join(directory, name)
        shutil.copyfile(os.path.join(sources, source[len(ETC):]), target)
        os.chmod(target, 0o400)
        names.append(name)
    assert sorted(names) == ["client_id", "client_secret"], names
    os.chmod(directory, 0o500)
    return directory


def run(args):
    unit = unit_values(args.unit)
    assert unit.get("Type") == ["notify"], unit.get("Type")
    with tempfile.TemporaryDirectory() as tmp:
        fake, fake_at = start_fake(args.fake, tmp)
        proxy = None
        try:
            config = test_config(args.config, fake_at, tmp)
            argv = shlex.split(unit["ExecStart"][0])
            assert argv[1:] == ["--config", ETC + "config.yaml"], argv
            argv = [args.binary, "--config", config]
            notify = notify_socket(os.path.join(tmp, "notify.sock"))
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("LITMUS_") and k not in ("NOTIFY_SOCKET", "WATCHDOG_PID")}
            env.update(CREDENTIALS_DIRECTORY=load_credentials(unit, tmp), NOTIFY_SOCKET=notify.path,
                       WATCHDOG_USEC=str(usec(unit["WatchdogSec"][0])))
            proxy = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            log = lines_of(proxy.stderr)

            watchdog = json.loads(log.wait_for(log_event("systemd_notify"), 10, "systemd_notify log line"))
            assert watchdog["watchdog_ms"] * 1000 == usec(unit["WatchdogSec"][0]), watchdog
            listening = json.loads(log.wait_for(log_event("listening"), 10, "listening log line"))
            ready = notify.wait_for("READY=1", 20)
            print(f"ok: READY=1 ({ready.strip().replace(chr(10), ', ')})")

            url = f"http://127.0.0.1:{listening['port']}/api/v2/users/current"
            with urllib.request.urlopen(url, timeout=10) as r:
                body = json.load(r)
                assert r.status == 200 and "user" in body, body
            print("ok: a request proxied with the credentials from $CREDENTIALS_DIRECTORY")

            reload_argv = shlex.split(unit["ExecReload"][0].replace("$MAINPID", str(proxy.pid)))
            subprocess.run(reload_argv, check=True, timeout=10)
            log.wait_for(log_event("reloaded"), 10, "reloaded log line after ExecReload")
            print("ok: ExecReload= reloads")

            proxy.send_signal(signal.SIGTERM)
            notify.wait_for("STOPPING=1", 10)
            code = proxy.wait(timeout=usec(unit["TimeoutStopSec"][0]) / 1e6)
            assert code == 0, f"exit {code}"
            print("ok: SIGTERM: STOPPING=1, exit 0")
            for line in log.all(10):
                assert CLIENT_SECRET not in line, "the secret reached the log"
        finally:
            for p in (proxy, fake):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--unit", "--config", "--binary", "--fake"):
        parser.add_argument(name, required=True)
    try:
        run(parser.parse_args())
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
