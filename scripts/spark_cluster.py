"""A Spark standalone cluster on this machine, from the installed PySpark.

``make spark-cluster`` runs this: one master and ``--workers`` workers on 127.0.0.1, each
worker with ``--cores`` cores and ``--memory`` for executors, started with PySpark's own
``spark-class`` (``org.apache.spark.deploy.master.Master`` and
``org.apache.spark.deploy.worker.Worker``). It prints the master URL and a ``score``
command that uses it, and stops every process it started on Ctrl-C.

Python tasks run this interpreter (``PYSPARK_PYTHON``) with this checkout first on
``PYTHONPATH``, so the workers import the same ``dtwcore`` as the command line. The tests
start their cluster with :class:`Cluster` too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyspark

ROOT = Path(__file__).resolve().parents[1]
SPARK_HOME = Path(pyspark.__file__).parent
MARKER = "DTWCORE_SPARK_CLUSTER"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"

# The daemons' own log: informative, into the log folder (stdout and stderr of each
# process go to <root>/logs/<name>.log).
_LOG4J2 = """\
rootLogger.level = info
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n
"""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _read_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=2) as r:
        return json.loads(r.read())


class Cluster:
    """A master and ``workers`` workers on 127.0.0.1, with their files under ``root``.

    Parameters
    ----------
    root : folder for the configuration, the logs (``logs/``) and the workers' work
        folders (``work-<i>/``, with each executor's stdout and stderr)
    workers : number of worker processes
    cores : cores each worker offers
    memory : executor memory each worker offers, in Spark's notation (``1g``, ``512m``);
        a driver's default ``spark.executor.memory`` is 1g, so less than that leaves a
        default driver without executors
    port, webui_port : the master's RPC and web UI ports (0: any free port)
    pythonpath : ``PYTHONPATH`` of the Python tasks (default: this checkout)

    Every process started (daemons, executors, Python workers, and any driver run with
    :meth:`env`) carries ``DTWCORE_SPARK_CLUSTER=<root>`` in its environment, which is
    how :meth:`processes` finds them all.
    """

    def __init__(
        self,
        root: Path,
        *,
        workers: int = 2,
        cores: int = 1,
        memory: str = "1g",
        port: int = 0,
        webui_port: int = 0,
        pythonpath: str | None = None,
    ) -> None:
        if workers < 1 or cores < 1:
            raise ValueError("a cluster needs at least one worker with at least one core")
        self.root = Path(root).resolve()
        self.workers = workers
        self.cores = cores
        self.memory = memory
        self.port = port or free_port()
        self.webui_port = webui_port or free_port()
        self.worker_webui_ports = [free_port() for _ in range(workers)]
        self.pythonpath = pythonpath or os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
        self.master: subprocess.Popen | None = None
        self.worker_procs: list[subprocess.Popen] = []

    @property
    def master_url(self) -> str:
        """``spark://127.0.0.1:<port>``, what ``--spark-master`` takes."""
        return f"spark://127.0.0.1:{self.port}"

    @property
    def webui_url(self) -> str:
        return f"http://127.0.0.1:{self.webui_port}"

    def env(self) -> dict[str, str]:
        """The environment of every process of the cluster (and of drivers using it)."""
        env = dict(os.environ)
        env.update(
            SPARK_HOME=str(SPARK_HOME),
            SPARK_CONF_DIR=str(self.root / "conf"),
            SPARK_LOG_DIR=str(self.root / "logs"),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_DAEMON_MEMORY="256m",
            # The master and the workers only schedule: a quick JIT and a serial GC start
            # them faster and smaller. Executors, which do the work, keep Spark's defaults.
            SPARK_DAEMON_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
            PYSPARK_PYTHON=sys.executable,
            PYSPARK_DRIVER_PYTHON=sys.executable,
            PYTHONPATH=self.pythonpath,
        )
        env[MARKER] = str(self.root)
        return env

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        """``spark-class ARGS`` in its own process group, output to logs/<name>.log."""
        log = open(self.root / "logs" / f"{name}.log", "w")  # noqa: SIM115
        try:
            return subprocess.Popen(
                [str(SPARK_HOME / "bin" / "spark-class"), *args],
                cwd=self.root,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()

    def start(self, timeout: float = 180.0) -> float:
        """Start the master and the workers; wait until every worker is ALIVE.

        Returns the seconds it took. Raises RuntimeError (with the end of the logs) when
        a process exits or the workers are not all alive within ``timeout`` s; the
        processes already started are stopped first.
        """
        for port in (self.port, self.webui_port):
            if _port_taken(port):
                raise RuntimeError(f"port {port} on 127.0.0.1 is in use; choose another one")
        started = time.monotonic()
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        (self.root / "conf").mkdir(exist_ok=True)
        (self.root / "conf" / "log4j2.properties").write_text(_LOG4J2)
        try:
            self.master = self._spawn(
                "master", MASTER_CLASS, "--host", "127.0.0.1", "--port", str(self.port),
                "--webui-port", str(self.webui_port),
            )  # fmt: skip
            for i, ui_port in enumerate(self.worker_webui_ports):
                worker = self._spawn(
                    f"worker-{i}", WORKER_CLASS, self.master_url, "--host", "127.0.0.1",
                    "--cores", str(self.cores), "--memory", self.memory,
                    "--webui-port", str(ui_port), "--work-dir", str(self.root / f"work-{i}"),
                )  # fmt: skip
                self.worker_procs.append(worker)
            self._wait_alive(self.workers, started + timeout)
        except BaseException:
            self.stop()
            raise
        return time.monotonic() - started

    def _wait_alive(self, count: int, deadline: float) -> None:
        while True:
            for name, proc in self._named_procs():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"the Spark {name} exited with code {proc.returncode}\n{self.log(name)}"
                    )
            try:
                if len(self.alive_workers()) >= count:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{count} Spark workers were not alive in time\n{self.log('master')}"
                )
            time.sleep(0.3)

    def _named_procs(self) -> list[tuple[str, subprocess.Popen]]:
        named = [("master", self.master)] if self.master is not None else []
        return named + [(f"worker-{i}", p) for i, p in enumerate(self.worker_procs)]

    def log(self, name: str, chars: int = 3000) -> str:
        """The end of logs/<name>.log."""
        path = self.root / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def status(self) -> dict:
        """The master's state: its web UI's ``/json/`` (workers, apps, cores in use)."""
        return _read_json(f"{self.webui_url}/json/")

    def alive_workers(self) -> list[dict]:
        return [w for w in self.status()["workers"] if w["state"] == "ALIVE"]

    def worker_status(self, index: int) -> dict:
        """Worker ``index``'s state: its web UI's ``/json/`` (running and finished executors)."""
        return _read_json(f"http://127.0.0.1:{self.worker_webui_ports[index]}/json/")

    def kill_worker(self, index: int) -> None:
        """SIGKILL worker ``index``'s JVM (only that process, as a crash would end it)."""
        proc = self.worker_procs[index]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def processes(self) -> list[str]:
        """Every live process of this cluster, as ``pid command line``."""
        return processes(self.root)

    def stop(self, timeout: float = 20.0) -> list[str]:
        """Stop the workers, then the master: SIGTERM to each process group, SIGKILL
        after ``timeout`` s. Their executors and Python workers end with them; whatever
        of the cluster still runs 10 s later is killed and returned (``pid command``)."""
        for _, proc in reversed(self._named_procs()):
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, proc in reversed(self._named_procs()):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)
        for _, proc in self._named_procs():
            _signal_group(proc, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.2)
        left = self.processes()
        for line in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(line.split()[0]), signal.SIGKILL)
        return left


def processes(root: Path) -> list[str]:
    """Every live process started for the cluster in ``root`` (found by the
    ``DTWCORE_SPARK_CLUSTER`` variable in its environment), as ``pid command line``."""
    needle = f"{MARKER}={Path(root).resolve()}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes():
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(f"{entry.name} {cmdline.strip()[:200]}")
    return found


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Send ``sig`` to the process group ``proc`` leads (it may outlive ``proc``)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def main(argv: list[str] | None = None) -> int:
    """Start a cluster, print how to use it, wait for Ctrl-C, stop it."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--cores", type=int, default=1, help="cores per worker (default 1)")
    p.add_argument("--memory", default="1g", help="executor memory per worker (default 1g)")
    p.add_argument("--port", type=int, default=7077, help="master port (default 7077)")
    p.add_argument("--webui-port", type=int, default=8080, help="master web UI (default 8080)")
    p.add_argument("--logs", help="keep the logs and work folders here (default: removed)")
    args = p.parse_args(argv)
    root = Path(args.logs) if args.logs else Path(tempfile.mkdtemp(prefix="dtwcore-spark-"))
    cluster = Cluster(
        root, workers=args.workers, cores=args.cores, memory=args.memory,
        port=args.port, webui_port=args.webui_port,
    )  # fmt: skip
    try:
        seconds = cluster.start()
        print(
            f"Spark master {cluster.master_url}, {args.workers} worker(s) of "
            f"{args.cores} core(s) and {args.memory}, ready in {seconds:.1f} s\n"
            f"web UI: {cluster.webui_url}   logs: {root}\n\n"
            "Score a catalogue on it:\n"
            f"  {sys.executable} -m dtwcore score INPUT --out OUTPUT "
            f"--engine spark --spark-master {cluster.master_url}\n\n"
            "Ctrl-C stops the cluster.",
            flush=True,
        )
        while True:
            signal.pause()
    except KeyboardInterrupt:
        print("\nstopping the Spark cluster …", flush=True)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        cluster.stop()
        if not args.logs:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it as Ctrl-C does
    sys.exit(main())
