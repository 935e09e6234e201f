"""A Spark session for batch scoring, and the Java runtime Spark needs, looked for before Spark starts.

Spark started without a usable Java dies with a gateway error and a JVM log; looking first gives one
sentence that says what is missing and how to install it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[2]"
MIN_JAVA = 17  # Spark 4 runs on Java 17 and newer
INSTALL_JAVA = "install one (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


class SparkUnavailable(RuntimeError):
    """Spark cannot run here: pyspark is not installed, or no Java runtime it can use was found."""


def java_command() -> str:
    """The java Spark will start: JAVA_HOME's, else the first on PATH; SparkUnavailable when there is none."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = os.path.join(home, "bin", "java")
        if not os.access(java, os.X_OK):
            raise SparkUnavailable(f"Spark needs a Java runtime: JAVA_HOME={home} has no bin/java; {INSTALL_JAVA}")
        return java
    found = shutil.which("java")
    if found is None:
        raise SparkUnavailable(f"Spark needs a Java runtime ({MIN_JAVA} or newer): no `java` on PATH and no "
                               f"JAVA_HOME; {INSTALL_JAVA}")
    return found


def java_version(java: str) -> int:
    """The major version `java -version` reports (8 for "1.8.0")."""
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SparkUnavailable(f"Spark needs a Java runtime: {java} -version failed: {exc}") from None
    match = _VERSION.search(shown.stderr + shown.stdout)
    if match is None:
        raise SparkUnavailable(f"Spark needs a Java runtime: {java} -version said {shown.stderr.strip()[:200]!r}")
    major, minor = int(match[1]), int(match[2] or 0)
    return minor if major == 1 else major


def check_java() -> None:
    """SparkUnavailable unless a Java runtime Spark can use is there."""
    java = java_command()
    version = java_version(java)
    if version < MIN_JAVA:
        raise SparkUnavailable(f"Spark needs Java {MIN_JAVA} or newer; {java} is Java {version}: {INSTALL_JAVA}")


def spark_session(master: str = DEFAULT_MASTER, partitions: int = 2, memory: str = "2g") -> SparkSession:
    """The process's Spark session (made on first call): `master` (local[2] by default), times in UTC, and
    `memory` for the driver, which in local mode also holds the scores collected back."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("Spark scoring needs pyspark: pip install 'leadscore[spark]'") from None
    check_java()
    # Local workers run this interpreter, where the model's libraries are installed (Spark's default is
    # whichever python3 is first on PATH).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName("leadscore-batch")
               .config("spark.driver.memory", memory)
               .config("spark.sql.session.timeZone", "UTC")  # lead times cross Arrow as they were written
               .config("spark.sql.shuffle.partitions", str(partitions))
               .config("spark.default.parallelism", str(partitions))
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    # Scores under pandas 3 are tested equal to in-process scoring (tests/models/test_spark_batch.py).
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - the gateway fails in several ways, all of them "cannot start"
        raise SparkUnavailable(f"Spark could not start with master {master!r}: {_first_line(exc)}") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
