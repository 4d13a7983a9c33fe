"""Drive a terminal program in a real pseudo-terminal and keep a virtual screen of what it drew (pyte).

Used by the benchmark (first frame, idle bytes, mouse bytes) and by the tests that count bytes written to the
terminal. Counts are exact; times come from time.perf_counter.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Sequence

import pyte


class PtyApp:
    """A child process on a pty of ``cols`` × ``rows``; every byte it writes is counted and fed to a screen."""

    def __init__(
        self, argv: Sequence[str], *, cols: int = 120, rows: int = 40, env: dict[str, str | None] | None = None
    ) -> None:
        """Start ``argv``; ``env`` adds to this process's environment (a value of None removes the variable)."""
        self.cols, self.rows = cols, rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.total_bytes = 0
        self.started = time.perf_counter()
        # TEXTUAL (devtools) and SSH_CONNECTION (the app may switch mouse reporting off) only when a caller sets them;
        # COLUMNS/LINES (set by test runners) would override the pty's size.
        inherited_out = ("TEXTUAL", "SSH_CONNECTION", "COLUMNS", "LINES")
        base = {k: v for k, v in os.environ.items() if k not in inherited_out}
        merged = {**base, "TERM": "xterm-256color", "COLORTERM": "truecolor", **(env or {})}
        full_env = {k: v for k, v in merged.items() if v is not None}
        pid, fd = pty.fork()
        if pid == 0:  # child: size the terminal before the program reads it
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(argv[0], list(argv), full_env)
        self.pid, self.fd = pid, fd
        # And from this side too: the size then holds whichever of the two runs first under load.
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def pump(self, timeout: float) -> int:
        """Read what the program writes for up to ``timeout`` seconds (returns early on nothing); bytes read."""
        got = 0
        end = time.perf_counter() + timeout
        while True:
            left = end - time.perf_counter()
            if left <= 0:
                return got
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return got
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return got
            if not data:
                return got
            got += len(data)
            self.total_bytes += len(data)
            self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 30.0) -> float:
        """Seconds from process start until ``predicate(screen text)`` holds; raises TimeoutError.

        The time is that of the last read of the bytes that made the screen match. Everything the program has
        written is read before the screen model (pyte, slow) parses it, so the parsing of one chunk does not delay
        the read of the next, and the predicate is checked after each batch (until session 3 it was checked after
        20 ms polling windows, which rounded every first-frame time up to a 20 ms step)."""
        if predicate(self.text()):
            return time.perf_counter() - self.started
        deadline = time.perf_counter() + timeout
        while (left := deadline - time.perf_counter()) > 0:
            if not select.select([self.fd], [], [], left)[0]:
                break
            batch: list[bytes] = []
            arrived = time.perf_counter()
            while True:  # drain what is there now
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                arrived = time.perf_counter()
                batch.append(data)
                if not select.select([self.fd], [], [], 0)[0]:
                    break
            if not batch:
                break
            chunk = b"".join(batch)
            self.total_bytes += len(chunk)
            self.stream.feed(chunk)
            if predicate(self.text()):
                return arrived - self.started
        raise TimeoutError(f"screen never matched; last screen:\n{self.text()}")

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Read until the program has written nothing for ``quiet`` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.pump(quiet) == 0:
                return

    def bytes_during(self, seconds: float) -> int:
        """Bytes the program writes in the next ``seconds``."""
        before = self.total_bytes
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self.pump(left)
        return self.total_bytes - before

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def rss_peak_kb(self) -> int:
        """Peak resident set size (VmHWM) of the child, in KiB."""
        with open(f"/proc/{self.pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def quit(self, key: bytes = b"\x11", timeout: float = 10.0) -> bool:
        """Quit as a user does (ctrl+q by default) and wait for the exit: what the app saves when it quits (its KPI
        cache file) is saved, which a SIGTERM from :meth:`close` would skip. True if the program exited."""
        self.send(key)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                return True
            self.pump(0.05)
        return False

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        for _ in range(50):
            try:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            self.pump(0.05)
        else:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os.close(self.fd)

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
